import Foundation

/// The built `cvebuster-outbox` binary, run as a real child process.
public enum CLIBinary {
  /// The executable next to the test bundle (both are products of the same `swift build`).
  public static var path: String {
    if let override = ProcessInfo.processInfo.environment["CVEBUSTER_OUTBOX_BIN"] { return override }
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = testBinary.deletingLastPathComponent()
    // swift-testing on Linux runs `…/debug/<package>PackageTests.xctest`; XCTest may run from inside a bundle.
    for _ in 0..<3 {
      let candidate = directory.appendingPathComponent("cvebuster-outbox").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    return directory.appendingPathComponent("cvebuster-outbox").path
  }
}

/// The result of a finished child process.
public struct ProcessResult: Sendable {
  public let status: Int32
  public let stdout: String
  public let stderr: String
}

/// Runs a program to completion with optional stdin and extra environment.
public func runProcess(
  _ executable: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:],
  workingDirectory: String? = nil
) throws -> ProcessResult {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
  let outPipe = Pipe()
  let errPipe = Pipe()
  let inPipe = Pipe()
  process.standardOutput = outPipe
  process.standardError = errPipe
  process.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
  try process.run()
  if let stdin {
    let writer = inPipe.fileHandleForWriting
    DispatchQueue.global().async {
      try? writer.write(contentsOf: stdin)
      try? writer.close()
    }
  }
  // Read both pipes concurrently so neither fills up and blocks the child.
  nonisolated(unsafe) var errData = Data()
  let group = DispatchGroup()
  group.enter()
  DispatchQueue.global().async {
    errData = errPipe.fileHandleForReading.readDataToEndOfFile()
    group.leave()
  }
  let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  process.waitUntilExit()
  return ProcessResult(
    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs the built `cvebuster-outbox` with `arguments`.
public func runCLI(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
  try runProcess(CLIBinary.path, arguments, stdin: stdin, environment: environment)
}
