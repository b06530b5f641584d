import Foundation
import Ingestion

/// The configuration checks `doctor` and `config check` share: found, valid, complete, permissions.
/// No network.
public struct ConfigurationChecks: Sendable {
  /// The configuration file, or nil when only environment variables configure the client.
  public let path: String?
  public let environment: [String: String]

  public init(path: String?, environment: [String: String]) {
    self.path = path
    self.environment = environment
  }

  /// The results in order, and the configuration when it is usable (complete and permissions safe).
  public func run() -> (results: [CheckResult], configuration: ClientConfiguration?) {
    var results: [CheckResult] = []
    let found = foundCheck()
    results.append(found)
    guard found.status != .fail else {
      for (id, title) in Self.laterChecks { results.append(.skipped(id, title, because: "no configuration file")) }
      return (results, nil)
    }
    let valid = validCheck()
    results.append(valid)
    guard valid.status != .fail else {
      for (id, title) in Self.laterChecks.dropFirst() { results.append(.skipped(id, title, because: "the file is not valid")) }
      return (results, nil)
    }
    let complete: CheckResult
    do {
      let configuration = try ClientConfiguration.load(path: path, environment: environment, enforcingPermissions: false)
      complete = .pass("config.complete", "config complete", summary(configuration))
    } catch {
      complete = .fail("config.complete", "config complete", error.locatedReason, fix: error.fix, .configuration)
    }
    results.append(complete)
    do {
      let configuration = try ClientConfiguration.load(path: path, environment: environment)
      results.append(.pass("config.permissions", "config permissions safe", permissionDetail()))
      return (results, complete.status == .pass ? configuration : nil)
    } catch {
      if complete.status == .fail {
        results.append(permissionCheckAlone())
      } else {
        results.append(.fail("config.permissions", "config permissions safe", error.locatedReason, fix: error.fix, .configuration))
      }
      return (results, nil)
    }
  }

  private static let laterChecks = [
    ("config.valid", "config valid"), ("config.complete", "config complete"),
    ("config.permissions", "config permissions safe"),
  ]

  private func foundCheck() -> CheckResult {
    let title = "config file found"
    guard let path else {
      if environment["AZURE_CLIENT_ID"] != nil || environment["AZURE_TENANT_ID"] != nil {
        return .warn(
          "config.found", title, "no file given; using AZURE_* environment variables only",
          fix: "pass --config FILE or set CVEBUSTER_OUTBOX_CONFIG if a file was meant")
      }
      return .fail(
        "config.found", title, "no configuration file given",
        fix: "run `cvebuster-outbox config init`, then pass --config FILE or set CVEBUSTER_OUTBOX_CONFIG", .configuration)
    }
    var info = stat()
    guard stat(path, &info) == 0 else {
      return .fail(
        "config.found", title, "\(path): \(String(cString: strerror(errno)))",
        fix: "check the path, or create the file with `cvebuster-outbox config init --config \(path)`", .configuration)
    }
    guard access(path, R_OK) == 0 else {
      return .fail(
        "config.found", title, "\(path) is not readable by this user",
        fix: "run as the file's owner (the user the drain runs as)", .configuration)
    }
    return .pass("config.found", title, path)
  }

  private func validCheck() -> CheckResult {
    let title = "config valid"
    guard let path else { return .pass("config.valid", title, "environment only") }
    let values: [String: String]
    do {
      values = try ClientConfiguration.readFile(path)
    } catch {
      return .fail("config.valid", title, error.locatedReason, fix: error.fix, .configuration)
    }
    for key in values.keys.sorted() {
      guard let value = values[key], !value.isEmpty, let problem = FieldRules.problem(key: key, value: value) else { continue }
      let shown = key == "application_secret" ? "application_secret is empty" : "\(key): \(problem)"
      return .fail("config.valid", title, "\(path): \(shown)", fix: Self.hint(for: key), .configuration)
    }
    let unknown = ClientConfiguration.unknownKeyWarnings(Array(values.keys), source: path)
    if !unknown.isEmpty {
      return .warn(
        "config.valid", title, unknown.joined(separator: "; "),
        fix: "fix the spelling; known keys: \(ClientConfiguration.knownKeys.sorted().joined(separator: ", "))")
    }
    if let secret = values["application_secret"], let suspicion = FieldRules.suspicion(key: "application_secret", value: secret) {
      return .warn("config.valid", title, suspicion, fix: Self.hint(for: "application_secret"))
    }
    return .pass("config.valid", title, "\(values.count) keys")
  }

  /// The refusal on its own, when the file is incomplete (so load stops before it).
  private func permissionCheckAlone() -> CheckResult {
    let title = "config permissions safe"
    guard let path else { return .pass("config.permissions", title, "environment only") }
    var info = stat()
    guard stat(path, &info) == 0 else { return .skipped("config.permissions", title, because: "cannot stat \(path)") }
    let mode = info.st_mode & 0o777
    if mode & 0o077 != 0, !ClientConfiguration.isSystemdCredential(path, environment: environment) {
      let bits = ClientConfiguration.describeSharedBits(mode)
      return .fail(
        "config.permissions", title, "\(path) is open to others (mode \(ClientConfiguration.octal(mode)): \(bits))",
        fix: "chmod 600 \(path)", .configuration)
    }
    return .pass("config.permissions", title, permissionDetail())
  }

  private func permissionDetail() -> String {
    guard let path else { return "environment only" }
    var info = stat()
    guard stat(path, &info) == 0 else { return path }
    return "\(path) mode \(String(info.st_mode & 0o777, radix: 8)), owner uid \(info.st_uid)"
  }

  private func summary(_ configuration: ClientConfiguration) -> String {
    "auth \(configuration.auth.rawValue), stream \(configuration.streamName)"
  }

  /// Where each value is found on the connector page.
  public static func hint(for key: String) -> String {
    switch key {
    case "tenant_id": "the connector page's Tenant ID (Entra ID → Overview → Tenant ID)"
    case "application_id": "the connector page's Application ID (App registrations → Application (client) ID)"
    case "application_secret":
      "the connector page's Application secret (shown once after Deploy), or a new secret's Value from "
        + "App registrations → Certificates & secrets"
    case "dce_endpoint": "the connector page's Data collection endpoint URI (https://…ingest.monitor.azure.com)"
    case "dcr_immutable_id": "the connector page's Data collection rule immutable ID (dcr-…)"
    case "stream_name": "the connector page's Stream name: \(FieldRules.defaultStreamName)"
    case "authority_host": "https://login.microsoftonline.com (public cloud), or the emulator's URL"
    default: "see docs/delivery.md for the configuration keys"
    }
  }
}

extension ConfigurationError {
  /// "file: key: reason" without the fix.
  var locatedReason: String {
    var text = source
    if let key { text += ": \(key)" }
    return text + ": \(reason)"
  }
}
