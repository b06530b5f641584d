import Foundation
import OutboxTestSupport
import SentinelSolution

/// A temporary copy of the repository's Connector/ and Package/ that a test may break.
struct SolutionFixture {
  /// The repository root (this file is Tests/SentinelSolutionTests/SolutionFixture.swift).
  static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  private let directory = TemporaryDirectory("solution")
  var root: URL { directory.url }

  init() throws {
    for folder in ["Connector", "Package"] {
      try FileManager.default.copyItem(
        at: Self.repositoryRoot.appendingPathComponent(folder), to: root.appendingPathComponent(folder))
    }
  }

  func remove() {
    try? FileManager.default.removeItem(at: root)
  }

  func read(_ path: String) throws -> String {
    try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
  }

  func write(_ path: String, _ text: String) throws {
    try Data(text.utf8).write(to: root.appendingPathComponent(path))
  }

  /// Replaces the first occurrence of `old` in `path`; fails when `old` is absent, so a
  /// mutation that no longer applies cannot make a test pass vacuously.
  func replace(_ path: String, _ old: String, with new: String) throws {
    let text = try read(path)
    guard let range = text.range(of: old) else {
      throw FixtureError(message: "\(path) does not contain \(old)")
    }
    try write(path, text.replacingCharacters(in: range, with: new))
  }

  func check() -> CheckReport {
    ConnectorChecker(root: root).run()
  }
}

struct FixtureError: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}
