/// The outcome of one diagnostic check.
public struct CheckResult: Sendable, Codable, Equatable {
  /// How the check ended.
  public enum Status: String, Sendable, Codable {
    case pass
    /// Passed, with something worth knowing (dead rows, no database yet).
    case warn
    case fail
    /// Not run because an earlier check failed.
    case skipped
  }

  /// What kind of problem a failure is; decides the exit code.
  public enum Problem: String, Sendable, Codable {
    /// The configuration, credential or permission must change (exit 78).
    case configuration
    /// The endpoint or identity provider could not be reached; try later (exit 75).
    case unreachable
    /// The local database or file system (exit 74).
    case local
  }

  /// Stable identifier, e.g. `config.found`, `network.dns`.
  public let id: String
  /// What was checked, e.g. "config file found".
  public let title: String
  public let status: Status
  /// What was found: a path, a count, the service's answer. Never a secret.
  public let detail: String
  /// What to do about a failure or warning.
  public let fix: String?
  /// For a failure: what kind of problem it is.
  public let problem: Problem?

  public init(id: String, title: String, status: Status, detail: String, fix: String? = nil, problem: Problem? = nil) {
    self.id = id
    self.title = title
    self.status = status
    self.detail = detail
    self.fix = fix
    self.problem = problem
  }

  static func pass(_ id: String, _ title: String, _ detail: String) -> CheckResult {
    CheckResult(id: id, title: title, status: .pass, detail: detail)
  }

  static func warn(_ id: String, _ title: String, _ detail: String, fix: String?) -> CheckResult {
    CheckResult(id: id, title: title, status: .warn, detail: detail, fix: fix)
  }

  static func fail(_ id: String, _ title: String, _ detail: String, fix: String?, _ problem: Problem) -> CheckResult {
    CheckResult(id: id, title: title, status: .fail, detail: detail, fix: fix, problem: problem)
  }

  static func skipped(_ id: String, _ title: String, because reason: String) -> CheckResult {
    CheckResult(id: id, title: title, status: .skipped, detail: reason)
  }
}

extension Array where Element == CheckResult {
  /// True when nothing failed (warnings and skips after passes do not count).
  public var allPassed: Bool { !contains { $0.status == .fail } }

  /// The most serious problem among the failures: configuration, then unreachable, then local.
  public var worstProblem: CheckResult.Problem? {
    let problems = compactMap { $0.status == .fail ? $0.problem : nil }
    for problem in [CheckResult.Problem.configuration, .unreachable, .local] where problems.contains(problem) {
      return problem
    }
    return nil
  }
}
