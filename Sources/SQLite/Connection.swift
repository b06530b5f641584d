import CSQLite

/// One SQLite connection. Not thread-safe: a process uses one per thread of work.
///
/// Opened with extended result codes, double-quoted string literals off (a misspelt column is an
/// error, not a string) and defensive mode on.
public final class Connection {
  let handle: OpaquePointer
  /// The database file, as given to `init`.
  public let path: String
  private var statements: [String: Statement] = [:]
  private var tracer: Tracer?

  /// The lowest SQLite library the schema works with (`->>` and `unixepoch()` need 3.38).
  public static let minimumLibraryVersion = (number: Int32(3_038_000), text: "3.38.0")

  /// Process-wide settings, made once before the first open: no memory statistics (they take a
  /// global mutex on every allocation, and nothing here reads them).
  private static let configureLibrary: Void = { _ = cvebuster_sqlite_disable_memstatus() }()

  /// The SQLite library this process runs with.
  public static var libraryVersion: String { String(cString: sqlite3_libversion()) }

  /// Opens (and with `create`, creates) the database at `path`. Does not read or write it yet.
  /// - Parameter readOnly: open with SQLITE_OPEN_READONLY: every write fails with SQLITE_READONLY.
  /// - Parameter immutable: read-only, and SQLite assumes nobody changes the file (no locks, no
  ///   `-shm`): only for a file this user cannot write beside.
  public init(path: String, create: Bool, readOnly: Bool = false, immutable: Bool = false) throws(SQLiteError) {
    Self.configureLibrary
    var handle: OpaquePointer?
    var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
    flags |= readOnly || immutable ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
    if create && !readOnly && !immutable { flags |= SQLITE_OPEN_CREATE }
    var name = path
    if immutable {
      flags |= SQLITE_OPEN_URI
      name = "file:" + Self.uriEscaped(path) + "?immutable=1"
    }
    let rc = sqlite3_open_v2(name, &handle, flags, nil)
    guard rc == SQLITE_OK, let handle else {
      let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
      sqlite3_close_v2(handle)
      throw SQLiteError(code: rc, message: message)
    }
    self.handle = handle
    self.path = path
    sqlite3_extended_result_codes(handle, 1)
    _ = cvebuster_sqlite_disable_dqs(handle)
    _ = cvebuster_sqlite_set_defensive(handle, 1)
  }

  /// Runs `body` with defensive mode off, so its SQL may edit `sqlite_schema` through
  /// `PRAGMA writable_schema` (a migration that rewrites constraint text); on again afterwards.
  public func withSchemaEditsAllowed<T>(_ body: () throws -> T) throws -> T {
    _ = cvebuster_sqlite_set_defensive(handle, 0)
    defer { _ = cvebuster_sqlite_set_defensive(handle, 1) }
    return try body()
  }

  /// `path` with the characters a `file:` URI reserves percent-encoded.
  static func uriEscaped(_ path: String) -> String {
    var escaped = ""
    for byte in path.utf8 {
      switch byte {
      case UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "="), 0..<0x21, 0x7F...:
        escaped += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
      default:
        escaped.unicodeScalars.append(Unicode.Scalar(byte))
      }
    }
    return escaped
  }

  deinit {
    statements.removeAll()
    sqlite3_close_v2(handle)
  }

  func error(code: Int32, sql: String?) -> SQLiteError {
    SQLiteError(
      code: sqlite3_extended_errcode(handle) != 0 ? sqlite3_extended_errcode(handle) : code,
      message: String(cString: sqlite3_errmsg(handle)), sql: sql)
  }

  /// Runs one or more statements that take no parameters.
  public func execute(_ sql: String) throws(SQLiteError) {
    var message: UnsafeMutablePointer<CChar>?
    let rc = sqlite3_exec(handle, sql, nil, nil, &message)
    if rc != SQLITE_OK {
      let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
      sqlite3_free(message)
      throw SQLiteError(code: sqlite3_extended_errcode(handle), message: text, sql: sql)
    }
  }

  /// A cached prepared statement for `sql`.
  public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
    if let statement = statements[sql] { return statement }
    let statement = try Statement(connection: self, sql: sql)
    statements[sql] = statement
    return statement
  }

  /// The single integer a query such as `PRAGMA user_version` returns.
  public func scalarInt(_ sql: String) throws(SQLiteError) -> Int64 {
    try prepare(sql).firstRow { $0.int64(0) } ?? 0
  }

  /// Rows changed by the last INSERT/UPDATE/DELETE.
  public var changes: Int { Int(sqlite3_changes64(handle)) }
  /// The rowid of the last successful INSERT on this connection.
  public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
  /// The SQLite library's version as a number (3.38.0 is 3038000).
  public static var libraryVersionNumber: Int32 { sqlite3_libversion_number() }

  /// True between BEGIN and COMMIT or ROLLBACK (SQLite is not in autocommit mode).
  public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

  /// Waits about `milliseconds` for another writer's lock before failing with SQLITE_BUSY,
  /// trying again every millisecond (SQLite's `busy_timeout` backs off to 100 ms between tries,
  /// so it would keep missing the short gaps `prune` leaves between its transactions). Each
  /// try sleeps at least a millisecond, so the wait is never shorter than asked.
  public func setBusyTimeout(milliseconds: Int32) {
    _ = cvebuster_sqlite_set_polling_busy_timeout(handle, milliseconds)
  }

  /// Runs `body` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so a
  /// read-then-write never fails with SQLITE_BUSY_SNAPSHOT. Any error rolls back (never a blind
  /// COMMIT, since SQLite may already have rolled back after FULL, IOERR, BUSY or NOMEM).
  public func immediateTransaction<T>(_ body: () throws -> T) throws -> T {
    try execute("BEGIN IMMEDIATE")
    do {
      let result = try body()
      try execute("COMMIT")
      return result
    } catch {
      if isInTransaction { try? execute("ROLLBACK") }
      throw error
    }
  }
}

extension Connection {
  /// Calls `body` with the text of each statement as it starts to run, for tests that assert on
  /// the SQL executed (GRDB's `trace`). The text keeps its `?` placeholders: bound values are
  /// never shown. Statements run by `execute` are traced one by one. Pass nil to stop.
  public func trace(_ body: ((String) -> Void)?) {
    guard let body else {
      sqlite3_trace_v2(handle, 0, nil, nil)
      tracer = nil
      return
    }
    let tracer = Tracer(body: body)
    self.tracer = tracer
    let context = Unmanaged.passUnretained(tracer).toOpaque()
    sqlite3_trace_v2(
      handle, UInt32(SQLITE_TRACE_STMT),
      { _, context, _, text in
        guard let context, let text else { return 0 }
        let sql = String(cString: text.assumingMemoryBound(to: CChar.self))
        Unmanaged<Tracer>.fromOpaque(context).takeUnretainedValue().body(sql)
        return 0
      }, context)
  }
}

/// The closure behind `Connection.trace`, kept alive by the connection while SQLite may call it.
private final class Tracer {
  let body: (String) -> Void
  init(body: @escaping (String) -> Void) { self.body = body }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
