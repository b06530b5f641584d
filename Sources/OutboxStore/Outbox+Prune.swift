import SQLite

extension Outbox {
  /// Deletes (or, with `compact`, drops the payload of) rows sent before `sentBefore`, deletes
  /// dead rows last updated before `deadBefore`, and request records older than `sentBefore`.
  /// Never touches pending or sending rows. A compacted row keeps its key and hash, so
  /// re-enqueuing the same content stays a no-op.
  ///
  /// Works in short transactions (see `ShortTransactions`), each walking its index from where the
  /// previous one stopped, so a million rows cost a million row changes, not a rescan per batch.
  /// Deleted rows leave their lookup pairs behind, swept out in key order once due.
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
    try inShortTransactions { transactions in
      let statement = try connection.prepare(sql)
      var changed = 0
      let finished = try transactions.fill { () throws(SQLiteError) -> Bool in
        try statement.bind(.integer(cutoff), .integer(Int64(ShortTransactions.sliceRows))).run()
        changed += connection.changes
        return connection.changes < ShortTransactions.sliceRows
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
    try inShortTransactions { transactions in
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
          .integer(cutoff), .integer(after.sentAt), .integer(after.id), .integer(Int64(ShortTransactions.sliceRows))
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
        return seen < ShortTransactions.sliceRows
      }
    }
    return total
  }
}
