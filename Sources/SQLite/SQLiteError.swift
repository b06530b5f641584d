import CSQLite

/// An error reported by SQLite: the extended result code, SQLite's message and the statement.
///
/// Bound values are never included (only the SQL text with its `?` placeholders), so findings
/// data does not leak into logs.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
  /// Extended result code (e.g. SQLITE_BUSY_SNAPSHOT).
  public let code: Int32
  /// SQLite's message (`sqlite3_errmsg`).
  public let message: String
  /// The statement that failed, when there was one.
  public let sql: String?

  /// An error with the raw (extended) result code `code`.
  public init(code: Int32, message: String, sql: String? = nil) {
    self.code = code
    self.message = message
    self.sql = sql
  }

  /// An error with the result code `resultCode`.
  public init(_ resultCode: ResultCode, message: String, sql: String? = nil) {
    self.init(code: resultCode.rawValue, message: message, sql: sql)
  }

  /// The extended result code, for `switch` and `~=` matching: `case .busy` matches every
  /// SQLITE_BUSY_* code, `case .ioErrWrite` only SQLITE_IOERR_WRITE.
  public var resultCode: ResultCode { ResultCode(rawValue: code) }

  /// The primary result code (low 8 bits).
  public var primaryCode: Int32 { code & 0xFF }

  /// Another connection holds a lock (SQLITE_BUSY or SQLITE_LOCKED).
  public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }
  /// The database file is damaged or is not a database at all.
  public var isCorrupt: Bool { primaryCode == SQLITE_CORRUPT || primaryCode == SQLITE_NOTADB }
  /// Disk full, I/O error, cannot open, read-only, permission: the local machine, not our data.
  public var isLocalIO: Bool {
    [SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_PERM, SQLITE_NOMEM].contains(primaryCode)
  }

  /// The code, its name, SQLite's message and the start of the SQL (never bound values).
  public var description: String {
    let name = String(cString: sqlite3_errstr(code))
    return sql.map { "SQLite error \(code) (\(name)): \(message) [in: \($0.prefix(120))]" } ?? "SQLite error \(code) (\(name)): \(message)"
  }
}

/// An SQLite result code, primary (SQLITE_BUSY) or extended (SQLITE_BUSY_SNAPSHOT).
///
/// As a pattern, a primary code matches each of its extended codes and an extended code only
/// itself (`ResultCode.busy ~= .busySnapshot`); it also matches an ``SQLiteError`` with such a code.
public struct ResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  /// The numeric code, as `sqlite3_extended_errcode` returns it.
  public let rawValue: Int32

  public init(rawValue: Int32) { self.rawValue = rawValue }

  /// The primary code (the low 8 bits).
  public var primary: ResultCode { ResultCode(rawValue: rawValue & 0xFF) }

  /// SQLite's English name for the code (`sqlite3_errstr`).
  public var description: String { String(cString: sqlite3_errstr(rawValue)) }

  /// True when `value` is `pattern`, or one of its extended codes when `pattern` is primary.
  public static func ~= (pattern: ResultCode, value: ResultCode) -> Bool {
    pattern.primary == pattern ? pattern == value.primary : pattern == value
  }

  /// True when `error` is an ``SQLiteError`` whose code `pattern` matches.
  public static func ~= (pattern: ResultCode, error: any Error) -> Bool {
    guard let error = error as? SQLiteError else { return false }
    return pattern ~= error.resultCode
  }

  public static let ok = ResultCode(rawValue: SQLITE_OK)
  public static let error = ResultCode(rawValue: SQLITE_ERROR)
  public static let perm = ResultCode(rawValue: SQLITE_PERM)
  public static let busy = ResultCode(rawValue: SQLITE_BUSY)
  public static let locked = ResultCode(rawValue: SQLITE_LOCKED)
  public static let noMem = ResultCode(rawValue: SQLITE_NOMEM)
  public static let readOnly = ResultCode(rawValue: SQLITE_READONLY)
  public static let ioErr = ResultCode(rawValue: SQLITE_IOERR)
  public static let corrupt = ResultCode(rawValue: SQLITE_CORRUPT)
  public static let full = ResultCode(rawValue: SQLITE_FULL)
  public static let cantOpen = ResultCode(rawValue: SQLITE_CANTOPEN)
  public static let constraint = ResultCode(rawValue: SQLITE_CONSTRAINT)
  public static let notADB = ResultCode(rawValue: SQLITE_NOTADB)

  // Extended codes are C macros built with a cast Swift does not import: primary | (n << 8).
  /// SQLITE_IOERR_WRITE.
  public static let ioErrWrite = ResultCode(rawValue: SQLITE_IOERR | (3 << 8))
  /// SQLITE_IOERR_FSYNC.
  public static let ioErrFsync = ResultCode(rawValue: SQLITE_IOERR | (4 << 8))
  /// SQLITE_BUSY_SNAPSHOT: a read transaction's snapshot is stale, so it cannot become a write.
  public static let busySnapshot = ResultCode(rawValue: SQLITE_BUSY | (2 << 8))
  /// SQLITE_CONSTRAINT_UNIQUE.
  public static let constraintUnique = ResultCode(rawValue: SQLITE_CONSTRAINT | (8 << 8))
}
