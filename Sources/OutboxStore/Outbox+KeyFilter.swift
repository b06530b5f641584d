import SQLite

/// What enqueue knows about the key hashes in the pair tables (see `KeyHashFilter` and
/// Migrations/0008_fresh_keys.sql).
struct KeyFilterState {
  /// Outboxes with fewer pairs than this look every key up: their tables fit the page cache.
  var minimumPairs: Int
  var filter: KeyHashFilter?
  /// `key_merge.added` as of the filter's last committed change.
  var added: Int64 = 0
  /// Hashes this process added in the open transaction: `added` moves on by them at commit.
  var uncommitted: Int64 = 0
  /// The filter missed another process's keys: rebuild it before the next transaction.
  var stale = false
  /// New keys this process inserted since the filter was built; a stale filter is rebuilt only
  /// once they reach an eighth of its capacity, so a second enqueue running alongside costs
  /// at most one sequential read of the pairs per eight keys, never one per transaction.
  var insertedSinceBuild = 0

  init(minimumPairs: Int) { self.minimumPairs = minimumPairs }
}

extension Outbox {
  /// Builds the filter before a write transaction when the outbox is large enough and the
  /// filter is missing or stale. Reads `added` and every pair in one read transaction, so the
  /// filter holds exactly the hashes of that snapshot.
  func prepareKeyFilter() throws(SQLiteError) {
    if let filter = keyFilter.filter, !keyFilter.stale, filter.inserted < 2 * filter.capacity { return }
    if let filter = keyFilter.filter, keyFilter.insertedSinceBuild < filter.capacity / 8 { return }
    keyFilter.filter = nil
    keyFilter.stale = false
    let (stale, rows) = try keySweepBacklog()
    let pairs = rows + stale
    guard pairs >= keyFilter.minimumPairs else { return }
    try connection.execute("BEGIN")
    do {
      let added = try connection.prepare("SELECT added FROM key_merge").firstRow { $0.int64(0) } ?? 0
      // Room for an eighth more keys than now before false positives grow.
      var filter = KeyHashFilter(capacity: pairs + pairs / 8)
      for table in Self.pairTables {
        try connection.prepare("SELECT key_hash FROM \(table)").forEachRow { filter.insert($0.int64(0)) }
      }
      try connection.execute("COMMIT")
      keyFilter.filter = filter
      keyFilter.added = added
      keyFilter.insertedSinceBuild = 0
    } catch {
      try? connection.execute("ROLLBACK")
      throw error
    }
  }

  /// Inside a write transaction: whether the filter holds every hash in the pair tables now,
  /// that is whether no other process added keys since it was built. A stale filter is marked
  /// for rebuilding and not used again until then.
  func keyFilterIsComplete() throws(SQLiteError) -> Bool {
    guard keyFilter.filter != nil, !keyFilter.stale else { return false }
    let added = try connection.prepare("SELECT added FROM key_merge").firstRow { $0.int64(0) } ?? 0
    if added == keyFilter.added + keyFilter.uncommitted { return true }
    keyFilter.stale = true
    return false
  }

  /// Records `keyHash` as a new key of the open transaction.
  func keyFilterInsert(_ keyHash: Int64) {
    keyFilter.filter?.insert(keyHash)
  }

  /// Adds `pairs` to `key_merge.added` (inside the transaction that inserted them).
  func countAddedKeys(_ pairs: Int) throws(SQLiteError) {
    guard pairs != 0 else { return }
    try connection.prepare("UPDATE key_merge SET added = added + ?").bind(.integer(Int64(pairs))).run()
    keyFilter.uncommitted += Int64(pairs)
    keyFilter.insertedSinceBuild += pairs
  }

  /// Runs an enqueue transaction, keeping the filter's count in step with what committed. A
  /// rolled-back transaction leaves hashes in the filter that no table has (harmless: a
  /// lookup finds nothing) but makes the count unknown, so the filter is rebuilt.
  func inEnqueueTransaction<T>(_ body: () throws -> T) throws -> T {
    try prepareKeyFilter()
    keyFilter.uncommitted = 0
    do {
      let result = try connection.immediateTransaction(body)
      keyFilter.added += keyFilter.uncommitted
      keyFilter.uncommitted = 0
      return result
    } catch {
      keyFilter.uncommitted = 0
      keyFilter.stale = true
      keyFilter.insertedSinceBuild = Int.max / 2
      throw error
    }
  }
}
