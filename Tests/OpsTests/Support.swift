import Foundation
import Ingestion
import OutboxTestSupport

#if canImport(Glibc)
  import Glibc
#endif

struct TestFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// A real `cvebuster-outbox emulator` on a free loopback port, with its client config written.
final class Emulator {
  let process = Process()
  let baseURL: String
  let configPath: String
  private let session = CurlSession()

  init(in directory: TemporaryDirectory, flags: [String] = []) throws {
    configPath = directory.file("emulator.json")
    process.executableURL = URL(fileURLWithPath: CLIBinary.path)
    process.arguments = ["emulator", "--port", "0", "--write-config", configPath] + flags
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    var line: [UInt8] = []
    while true {
      guard let byte = try out.fileHandleForReading.read(upToCount: 1)?.first else {
        throw TestFailure("emulator exited before printing its URL")
      }
      if byte == UInt8(ascii: "\n") { break }
      line.append(byte)
    }
    baseURL = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
  }

  deinit {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
  }

  /// The config as written by the emulator.
  func configValues() throws -> [String: String] { try ClientConfiguration.readFile(configPath) }

  /// The secret the emulator expects.
  var secret: String { get throws { try configValues()["application_secret"] ?? "" } }

  /// `GET /_emulator/stats`.
  func stat(_ key: String) throws -> Int {
    let response = try session.perform(HTTPRequest(method: "GET", url: baseURL + "/_emulator/stats"))
    let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
    return (object[key] as? NSNumber)?.intValue ?? 0
  }

  func requestsByStatus() throws -> [String: Int] {
    let response = try session.perform(HTTPRequest(method: "GET", url: baseURL + "/_emulator/stats"))
    let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
    return ((object["requests_by_status"] as? [String: Any]) ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }
  }
}

/// Writes a JSON config file with `mode`.
func writeConfig(_ values: [String: String], to path: String, mode: mode_t = 0o600) throws {
  let data = try JSONSerialization.data(withJSONObject: values, options: [.sortedKeys])
  FileManager.default.createFile(atPath: path, contents: data)
  chmod(path, mode)
}

/// An outbox with `count` fixture findings, enqueued through the real CLI.
func enqueuedDatabase(in directory: TemporaryDirectory, count: Int) throws -> String {
  let db = directory.file("outbox.sqlite")
  let result = try runCLI(["enqueue", "--db", db, "-"], stdin: Data(Fixtures.ndjson(count: count).utf8))
  guard result.status == 0 else { throw TestFailure("enqueue failed: \(result.stderr)") }
  return db
}

/// The `checks` of `doctor --json` / `config check --json`, keyed by id → status.
func checkStatuses(_ json: String) throws -> [String: String] {
  let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
  var statuses: [String: String] = [:]
  for check in object["checks"] as? [[String: Any]] ?? [] {
    statuses[check["id"] as? String ?? ""] = check["status"] as? String
  }
  return statuses
}
