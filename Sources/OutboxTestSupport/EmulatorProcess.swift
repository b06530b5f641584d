import Foundation
import Ingestion

/// A real `cvebuster-outbox emulator` child process on a free loopback port.
public final class EmulatorProcess {
  public let process = Process()
  /// `http://127.0.0.1:PORT`, from the emulator's first stdout line.
  public let baseURL: String
  /// The client configuration the emulator wrote for itself.
  public let configPath: String
  private let session = CurlSession()

  /// Starts the emulator with `flags`, writes its client config into `directory`.
  public init(in directory: TemporaryDirectory, flags: [String] = [], name: String = "emulator") throws {
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
  public func stats() throws -> [String: Any] {
    let response = try session.perform(HTTPRequest(method: "GET", url: baseURL + "/_emulator/stats"))
    guard let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
      throw HarnessError("stats is not a JSON object")
    }
    return object
  }

  /// Ends the outage `--outage` started: ingestion requests succeed again.
  public func endOutage() throws {
    let response = try session.perform(HTTPRequest(method: "POST", url: baseURL + "/_emulator/outage/end"))
    guard response.status == 204 else { throw HarnessError("ending the outage answered \(response.status)") }
  }

  /// One counter of `stats()`.
  public func stat(_ key: String) throws -> Int { (try stats()[key] as? NSNumber)?.intValue ?? 0 }
}

/// A test harness step that could not run.
public struct HarnessError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// An outbox with `count` fixture findings enqueued through the real CLI.
public func enqueuedDatabase(in directory: TemporaryDirectory, count: Int, name: String = "outbox.sqlite") throws -> String {
  let db = directory.file(name)
  let result = try runCLI(["enqueue", "--db", db, "-"], stdin: Data(Fixtures.ndjson(count: count).utf8))
  guard result.status == 0 else { throw HarnessError("enqueue failed: \(result.stderr)") }
  return db
}
