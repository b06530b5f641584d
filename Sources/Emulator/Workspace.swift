import Findings
import Foundation
import SQLite

/// The emulator's Log Analytics workspace: one SQLite table named like the Log Analytics table,
/// with the table's columns plus `_RequestId` and `_ReceivedAt`, so "what arrived" is a SQL query.
///
/// The connection is used under a lock from any task (`@unchecked Sendable` for that reason:
/// every use of `connection` and `insert` holds `lock`); each request's rows are inserted in one
/// transaction.
final class Workspace: @unchecked Sendable {
  private let lock = NSLock()
  private let connection: Connection
  private let insert: Statement
  private let path: String

  /// Opens (creating if needed) the workspace at `path`, or an in-memory one for nil.
  /// - Throws: `EmulatorError` (`.workspace`) naming the file and SQLite's message.
  init(path: String?, table: TableSchema) throws(EmulatorError) {
    let path = path ?? ":memory:"
    self.path = path
    let connection: Connection
    do {
      connection = try Connection(path: path, create: true)
    } catch {
      throw EmulatorError(.workspace, "cannot open workspace \(path): \(error.message)")
    }
    let name = Workspace.quote(table.name)
    let declarations =
      table.columns.map { "\(Workspace.quote($0.name)) \(Workspace.sqlType($0.type))" }
      + ["\"_RequestId\" TEXT NOT NULL", "\"_ReceivedAt\" TEXT NOT NULL"]
    let placeholders = Array(repeating: "?", count: table.columns.count + 2).joined(separator: ", ")
    let names = (table.columns.map { Workspace.quote($0.name) } + ["\"_RequestId\"", "\"_ReceivedAt\""]).joined(separator: ", ")
    for sql in [
      path == ":memory:" ? "PRAGMA journal_mode=MEMORY" : "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
      "PRAGMA busy_timeout=5000", "CREATE TABLE IF NOT EXISTS \(name) (\(declarations.joined(separator: ", ")))",
    ] {
      try Workspace.run(path, "run \(sql)", connection.execute(sql))
    }
    self.connection = connection
    insert = try Workspace.run(
      path, "prepare insert into \(table.name) (does an older table there have other columns?)",
      connection.prepare("INSERT INTO \(name) (\(names)) VALUES (\(placeholders))"))
  }

  /// Stores one request's shaped rows atomically.
  func store(_ rows: [[StoredValue?]], requestId: String, receivedAt: String) throws(EmulatorError) {
    lock.lock()
    defer { lock.unlock() }
    do {
      try connection.immediateTransaction {
        for row in rows {
          let values = row.map { value -> SQLValue in
            switch value {
            case nil: .null
            case .integer(let number): .integer(number)
            case .real(let number): .real(number)
            case .text(let text): .text(text)
            }
          }
          try insert.bind(values + [.text(requestId), .text(receivedAt)]).run()
        }
      }
    } catch {
      throw EmulatorError(.workspace, "workspace \(path): cannot insert a row: \((error as? SQLiteError)?.message ?? "\(error)")")
    }
  }

  /// Runs a query returning one integer (tests and stats).
  func scalar(_ sql: String) throws(EmulatorError) -> Int64 {
    lock.lock()
    defer { lock.unlock() }
    do {
      guard let value = try connection.prepare(sql).firstRow({ $0.int64(0) }) else {
        throw EmulatorError(.workspace, "workspace \(path): cannot run \(sql): no row")
      }
      return value
    } catch let error as EmulatorError {
      throw error
    } catch {
      throw EmulatorError(.workspace, "workspace \(path): cannot run \(sql): \((error as? SQLiteError)?.message ?? "\(error)")")
    }
  }

  /// `value`, or the SQLite error as an `EmulatorError` naming the workspace and the action.
  private static func run<T>(_ path: String, _ action: String, _ value: @autoclosure () throws(SQLiteError) -> T) throws(EmulatorError) -> T {
    do {
      return try value()
    } catch {
      throw EmulatorError(.workspace, "workspace \(path): cannot \(action): \(error.message)")
    }
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
