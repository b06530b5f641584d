import CSQLite
import Findings
import Foundation

/// The emulator's Log Analytics workspace: one SQLite table named like the Log Analytics table,
/// with the table's columns plus `_RequestId` and `_ReceivedAt`, so "what arrived" is a SQL query.
///
/// The connection is used under a lock from any task (`@unchecked Sendable` for that reason);
/// each request's rows are inserted in one transaction.
final class Workspace: @unchecked Sendable {
  private let lock = NSLock()
  private var db: OpaquePointer?
  private var insert: OpaquePointer?
  private let path: String
  private let columnCount: Int

  /// Opens (creating if needed) the workspace at `path`, or an in-memory one for nil.
  /// - Throws: `EmulatorError` (`.workspace`) naming the file and SQLite's message.
  init(path: String?, table: TableSchema) throws(EmulatorError) {
    self.path = path ?? ":memory:"
    columnCount = table.columns.count
    guard sqlite3_open_v2(self.path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
      let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      sqlite3_close(db)
      throw EmulatorError(.workspace, "cannot open workspace \(self.path): \(message)")
    }
    _ = cvebuster_sqlite_disable_dqs(db)
    let name = Workspace.quote(table.name)
    let declarations = table.columns.map { "\(Workspace.quote($0.name)) \(Workspace.sqlType($0.type))" }
      + ["\"_RequestId\" TEXT NOT NULL", "\"_ReceivedAt\" TEXT NOT NULL"]
    let placeholders = Array(repeating: "?", count: table.columns.count + 2).joined(separator: ", ")
    let names = (table.columns.map { Workspace.quote($0.name) } + ["\"_RequestId\"", "\"_ReceivedAt\""]).joined(separator: ", ")
    do throws(EmulatorError) {
      try execute(path == nil ? "PRAGMA journal_mode=MEMORY" : "PRAGMA journal_mode=WAL")
      try execute("PRAGMA synchronous=NORMAL")
      try execute("PRAGMA busy_timeout=5000")
      try execute("CREATE TABLE IF NOT EXISTS \(name) (\(declarations.joined(separator: ", ")))")
      guard sqlite3_prepare_v2(db, "INSERT INTO \(name) (\(names)) VALUES (\(placeholders))", -1, &insert, nil) == SQLITE_OK else {
        throw failure("prepare insert into \(table.name) (does an older table there have other columns?)")
      }
    } catch {
      sqlite3_finalize(insert)
      sqlite3_close(db)
      throw error
    }
  }

  deinit {
    sqlite3_finalize(insert)
    sqlite3_close(db)
  }

  /// Stores one request's shaped rows atomically.
  func store(_ rows: [[StoredValue?]], requestId: String, receivedAt: String) throws(EmulatorError) {
    lock.lock()
    defer { lock.unlock() }
    try execute("BEGIN IMMEDIATE")
    do throws(EmulatorError) {
      for row in rows {
        sqlite3_reset(insert)
        for (offset, value) in row.enumerated() {
          let slot = Int32(offset + 1)
          switch value {
          case nil: sqlite3_bind_null(insert, slot)
          case .integer(let number): sqlite3_bind_int64(insert, slot, number)
          case .real(let number): sqlite3_bind_double(insert, slot, number)
          case .text(let text): sqlite3_bind_text(insert, slot, text, -1, cvebuster_sqlite_transient())
          }
        }
        sqlite3_bind_text(insert, Int32(columnCount + 1), requestId, -1, cvebuster_sqlite_transient())
        sqlite3_bind_text(insert, Int32(columnCount + 2), receivedAt, -1, cvebuster_sqlite_transient())
        guard sqlite3_step(insert) == SQLITE_DONE else { throw failure("insert a row") }
      }
      try execute("COMMIT")
    } catch {
      _ = sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
      throw error
    }
  }

  /// Runs a query returning one integer (tests and stats).
  func scalar(_ sql: String) throws(EmulatorError) -> Int64 {
    lock.lock()
    defer { lock.unlock() }
    var statement: OpaquePointer?
    defer { sqlite3_finalize(statement) }
    guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, sqlite3_step(statement) == SQLITE_ROW else {
      throw failure("run \(sql)")
    }
    return sqlite3_column_int64(statement, 0)
  }

  private func execute(_ sql: String) throws(EmulatorError) {
    guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw failure("run \(sql)") }
  }

  private func failure(_ action: String) -> EmulatorError {
    EmulatorError(.workspace, "workspace \(path): cannot \(action): \(String(cString: sqlite3_errmsg(db)))")
  }

  private static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

  private static func sqlType(_ type: ColumnType) -> String {
    switch type {
    case .int, .long, .boolean: return "INTEGER"
    case .real: return "REAL"
    case .string, .guid, .datetime, .dynamic: return "TEXT"
    }
  }
}
