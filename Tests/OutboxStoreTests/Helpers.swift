import CSQLite
import Findings
import Foundation
import OutboxStore
import OutboxTestSupport

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
  var handle: OpaquePointer?
  guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { return [] }
  defer { sqlite3_close(handle) }
  var statement: OpaquePointer?
  guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else {
    return [["error: " + String(cString: sqlite3_errmsg(handle))]]
  }
  defer { sqlite3_finalize(statement) }
  var rows: [[String]] = []
  while sqlite3_step(statement) == SQLITE_ROW {
    rows.append((0..<sqlite3_column_count(statement)).map { column in
      sqlite3_column_text(statement, column).map { String(cString: $0) } ?? "NULL"
    })
  }
  return rows
}

func fileBytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }
