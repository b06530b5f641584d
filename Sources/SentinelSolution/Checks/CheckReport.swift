/// The checks `connector check` runs, numbered as in docs/ccf-push-connector.md
/// ("Offline checks we can run").
public enum CheckID: String, Sendable, CaseIterable {
  case parse = "1 parse"
  case armTemplate = "2 arm-template"
  case connectorUI = "3 connector-ui"
  case linkage = "4 linkage"
  case columns = "5 columns"
  case solutionValidators = "6 solution-validators"
  case packageConsistency = "7 package-consistency"
  case regenerate = "8 regenerate"
  case workbook = "9 workbook"
  case detections = "10 rules-and-queries"
  case streamContract = "11 stream-contract"
  case submission = "12 submission"
}

/// One failed rule: which check, which file (relative to the root), where in it, and why.
public struct CheckFailure: Sendable, Equatable, CustomStringConvertible {
  public let check: CheckID
  public let file: String
  public let path: String
  public let message: String

  public var description: String { "[\(check.rawValue)] \(file): \(path): \(message)" }
}

/// The outcome of every check; `passed` only when no check failed.
public struct CheckReport: Sendable {
  public let ran: [CheckID]
  public let failures: [CheckFailure]
  public var passed: Bool { failures.isEmpty }

  /// The failures of one check.
  public func failures(of check: CheckID) -> [CheckFailure] { failures.filter { $0.check == check } }
}

/// Collects failures for one check while it runs.
struct FailureSink {
  let check: CheckID
  private(set) var failures: [CheckFailure] = []

  init(_ check: CheckID) { self.check = check }

  mutating func fail(_ file: String, _ path: String, _ message: String) {
    failures.append(CheckFailure(check: check, file: file, path: path, message: message))
  }

  /// Fails unless `actual == expected`, saying both.
  mutating func expect(_ actual: String?, equals expected: String, _ file: String, _ path: String, _ what: String) {
    if actual != expected {
      fail(file, path, "\(what) is \(actual.map { "\"\($0)\"" } ?? "missing"), expected \"\(expected)\"")
    }
  }
}
