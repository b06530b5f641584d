import CSQLite

/// A prepared statement. Owned by one `Connection`; reset after each use.
public final class Statement {
  let handle: OpaquePointer
  /// The statement's text, with its `?` placeholders.
  public let sql: String
  private unowned let connection: Connection

  init(connection: Connection, sql: String) throws(SQLiteError) {
    var handle: OpaquePointer?
    let rc = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
    guard rc == SQLITE_OK, let handle else {
      throw connection.error(code: rc, sql: sql)
    }
    self.handle = handle
    self.sql = sql
    self.connection = connection
  }

  deinit {
    sqlite3_finalize(handle)
  }

  /// Binds values to parameters 1...n, in order.
  @discardableResult
  public func bind(_ values: SQLValue...) throws(SQLiteError) -> Statement {
    try bind(values)
  }

  /// Binds values to parameters 1...n, in order (after resetting the statement).
  @discardableResult
  public func bind(_ values: [SQLValue]) throws(SQLiteError) -> Statement {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
    for (offset, value) in values.enumerated() {
      let index = Int32(offset + 1)
      let rc: Int32
      switch value {
      case .null: rc = sqlite3_bind_null(handle, index)
      case .integer(let number): rc = sqlite3_bind_int64(handle, index, number)
      case .real(let number): rc = sqlite3_bind_double(handle, index, number)
      case .text(let text): rc = sqlite3_bind_text(handle, index, text, -1, cvebuster_sqlite_transient())
      case .blob(let bytes):
        rc = bytes.withUnsafeBytes {
          sqlite3_bind_blob(handle, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32($0.count), cvebuster_sqlite_transient())
        }
      case .textBytes(let bytes):
        rc = bytes.withUnsafeBytes {
          sqlite3_bind_text(
            handle, index, $0.baseAddress?.assumingMemoryBound(to: CChar.self) ?? UnsafePointer(bitPattern: 1),
            Int32($0.count), cvebuster_sqlite_transient())
        }
      }
      guard rc == SQLITE_OK else { throw connection.error(code: rc, sql: sql) }
    }
    return self
  }

  /// Steps once; true while a row is available.
  public func step() throws(SQLiteError) -> Bool {
    let rc = sqlite3_step(handle)
    switch rc {
    case SQLITE_ROW: return true
    case SQLITE_DONE:
      sqlite3_reset(handle)
      return false
    default:
      sqlite3_reset(handle)
      throw connection.error(code: rc, sql: sql)
    }
  }

  /// Runs to completion, ignoring rows.
  public func run() throws(SQLiteError) {
    while try step() {}
  }

  /// Steps through every row, handing each to `body`.
  public func forEachRow(_ body: (Row) throws(SQLiteError) -> Void) throws(SQLiteError) {
    defer { sqlite3_reset(handle) }
    while try step() { try body(Row(handle: handle)) }
  }

  /// The first row mapped by `body`, or nil when there is none.
  public func firstRow<T>(_ body: (Row) -> T) throws(SQLiteError) -> T? {
    defer { sqlite3_reset(handle) }
    guard try step() else { return nil }
    return body(Row(handle: handle))
  }
}

/// A value to bind to a statement parameter.
public enum SQLValue: Sendable {
  case null
  case integer(Int64)
  case real(Double)
  case text(String)
  /// UTF-8 bytes bound as TEXT without a String round trip.
  case textBytes([UInt8])
  case blob([UInt8])
}

extension SQLValue {
  /// `.text` or `.null`.
  public static func optional(_ text: String?) -> SQLValue { text.map(SQLValue.text) ?? .null }
  /// `.integer` or `.null`.
  public static func optional(_ number: Int64?) -> SQLValue { number.map(SQLValue.integer) ?? .null }
}

/// The current row of a stepping statement; valid only inside the callback that receives it.
public struct Row {
  let handle: OpaquePointer

  /// How many columns the row has.
  public var columnCount: Int32 { sqlite3_column_count(handle) }

  /// Whether the value in `column` (0-based) is NULL.
  public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
  /// The value in `column` as an integer (0 for NULL).
  public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
  /// The value in `column` as an `Int` (0 for NULL).
  public func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
  /// The value in `column` as a `Double` (0 for NULL).
  public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

  /// The value in `column` as text (numbers converted by SQLite), nil for NULL.
  public func text(_ column: Int32) -> String? {
    guard let pointer = sqlite3_column_text(handle, column) else { return nil }
    return String(cString: pointer)
  }

  /// The column's bytes (TEXT or BLOB) without decoding.
  public func bytes(_ column: Int32) -> [UInt8]? {
    guard sqlite3_column_type(handle, column) != SQLITE_NULL else { return nil }
    let pointer = sqlite3_column_blob(handle, column)
    let count = Int(sqlite3_column_bytes(handle, column))
    guard let pointer, count > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: pointer, count: count))
  }

  /// The column's bytes (TEXT or BLOB) in place, valid only inside `body`; nil for NULL.
  public func withBytes<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer?) -> T) -> T {
    guard sqlite3_column_type(handle, column) != SQLITE_NULL else { return body(nil) }
    let pointer = sqlite3_column_blob(handle, column)
    let count = Int(sqlite3_column_bytes(handle, column))
    return body(UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count))
  }

  /// The value in `column` as an integer, nil for NULL.
  public func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
}
