import CSQLite

/// An error reported by SQLite: the extended result code, SQLite's message and the statement.
/// Bound values are never included, so findings data does not leak into logs.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
  /// Extended result code (e.g. SQLITE_BUSY_SNAPSHOT).
  public let code: Int32
  public let message: String
  public let sql: String?

  public init(code: Int32, message: String, sql: String? = nil) {
    self.code = code
    self.message = message
    self.sql = sql
  }

  /// The primary result code (low 8 bits).
  public var primaryCode: Int32 { code & 0xFF }

  public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }
  /// The database file is damaged or is not a database at all.
  public var isCorrupt: Bool { primaryCode == SQLITE_CORRUPT || primaryCode == SQLITE_NOTADB }
  /// Disk full, I/O error, cannot open, read-only, permission: the local machine, not our data.
  public var isLocalIO: Bool {
    [SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_PERM, SQLITE_NOMEM].contains(primaryCode)
  }

  public var description: String {
    let name = String(cString: sqlite3_errstr(code))
    return sql.map { "SQLite error \(code) (\(name)): \(message) [in: \($0.prefix(120))]" } ?? "SQLite error \(code) (\(name)): \(message)"
  }
}
