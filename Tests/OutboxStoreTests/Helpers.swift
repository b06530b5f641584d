import Findings
import Foundation
import OutboxStore
import OutboxTestSupport
import SQLite

/// A valid finding built from the fixture JSON.
func validFinding(vulnId: String = "CVE-2024-12345", machine: String = "web-01", title: String = "Remote code execution") -> ValidFinding {
  let json = Fixtures.finding(vulnId: vulnId, machine: machine, overrides: ["VulnTitle": title])
  guard case .success(let finding) = FindingValidator().validate(bytes: Array(json.utf8)) else {
    preconditionFailure("fixture invalid")
  }
  return finding
}

/// A raw SQLite query on a separate connection, as an operator at a sqlite3 prompt would run it.
func query(_ path: String, _ sql: String) -> [[String]] {
  guard let connection = try? Connection(path: path, create: false, readOnly: true) else { return [] }
  var rows: [[String]] = []
  do {
    try connection.prepare(sql).forEachRow { row in
      rows.append((0..<row.columnCount).map { row.text($0) ?? "NULL" })
    }
  } catch {
    return [["error: " + error.message]]
  }
  return rows
}

/// Runs `sql` (one or more statements) on a separate read-write connection, as a sqlite3 prompt
/// would; nil on success, else SQLite's message.
@discardableResult
func execute(_ path: String, _ sql: String) -> String? {
  do {
    try Connection(path: path, create: true).execute(sql)
    return nil
  } catch {
    return error.message
  }
}

func fileBytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }
