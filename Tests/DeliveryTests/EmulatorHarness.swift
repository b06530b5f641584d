import Foundation
import Ingestion
import OutboxTestSupport

/// A real `cvebuster-outbox emulator` child process on a free loopback port.
final class EmulatorProcess {
  let process = Process()
  let baseURL: String
  let configPath: String
  private let session = CurlSession()

  /// Starts the emulator with `flags`, writes its client config into `directory`.
  init(in directory: TemporaryDirectory, flags: [String] = [], name: String = "emulator") throws {
    configPath = directory.file("\(name).json")
    process.executableURL = URL(fileURLWithPath: CLIBinary.path)
    process.arguments = ["emulator", "--port", "0", "--write-config", configPath] + flags
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    // The first stdout line is the base URL.
    var line: [UInt8] = []
    let handle = out.fileHandleForReading
    while true {
      let byte = try handle.read(upToCount: 1) ?? Data()
      guard let first = byte.first else { throw HarnessError("emulator exited before printing its URL") }
      if first == UInt8(ascii: "\n") { break }
      line.append(first)
    }
    baseURL = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
  }

  deinit {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
  }

  /// `GET /_emulator/stats` as a dictionary.
  func stats() throws -> [String: Any] {
    let response = try session.perform(HTTPRequest(method: "GET", url: baseURL + "/_emulator/stats"))
    guard let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
      throw HarnessError("stats is not a JSON object")
    }
    return object
  }

  func stat(_ key: String) throws -> Int { (try stats()[key] as? NSNumber)?.intValue ?? 0 }
}

struct HarnessError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// An outbox with `count` fixture findings enqueued through the real CLI.
func enqueuedDatabase(in directory: TemporaryDirectory, count: Int, name: String = "outbox.sqlite") throws -> String {
  let db = directory.file(name)
  let result = try runCLI(["enqueue", "--db", db, "-"], stdin: Data(Fixtures.ndjson(count: count).utf8))
  guard result.status == 0 else { throw HarnessError("enqueue failed: \(result.stderr)") }
  return db
}

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
