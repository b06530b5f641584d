import SQLite

/// The lookup pairs as counted against what `key_merge` and `key_sweep` record, for `doctor`
/// and tests. A row without a pair would make enqueue take its key for new and store it twice;
/// counts out of step only delay moves and sweeps.
public struct KeyPairCheck: Sendable, Equatable {
  /// Pairs in `fresh_keys` and `recent_keys` as `key_merge` records them, and as counted.
  public var storedFresh: Int, countedFresh: Int
  public var storedRecent: Int, countedRecent: Int
  /// Pairs in all three tables; rows in `finding_delivery`; pairs `key_sweep` calls stale.
  public var pairs: Int, rows: Int, stale: Int

  /// Every row can have its pair only when the tables hold at least one pair per row.
  public var rowsMayLackPairs: Bool { pairs < rows }
  public var matches: Bool {
    storedFresh == countedFresh && storedRecent == countedRecent && pairs == rows + stale
  }
}

extension Outbox {
  /// Counts every pair table (a sequential read of ~20 bytes a row: for `doctor` and tests).
  public func checkKeyPairs() throws(OutboxError) -> KeyPairCheck {
    do {
      try connection.execute("BEGIN")
      defer { try? connection.execute("COMMIT") }
      let counted = try Self.pairTables.map { table throws(SQLiteError) in
        Int(try connection.scalarInt("SELECT count(*) FROM \(table)"))
      }
      let merge = try connection.prepare("SELECT fresh, recent FROM key_merge").firstRow { ($0.int(0), $0.int(1)) } ?? (0, 0)
      return KeyPairCheck(
        storedFresh: merge.0, countedFresh: counted[0], storedRecent: merge.1, countedRecent: counted[1],
        pairs: counted.reduce(0, +), rows: Int(try connection.scalarInt("SELECT count(*) FROM finding_delivery")),
        stale: Int(try connection.scalarInt("SELECT stale FROM key_sweep")))
    } catch {
      throw OutboxError.from(error, path: path)
    }
  }

  /// Gives every row that lacks one its pair (in `fresh_keys`), then recounts `key_merge` and
  /// `key_sweep`: the repair `doctor` prints for pair tables changed at a `sqlite3` prompt.
  /// It also moves `key_merge.added` on, so an enqueue still running with a Bloom filter built
  /// before the repair stops trusting it (see `Outbox+KeyFilter`).
  public static let repairKeyPairsSQL = """
    INSERT INTO fresh_keys (key_hash, id) SELECT c.key_hash, c.id FROM finding_content AS c \
    WHERE NOT EXISTS (\(pairTables.map { "SELECT 1 FROM \($0) AS p WHERE p.key_hash = c.key_hash AND p.id = c.id" }
      .joined(separator: " UNION ALL "))); \
    UPDATE key_merge SET fresh = (SELECT count(*) FROM fresh_keys), recent = (SELECT count(*) FROM recent_keys), \
    added = added + 1; \
    UPDATE key_sweep SET stale = \(pairTables.map { "(SELECT count(*) FROM \($0))" }.joined(separator: " + ")) \
    - (SELECT count(*) FROM finding_delivery)
    """
}
