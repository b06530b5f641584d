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

/// What doctor and config tests read from a running emulator.
extension EmulatorProcess {
  /// The config as written by the emulator.
  func configValues() throws -> [String: String] { try ClientConfiguration.readFile(configPath) }

  /// The secret the emulator expects.
  var secret: String { get throws { try configValues()["application_secret"] ?? "" } }

  func requestsByStatus() throws -> [String: Int] {
    ((try stats()["requests_by_status"] as? [String: Any]) ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }
  }
}

/// Writes a JSON config file with `mode`.
func writeConfig(_ values: [String: String], to path: String, mode: mode_t = 0o600) throws {
  let data = try JSONSerialization.data(withJSONObject: values, options: [.sortedKeys])
  guard FileManager.default.createFile(atPath: path, contents: data), chmod(path, mode) == 0 else {
    throw TestFailure("cannot write \(path)")
  }
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
