import ArgumentParser
import Foundation
import HealthChecks

/// `doctor`: every check between "configured" and "data arrives", in order, with the fix for each failure.
struct DoctorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "doctor",
    abstract: "Check configuration, database, network, token and ingestion, and say how to fix what fails.",
    discussion: """
      Runs in order: config file found, valid, complete, permissions safe; database opens (never \
      created), migration version, quick_check; endpoint URL; DNS; TCP + TLS handshake; token \
      acquired (AADSTS errors explained); an ingestion probe that POSTs an empty JSON array `[]` \
      (stores nothing; the service is expected to answer 204); then pending/dead counts and the \
      age of the oldest pending row. One line per check (✔/✘ on a terminal, ok/FAIL otherwise), \
      with a fix under each failure. The secret is never printed.
      Exit 0 all passed (warnings allowed); 78 configuration, credential or permission problem; \
      75 endpoint or identity provider unreachable; 74 database problem.

      Example: cvebuster-outbox doctor --config /etc/cvebuster-outbox/connector_config.json
      """)

  @OptionGroup var global: GlobalOptions

  @Flag(help: "Print the results as JSON on stdout.")
  var json = false

  @Flag(help: "Skip every network check (DNS, TLS, token, probe).")
  var offline = false

  @Flag(help: "Skip the ingestion probe (the POST of `[]`).")
  var noProbe = false

  func run() throws {
    Diagnostics.quiet = global.quiet
    let environment = ProcessInfo.processInfo.environment
    var doctor = Doctor(
      configPath: ConfigLocation.resolve(global, environment), environment: environment,
      databasePath: global.databasePath)
    doctor.network = !offline
    doctor.probe = !noProbe
    try DoctorReport.print(doctor.run(), json: json)
  }
}

/// `doctor --json` (and `config check --json`).
struct DoctorReport: Encodable {
  let ok: Bool
  let exitCode: Int32
  let checks: [CheckResult]

  /// Prints `results` as JSON or as check lines, then exits with their status unless all passed.
  static func print(_ results: [CheckResult], json: Bool) throws {
    let status = ExitStatus(results)
    if json {
      try StandardOutput.writeJSON(DoctorReport(ok: results.allPassed, exitCode: status.rawValue, checks: results))
    } else {
      StandardOutput.write(CheckPrinter(symbols: isatty(STDOUT_FILENO) == 1).render(results))
    }
    if status != .ok { throw status.exitCode }
  }
}

extension ExitStatus {
  /// 0 when every check passed, else the exit code of the most serious failure.
  init(_ results: [CheckResult]) {
    switch results.worstProblem {
    case nil: self = .ok
    case .configuration: self = .configuration
    case .unreachable: self = .temporary
    case .local: self = .ioError
    }
  }
}

/// One line per check, and an indented `fix:` line under failures and warnings.
struct CheckPrinter {
  /// ✔/✘ (a terminal) or ok/FAIL (a pipe or file).
  let symbols: Bool

  func render(_ results: [CheckResult]) -> String {
    let width = results.map(\.title.count).max() ?? 0
    var out = ""
    for result in results {
      out += mark(result.status) + " " + result.title.padding(toLength: width, withPad: " ", startingAt: 0)
      out += "  " + result.detail + "\n"
      if let fix = result.fix, result.status == .fail || result.status == .warn {
        out += "      fix: " + fix + "\n"
      }
    }
    let failed = results.filter { $0.status == .fail }.count
    out += failed == 0 ? "all checks passed\n" : "\(failed) check\(failed == 1 ? "" : "s") failed\n"
    return out
  }

  private func mark(_ status: CheckResult.Status) -> String {
    switch status {
    case .pass: symbols ? "✔" : "ok  "
    case .fail: symbols ? "✘" : "FAIL"
    case .warn: symbols ? "!" : "warn"
    case .skipped: symbols ? "-" : "skip"
    }
  }
}

/// Where the client configuration is: `--config`, else `$CVEBUSTER_OUTBOX_CONFIG`, else none.
enum ConfigLocation {
  static func resolve(_ global: GlobalOptions, _ environment: [String: String]) -> String? {
    global.config ?? environment["CVEBUSTER_OUTBOX_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
  }
}
