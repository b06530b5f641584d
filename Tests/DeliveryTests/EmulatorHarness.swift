import Foundation
import OutboxTestSupport

/// `status --json` of the outbox as a dictionary.
func outboxStatus(_ db: String) throws -> [String: Int] {
  let result = try runCLI(["status", "--db", db, "--json"])
  let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
  return object.compactMapValues { ($0 as? NSNumber)?.intValue }
}

/// Rows of an SQL query through the sqlite3 shell (a second, independent reader).
/// Waits up to 10 s for a lock (a drain closing its connection checkpoints the WAL), and fails
/// loudly rather than answering an empty string.
func sqlite(_ db: String, _ sql: String) throws -> String {
  let result = try runProcess("/usr/bin/sqlite3", ["-cmd", ".timeout 10000", db, sql])
  guard result.status == 0 else { throw HarnessError("sqlite3 \(sql): \(result.stderr)") }
  return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A running `cvebuster-outbox drain`, for kill and signal tests.
func startDrain(_ arguments: [String]) throws -> Process {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: CLIBinary.path)
  process.arguments = ["drain"] + arguments
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  try process.run()
  return process
}

/// Polls `condition` every 20 ms, up to `limit` tries (a liveness bound, not a timing assertion).
func waitUntil(limit: Int = 1_500, _ condition: () throws -> Bool) rethrows -> Bool {
  for _ in 0..<limit {
    if try condition() { return true }
    usleep(20_000)
  }
  return false
}
