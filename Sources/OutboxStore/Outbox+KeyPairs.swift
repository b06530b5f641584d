import SQLite

// Lookup pairs (key_hash, id) live in three tables, smallest first: `fresh_keys`, where enqueue
// puts a new key's pair; `recent_keys`; and `finding_keys`, which holds the rest. A pair is in
// exactly one of them. Fresh pairs move into `recent_keys` at 131,072 (a table that small stays
// in the page cache, so an enqueue transaction dirties few pages of it). After each such move,
// the recent pairs of the next slice of key hashes move into `finding_keys`; the slices go round
// the key space once per eighth of the rows (`recentSliceSpan`). Each move walks its source in
// key order, so each page of the larger table is written once for all the pairs that land on
// it. Pairs whose row prune deleted are stale: they join no row, so they never make a key look
// known, and `sweepStaleKeys` removes them in bulk.

extension Outbox {
  /// The pair tables, smallest first: a lookup reads all three.
  static let pairTables = ["fresh_keys", "recent_keys", "finding_keys"]
  /// Fresh pairs move on at this many; below it a move of recent pairs is not worth its read
  /// of `finding_keys`.
  static let minimumPairsToMove = 131_072
  /// Pairs one statement of a move takes.
  static let pairsPerMoveStatement = 1_024

  /// Pairs in `fresh_keys`, rows in the outbox, and the key hash the next slice of recent pairs starts at.
  func keyMergeBacklog() throws(SQLiteError) -> (fresh: Int, rows: Int, moveFrom: Int64) {
    let merge = try connection.prepare("SELECT fresh, move_from FROM key_merge").firstRow { ($0.int(0), $0.int64(1)) } ?? (0, 0)
    let rows = try connection.prepare("SELECT coalesce(sum(rows), 0) FROM delivery_counts").firstRow { $0.int(0) } ?? 0
    return (merge.0, rows, merge.1)
  }

  /// How many key hashes one slice of recent pairs spans: the key space is cut into as many
  /// slices as there are `minimumPairsToMove` in an eighth of the rows (rounded up), and one
  /// slice moves per fresh move, so a pass over `finding_keys` comes once per eighth of the rows
  /// or a little later. Nil (move them all) while that is a single slice. At ten million rows a
  /// pass rewrites the ~200 MB of `finding_keys` once per 1.3 million new keys, in ten slices:
  /// with the checkpoint that copies it back, about 320 bytes written per key.
  static func recentSliceSpan(rows: Int) -> UInt64? {
    let slices = (rows / 8 + minimumPairsToMove - 1) / minimumPairsToMove
    guard slices > 1 else { return nil }
    return UInt64.max / UInt64(slices) + 1
  }

  /// Adds `pairs` new pairs to the count of fresh ones. Call inside the transaction that inserted them.
  func countFreshKeys(_ pairs: Int) throws(SQLiteError) {
    guard pairs != 0 else { return }
    try connection.prepare("UPDATE key_merge SET fresh = fresh + ?").bind(.integer(Int64(pairs))).run()
  }

  /// Once `fresh_keys` holds `minimumPairsToMove` pairs, moves them into `recent_keys`, then
  /// the next slice of recent pairs into `finding_keys` (see `recentSliceSpan`). Enqueue calls
  /// it after each transaction it commits.
  /// - Returns: the pairs moved (a pair that moved twice counts twice).
  @discardableResult
  func mergeRecentKeysIfDue() throws(OutboxError) -> Int {
    let backlog: (fresh: Int, rows: Int, moveFrom: Int64)
    do {
      backlog = try keyMergeBacklog()
    } catch {
      throw OutboxError.from(error, path: path)
    }
    guard backlog.fresh >= Self.minimumPairsToMove else { return 0 }
    let fresh = try mergeFreshKeys()
    guard let span = Self.recentSliceSpan(rows: backlog.rows) else { return fresh + (try mergeRecentKeys()) }
    return fresh + (try moveRecentSlice(from: backlog.moveFrom, span: span))
  }

  /// A move's statements from `source` into `target`: the last pair of the next range after
  /// (?1, ?2), ?3 pairs on; the copy of the range (?1, ?2] … (?3, ?4], in key order; its deletion.
  static func moveKeysSQL(from source: String, into target: String) -> [String] {
    [
      nextRangeSQL(in: source),
      """
      INSERT INTO \(target) (key_hash, id)
      SELECT key_hash, id FROM \(source) WHERE (key_hash, id) > (?1, ?2) AND (key_hash, id) <= (?3, ?4)
      ORDER BY key_hash, id
      """,
      "DELETE FROM \(source) WHERE (key_hash, id) > (?1, ?2) AND (key_hash, id) <= (?3, ?4)",
    ]
  }

  /// The last pair of `table`'s next range after (?1, ?2), ?3 pairs on.
  static func nextRangeSQL(in table: String) -> String {
    "SELECT key_hash, id FROM \(table) WHERE (key_hash, id) > (?1, ?2) ORDER BY key_hash, id LIMIT 1 OFFSET ?3"
  }

  /// Moves every pair of `fresh_keys` into `recent_keys` (see `movePairs`).
  @discardableResult
  func mergeFreshKeys() throws(OutboxError) -> Int {
    try movePairs(
      from: "fresh_keys", into: "recent_keys", settle: "UPDATE key_merge SET fresh = max(0, fresh - ?1), recent = recent + ?1")
  }

  /// Moves every pair of `recent_keys` into `finding_keys` (see `movePairs`).
  @discardableResult
  func mergeRecentKeys() throws(OutboxError) -> Int {
    try movePairs(from: "recent_keys", into: "finding_keys", settle: Self.settleRecentSQL)
  }

  /// The counts after a move of ?1 recent pairs.
  private static let settleRecentSQL = "UPDATE key_merge SET recent = max(0, recent - ?1)"

  /// Moves the pairs of `recent_keys` whose key hash is in the `span` hashes from `start`
  /// (up to the largest hash at most) into `finding_keys`, then sets `key_merge.move_from`
  /// to where the next slice starts: past the largest hash, the smallest.
  /// - Returns: the pairs moved.
  @discardableResult
  func moveRecentSlice(from start: Int64, span: UInt64) throws(OutboxError) -> Int {
    // In unsigned positions (the sign bit flipped), which order hashes as SQLite does.
    let signBit: UInt64 = 1 << 63
    let (end, overflow) = (UInt64(bitPattern: start) ^ signBit).addingReportingOverflow(max(span, 1) - 1)
    let last = Int64(bitPattern: (overflow ? .max : end) ^ signBit)
    let moved = try movePairs(
      from: "recent_keys", into: "finding_keys", settle: Self.settleRecentSQL, after: (start, .min), through: (last, .max))
    let next = last == .max ? Int64.min : last + 1
    try write { try connection.prepare("UPDATE key_merge SET move_from = ?").bind(.integer(next)).run() }
    return moved
  }

  /// Moves the pairs of `source` after `start` through `end` (by default all) into `target`,
  /// walking it in key order in short transactions (see `ShortTransactions`); each moves a range
  /// of pairs and runs `settle` (the counts, with the pairs moved as ?1) together, so a crash
  /// between two leaves every pair in exactly one table. Pairs added meanwhile before the walk's
  /// position wait for the next move.
  /// - Returns: the pairs moved.
  private func movePairs(
    from source: String, into target: String, settle: String,
    after start: (keyHash: Int64, id: Int64) = (.min, .min), through end: (keyHash: Int64, id: Int64) = (.max, .max)
  ) throws(OutboxError) -> Int {
    try walkKeyRanges(
      of: source, pairsPerRange: Self.pairsPerMoveStatement,
      statements: Array(Self.moveKeysSQL(from: source, into: target).dropFirst()), settle: [settle], after: start,
      through: end)
  }

  /// Walks `table` in key order in short transactions, `pairsPerRange` pairs at a time, from
  /// just after the pair `after` through the pair `through`, running `statements` on each
  /// range (bound as (?1, ?2] … (?3, ?4]) and counting the pairs the last one changes; before
  /// each commit, `settle` runs with that transaction's count as ?1.
  /// - Returns: the pairs changed in all.
  private func walkKeyRanges(
    of table: String, pairsPerRange: Int, statements: [String], settle: [String],
    after start: (keyHash: Int64, id: Int64) = (.min, .min), through end: (keyHash: Int64, id: Int64) = (.max, .max)
  ) throws(OutboxError) -> Int {
    var after = start
    var total = 0
    try inShortTransactions { transactions in
      let boundary = try connection.prepare(Self.nextRangeSQL(in: table))
      let prepared = try statements.map { try connection.prepare($0) }
      var changed = 0
      let finished = try transactions.fill { () throws(SQLiteError) -> Bool in
        let last = try boundary.bind(.integer(after.keyHash), .integer(after.id), .integer(Int64(pairsPerRange - 1)))
          .firstRow { (keyHash: $0.int64(0), id: $0.int64(1)) }
        let upTo: (keyHash: Int64, id: Int64) = last.map { $0 < end ? $0 : end } ?? end
        let range: [SQLValue] = [.integer(after.keyHash), .integer(after.id), .integer(upTo.keyHash), .integer(upTo.id)]
        for statement in prepared { try statement.bind(range).run() }
        changed += connection.changes
        after = upTo
        return upTo == end
      }
      for sql in settle { try connection.prepare(sql).bind(.integer(Int64(changed))).run() }
      total += changed
      return finished
    }
    return total
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

  /// Deletes the pairs whose row is gone, once `sweepIsDue`, from each pair table in turn, each
  /// walked in key order in short transactions.
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
    var swept = 0
    for table in Self.pairTables { swept += try sweepStalePairs(in: table) }
    return swept
  }

  /// Deletes `table`'s stale pairs, walking it in key order in short transactions.
  private func sweepStalePairs(in table: String) throws(OutboxError) -> Int {
    let recount = ["UPDATE key_sweep SET stale = max(0, stale - ?1)"]
    return try walkKeyRanges(
      of: table, pairsPerRange: ShortTransactions.sliceRows,
      statements: [
        """
        DELETE FROM \(table)
        WHERE (key_hash, id) > (?1, ?2) AND (key_hash, id) <= (?3, ?4)
          AND NOT EXISTS (SELECT 1 FROM finding_delivery AS d WHERE d.id = \(table).id)
        """
      ],
      settle: recount + (Self.pairCountColumn[table].map { ["UPDATE key_merge SET \($0) = max(0, \($0) - ?1)"] } ?? []))
  }

  /// The `key_merge` column counting each smaller pair table.
  private static let pairCountColumn = ["fresh_keys": "fresh", "recent_keys": "recent"]

  /// The ids of the pairs whose hash is `parameter` (such as `?1`), in every pair table.
  static func pairIDsSQL(keyHash parameter: String) -> String {
    pairTables.map { "SELECT id FROM \($0) WHERE key_hash = \(parameter)" }.joined(separator: " UNION ALL ")
  }
}
