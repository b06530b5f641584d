import SQLite

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How many rows one prune transaction takes: it starts at 1,000 and adapts so that each
/// transaction holds the write lock for about `targetMillis`, however large the outbox is and
/// however fast the disk, and an `enqueue` or `drain` waiting for the lock waits no longer.
struct PruneBatchSize {
  static let targetMillis: Int64 = 40
  private(set) var rows = 1_000

  /// Adjusts the next batch after one took `millis` for `rows` rows.
  mutating func record(millis: Int64) {
    if millis < Self.targetMillis / 2 {
      rows = min(rows * 2, 50_000)
    } else if millis > Self.targetMillis {
      rows = max(rows / 2, 100)
    }
  }

  static func monotonicMillis() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
  }
}

extension Outbox {
  /// Deletes (or, with `compact`, drops the payload of) rows sent before `sentBefore`, deletes
  /// dead rows last updated before `deadBefore`, and request records older than `sentBefore`.
  /// Never touches pending or sending rows. A compacted row keeps its key and hash, so
  /// re-enqueuing the same content stays a no-op.
  ///
  /// Works in short transactions (see `PruneBatchSize`), each walking its index from where the
  /// previous one stopped, so a million rows cost a million row changes, not a rescan per batch.
  public func prune(sentBefore: Int64?, deadBefore: Int64?, compact: Bool) throws(OutboxError) -> PruneCounts {
    var counts = PruneCounts()
    if let sentBefore {
      if compact {
        counts.compactedSent = try compactSent(before: sentBefore)
      } else {
        counts.deletedSent = try deleteInBatches(
          """
          DELETE FROM finding_content WHERE id IN (
            SELECT id FROM finding_delivery INDEXED BY delivery_sent
            WHERE state = 'sent' AND sent_at < ?1 ORDER BY sent_at LIMIT ?2)
          """, cutoff: sentBefore, state: .sent)
      }
      counts.deletedBatches = try deleteInBatches(
        "DELETE FROM batches WHERE id IN (SELECT id FROM batches WHERE finished_at < ?1 ORDER BY finished_at LIMIT ?2)",
        cutoff: sentBefore, state: nil)
    }
    if let deadBefore {
      counts.deletedDead = try deleteInBatches(
        """
        DELETE FROM finding_content WHERE id IN (
          SELECT id FROM finding_delivery INDEXED BY delivery_dead
          WHERE state = 'dead' AND updated_at < ?1 ORDER BY updated_at LIMIT ?2)
        """, cutoff: deadBefore, state: .dead)
    }
    return counts
  }

  /// Runs a `DELETE … LIMIT ?2` until it deletes fewer rows than asked; deleted rows leave the
  /// index the statement walks, so each run starts where the last one stopped.
  private func deleteInBatches(_ sql: String, cutoff: Int64, state: DeliveryState?) throws(OutboxError) -> Int {
    var size = PruneBatchSize()
    var total = 0
    while true {
      let started = PruneBatchSize.monotonicMillis()
      let asked = size.rows
      let changed = try write {
        try connection.prepare(sql).bind(.integer(cutoff), .integer(Int64(asked))).run()
        let changed = connection.changes
        if let state {
          var delta = StateDelta()
          delta.move(changed, from: state, to: nil)
          try apply(delta)
        }
        return changed
      }
      total += changed
      if changed < asked { return total }
      size.record(millis: PruneBatchSize.monotonicMillis() - started)
    }
  }

  /// Drops the payload of sent rows in `(sent_at, id)` order, resuming after the last row of the
  /// previous batch (compacted rows stay in the index, so a plain LIMIT would walk them again):
  /// first the rest of the last batch's `sent_at` (an index seek on `sent_at = ? AND rowid > ?`,
  /// since one acknowledgement gives thousands of rows the same time), then later times.
  private func compactSent(before cutoff: Int64) throws(OutboxError) -> Int {
    var size = PruneBatchSize()
    var after: (sentAt: Int64, id: Int64) = (Int64.min, 0)
    var total = 0
    while true {
      let started = PruneBatchSize.monotonicMillis()
      let asked = size.rows
      let (seen, changed, last) = try write {
        var ids: [UInt8] = Array("[".utf8)
        var seen = 0
        var last = after
        try connection.prepare(
          """
          SELECT * FROM (
            SELECT id, sent_at FROM finding_delivery INDEXED BY delivery_sent
            WHERE state = 'sent' AND sent_at = ?2 AND id > ?3 AND sent_at < ?1 ORDER BY id LIMIT ?4)
          UNION ALL
          SELECT * FROM (
            SELECT id, sent_at FROM finding_delivery INDEXED BY delivery_sent
            WHERE state = 'sent' AND sent_at > ?2 AND sent_at < ?1 ORDER BY sent_at, id LIMIT ?4)
          LIMIT ?4
          """
        )
        .bind(.integer(cutoff), .integer(after.sentAt), .integer(after.id), .integer(Int64(asked)))
        .forEachRow { row in
          if seen > 0 { ids.append(UInt8(ascii: ",")) }
          ids.append(contentsOf: String(row.int64(0)).utf8)
          last = (row.int64(1), row.int64(0))
          seen += 1
        }
        ids.append(UInt8(ascii: "]"))
        guard seen > 0 else { return (0, 0, last) }
        try connection.prepare(
          """
          UPDATE finding_content SET payload = NULL
          WHERE id IN (SELECT value FROM json_each(?1)) AND payload IS NOT NULL
          """
        )
        .bind(.textBytes(ids)).run()
        return (seen, connection.changes, last)
      }
      total += changed
      after = last
      if seen < asked { return total }
      size.record(millis: PruneBatchSize.monotonicMillis() - started)
    }
  }
}
