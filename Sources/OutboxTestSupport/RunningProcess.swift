import Foundation
import Ingestion
import Synchronization

/// A `cvebuster-outbox` child process left running: its stdout and stderr are collected as
/// they come, so a test can wait (bounded) for a line, then signal it and wait for its exit.
public final class RunningProcess {
  /// Bytes read so far from one pipe.
  private final class Buffer: Sendable {
    let data = Mutex(Data())
  }

  private let process: Process
  private let stdout = Buffer()
  private let stderr = Buffer()
  private let readers = DispatchGroup()
  /// Kept open while the readers read them.
  private let pipes: [Pipe]

  public init(_ arguments: [String], environment: [String: String] = [:]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CLIBinary.path)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardInput = FileHandle.nullDevice
    let outPipe = Pipe()
    let errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    self.process = process
    self.pipes = [outPipe, errPipe]
    try process.run()
    for (pipe, buffer) in [(outPipe, stdout), (errPipe, stderr)] {
      let descriptor = pipe.fileHandleForReading.fileDescriptor
      readers.enter()
      // A thread of its own, reading whatever has arrived (FileHandle.read(upToCount:) waits for a full count).
      Thread.detachNewThread { [readers] in
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
          let count = read(descriptor, &chunk, chunk.count)
          if count < 0 && errno == EINTR { continue }
          guard count > 0 else { break }
          buffer.data.withLock { $0.append(contentsOf: chunk[..<count]) }
        }
        readers.leave()
      }
    }
  }

  deinit {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
  }

  public var standardOutput: String { String(decoding: stdout.data.withLock { $0 }, as: UTF8.self) }
  public var standardError: String { String(decoding: stderr.data.withLock { $0 }, as: UTF8.self) }

  /// Polls until `condition` holds (every 50 ms, at most `seconds`); false if it never did.
  @discardableResult
  public static func poll(seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try condition() { return true }
      usleep(50_000)
    }
    return try condition()
  }

  /// The first complete stderr line containing `text`, waiting for it (bounded).
  public func stderrLine(containing text: String, seconds: Double = 60) throws -> String {
    var found: String?
    RunningProcess.poll(seconds: seconds) {
      found = standardError.split(separator: "\n").first { $0.contains(text) }.map(String.init)
      return found != nil || !process.isRunning
    }
    guard let found else { throw HarnessError("no stderr line with \(text): \(standardError)") }
    return found
  }

  /// Sends SIGTERM and waits (at most `seconds`) for the exit; returns the status, or -1 when
  /// it had to be killed.
  public func terminate(seconds: Double = 30) -> Int32 {
    if process.isRunning { kill(process.processIdentifier, SIGTERM) }
    guard RunningProcess.poll(seconds: seconds, { !process.isRunning }) else {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      return -1
    }
    process.waitUntilExit()
    _ = readers.wait(timeout: .now() + 10)
    return process.terminationStatus
  }
}

/// `GET url` over libcurl: status and body text.
public func httpGet(_ url: String) throws -> (status: Int, body: String) {
  let response = try CurlSession().perform(HTTPRequest(method: "GET", url: url))
  return (response.status, response.text)
}
