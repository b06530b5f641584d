import SQLite

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Prune's transactions, each meant to hold the write lock for about `targetMillis`, however
/// large the outbox and however fast the disk. A transaction runs statements of `sliceRows`
/// rows until its statement time is up; its commit then writes every page they dirtied (in a
/// large outbox about one page of the key index per deleted row), so the statement time is
/// scaled after each transaction by how far the whole of it, commit included, was from the
/// target. A pause after each commit lets waiting writers (polling every millisecond, see
/// `Connection.setBusyTimeout`) take the lock.
struct PruneTransactions {
  static let targetMillis: Int64 = 40
  static let sliceRows = 128
  static let gapMicros: UInt32 = 3_000
  /// Statement time for the next transaction.
  private(set) var statementMillis: Int64 = 10
  private var lastStatementMillis: Int64 = 0

  static func monotonicMillis() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
  }

  /// Runs `slice` (one statement over at most `sliceRows` rows; true once nothing is left)
  /// until this transaction's statement time is up or nothing is left; true at the end.
  mutating func fill(_ slice: () throws(SQLiteError) -> Bool) throws(SQLiteError) -> Bool {
    let started = Self.monotonicMillis()
    defer { lastStatementMillis = Self.monotonicMillis() - started }
    while true {
      if try slice() { return true }
      if Self.monotonicMillis() - started >= statementMillis { return false }
    }
  }

  /// Scales the next statement time after a transaction that took `transactionMillis` in all,
  /// then pauses for waiting writers.
  mutating func finished(transactionMillis: Int64) {
    let scaled = max(lastStatementMillis, 1) * Self.targetMillis / max(transactionMillis, 1)
    statementMillis = min(Self.targetMillis, max(1, scaled))
    usleep(Self.gapMicros)
  }
}

extension Outbox {
  /// Deletes (or, with `compact`, drops the payload of) rows sent before `sentBefore`, deletes
  /// dead rows last updated before `deadBefore`, and request records older than `sentBefore`.
  /// Never touches pending or sending rows. A compacted row keeps its key and hash, so
  /// re-enqueuing the same content stays a no-op.
  ///
  /// Works in short transactions (see `PruneTransactions`), each walking its index from where the
  /// previous one stopped, so a million rows cost a million row changes, not a rescan per batch.
  /// Deleted rows leave their `finding_keys` pairs behind, swept out in key order once due.
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
    counts.sweptKeys = try sweepStaleKeys()
    return counts
  }

  /// Runs a `DELETE … LIMIT ?2` slice after slice until one deletes fewer rows than asked;
  /// deleted rows leave the index the statement walks, so each slice starts where the last stopped.
  private func deleteInBatches(_ sql: String, cutoff: Int64, state: DeliveryState?) throws(OutboxError) -> Int {
    var total = 0
    try inPruneTransactions { transactions in
      let statement = try connection.prepare(sql)
      var changed = 0
      let finished = try transactions.fill { () throws(SQLiteError) -> Bool in
        try statement.bind(.integer(cutoff), .integer(Int64(PruneTransactions.sliceRows))).run()
        changed += connection.changes
        return connection.changes < PruneTransactions.sliceRows
      }
      if let state {
        var delta = StateDelta()
        delta.move(changed, from: state, to: nil)
        try apply(delta)
        try connection.prepare("UPDATE key_sweep SET stale = stale + ?").bind(.integer(Int64(changed))).run()
      }
      total += changed
      return finished
    }
    return total
  }

  /// Drops the payload of sent rows in `(sent_at, id)` order, resuming after the last row of the
  /// previous batch (compacted rows stay in the index, so a plain LIMIT would walk them again):
  /// first the rest of the last batch's `sent_at` (an index seek on `sent_at = ? AND rowid > ?`,
  /// since one acknowledgement gives thousands of rows the same time), then later times.
  private func compactSent(before cutoff: Int64) throws(OutboxError) -> Int {
    var after: (sentAt: Int64, id: Int64) = (Int64.min, 0)
    var total = 0
    try inPruneTransactions { transactions in
      let select = try connection.prepare(
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
      let compact = try connection.prepare(
        """
        UPDATE finding_content SET payload = NULL
        WHERE id IN (SELECT value FROM json_each(?1)) AND payload IS NOT NULL
        """
      )
      return try transactions.fill { () throws(SQLiteError) -> Bool in
        var ids: [UInt8] = Array("[".utf8)
        var seen = 0
        try select.bind(
          .integer(cutoff), .integer(after.sentAt), .integer(after.id), .integer(Int64(PruneTransactions.sliceRows))
        )
        .forEachRow { row in
          if seen > 0 { ids.append(UInt8(ascii: ",")) }
          ids.append(contentsOf: String(row.int64(0)).utf8)
          after = (row.int64(1), row.int64(0))
          seen += 1
        }
        ids.append(UInt8(ascii: "]"))
        if seen > 0 {
          try compact.bind(.textBytes(ids)).run()
          total += connection.changes
        }
        return seen < PruneTransactions.sliceRows
      }
    }
    return total
  }

  /// Runs `transaction` in one short write transaction after another until it returns true
  /// (nothing left); it fills each through the `PruneTransactions` it is given, which times them.
  private func inPruneTransactions(_ transaction: (inout PruneTransactions) throws -> Bool) throws(OutboxError) {
    var transactions = PruneTransactions()
    var finished = false
    while !finished {
      let started = PruneTransactions.monotonicMillis()
      finished = try write { try transaction(&transactions) }
      if !finished { transactions.finished(transactionMillis: PruneTransactions.monotonicMillis() - started) }
    }
  }
}

extension Outbox {
  /// Stale pairs (rows deleted, pairs not yet swept) and rows in the outbox.
  func keySweepBacklog() throws(SQLiteError) -> (stale: Int, rows: Int) {
    let stale = try connection.prepare("SELECT stale FROM key_sweep").firstRow { $0.int(0) } ?? 0
    let rows = try connection.prepare("SELECT coalesce(sum(rows), 0) FROM delivery_counts").firstRow { $0.int(0) } ?? 0
    return (stale, rows)
  }

  /// A sweep reads every pair, so it waits until stale pairs are a fifth of them: a sweep then
  /// costs at most five reads per pair it removes, each page written once.
  static func sweepIsDue(stale: Int, rows: Int) -> Bool { stale > 0 && stale * 4 >= rows }

  /// Deletes the `finding_keys` pairs whose row is gone, walking the table in key order in
  /// prune's short transactions, once `sweepIsDue`.
  /// Every row has its delivery row (inserted together, deleted by cascade), so a pair is
  /// stale exactly when `finding_delivery`, the narrower table, has no row with its id.
  /// - Returns: the pairs deleted.
  func sweepStaleKeys() throws(OutboxError) -> Int {
    let (stale, rows): (Int, Int)
    do {
      (stale, rows) = try keySweepBacklog()
    } catch {
      throw OutboxError.from(error, path: path)
    }
    guard Self.sweepIsDue(stale: stale, rows: rows) else { return 0 }
    var after: (keyHash: Int64, id: Int64) = (.min, .min)
    var total = 0
    try inPruneTransactions { transactions in
      let boundary = try connection.prepare(
        "SELECT key_hash, id FROM finding_keys WHERE (key_hash, id) > (?1, ?2) ORDER BY key_hash, id LIMIT 1 OFFSET ?3")
      let sweep = try connection.prepare(
        """
        DELETE FROM finding_keys
        WHERE (key_hash, id) > (?1, ?2) AND (key_hash, id) <= (?3, ?4)
          AND NOT EXISTS (SELECT 1 FROM finding_delivery AS d WHERE d.id = finding_keys.id)
        """)
      var removed = 0
      let finished = try transactions.fill { () throws(SQLiteError) -> Bool in
        let last = try boundary.bind(
          .integer(after.keyHash), .integer(after.id), .integer(Int64(PruneTransactions.sliceRows - 1))
        ).firstRow { (keyHash: $0.int64(0), id: $0.int64(1)) }
        let upTo = last ?? (Int64.max, Int64.max)
        try sweep.bind(.integer(after.keyHash), .integer(after.id), .integer(upTo.keyHash), .integer(upTo.id)).run()
        removed += connection.changes
        after = upTo
        return last == nil
      }
      try connection.prepare("UPDATE key_sweep SET stale = max(0, stale - ?)").bind(.integer(Int64(removed))).run()
      total += removed
      return finished
    }
    return total
  }
}
