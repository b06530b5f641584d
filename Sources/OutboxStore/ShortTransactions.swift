import SQLite

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Short write transactions (prune's, and the moves of recent key pairs into `finding_keys`),
/// each meant to hold the write lock for about `targetMillis`, however large the outbox and
/// however fast the disk. A transaction runs statements of `sliceRows`
/// rows until its statement time is up; its commit then writes every page they dirtied (in a
/// large outbox about one page of the key index per deleted row), so the statement time is
/// scaled after each transaction by how far the whole of it, commit included, was from the
/// target. A pause after each commit lets waiting writers (polling every millisecond, see
/// `Connection.setBusyTimeout`) take the lock.
struct ShortTransactions {
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
  /// Runs `transaction` in one short write transaction after another until it returns true
  /// (nothing left); it fills each through the `ShortTransactions` it is given, which times them.
  func inShortTransactions(_ transaction: (inout ShortTransactions) throws -> Bool) throws(OutboxError) {
    var transactions = ShortTransactions()
    var finished = false
    while !finished {
      let started = ShortTransactions.monotonicMillis()
      finished = try write { try transaction(&transactions) }
      if !finished { transactions.finished(transactionMillis: ShortTransactions.monotonicMillis() - started) }
    }
  }
}
