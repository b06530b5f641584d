import Foundation
import Testing

@testable import Operator

/// Every shape of unit set `schedule systemd` can print.
let unitVariants: [(label: String, mode: SystemdUnits.Mode, user: String?)] = [
  ("hourly timer", .timer(.calendar("hourly")), nil),
  ("calendar timer", .timer(.calendar("Mon..Fri *-*-* 08:00:00")), nil),
  ("period timer", .timer(.every(seconds: 900)), nil),
  ("static user", .timer(.calendar("*:0/15")), "cvebuster"),
  ("watch service", .watch, nil),
]

/// Writes the units of `units` into a new directory, with a real executable at `binary`.
func writeUnits(_ units: SystemdUnits, into directory: URL) throws -> [URL] {
  try units.files.map { file in
    let url = directory.appendingPathComponent(file.name)
    try Data(file.contents.utf8).write(to: url)
    return url
  }
}

/// A fake `cvebuster-outbox` in a path with a space and a percent sign, which the unit files
/// must quote and escape for systemd to find it.
func fakeBinary(in directory: URL) throws -> String {
  let url = directory.appendingPathComponent("opt dir/100% tools/cvebuster-outbox")
  try writeScript("exit 0\n", to: url)
  return url.path
}

@Test(
  "systemd-analyze verify accepts every unit set without a warning",
  .enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed; the parse check below still runs"),
  arguments: unitVariants.indices)
func systemdAnalyzeVerifies(variant: Int) throws {
  let (label, mode, user) = unitVariants[variant]
  let directory = try temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let units = try SystemdUnits(
    mode: mode, binary: try fakeBinary(in: directory), configFile: "/etc/cvebuster-outbox/connector_config.json",
    user: user)
  let files = try writeUnits(units, into: directory)
  let result = try run(systemdAnalyze!, ["verify"] + files.map(\.path))
  #expect(result.status == 0, "\(label): \(result.stderr)")
  #expect(result.stderr.isEmpty, "\(label): systemd-analyze warned:\n\(result.stderr)")
}

@Test(
  "systemd-analyze verify catches a broken unit (so the test above can fail)",
  .enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed"))
func systemdAnalyzeCatchesMistakes() throws {
  let directory = try temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let binary = try fakeBinary(in: directory)
  let units = try SystemdUnits(mode: .timer(.calendar("every full moon")), binary: binary, configFile: "/etc/x.json")
  let files = try writeUnits(units, into: directory)
  let result = try run(systemdAnalyze!, ["verify"] + files.map(\.path))
  #expect(result.stderr.contains("calendar"), "\(result.stderr)")
  #expect(result.status != 0 || result.stderr.contains("Failed to parse"))
  // And an unquoted path with a space: the binary is not found.
  let service = directory.appendingPathComponent("cvebuster-outbox-drain.service")
  let text = try String(contentsOf: service, encoding: .utf8)
  let broken = text.replacingOccurrences(of: "\"", with: "")
  try Data(broken.utf8).write(to: service)
  let second = try run(systemdAnalyze!, ["verify", service.path])
  #expect(second.status != 0, "\(second.stderr)")
  #expect(second.stderr.contains("not executable"), "\(second.stderr)")
}

@Test(
  "systemd-analyze security rates every service at most 2.0 (OK)",
  .enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed"),
  arguments: unitVariants.indices)
func exposureIsLow(variant: Int) throws {
  let (label, mode, user) = unitVariants[variant]
  let directory = try temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let units = try SystemdUnits(mode: mode, binary: try fakeBinary(in: directory), configFile: "/etc/c.json", user: user)
  let service = try writeUnits(units, into: directory)[0]
  // --threshold is in tenths of the printed 0–10 exposure score; above it the exit status is 1.
  let result = try run(systemdAnalyze!, ["security", "--offline=true", "--threshold=20", "--no-pager", service.path])
  let verdict = result.stdout.split(separator: "\n").last { $0.contains("Overall exposure level") } ?? ""
  #expect(result.status == 0, "\(label): \(verdict) \(result.stderr)")
}

/// The parse check that runs everywhere: sections and `Key=value` lines only, the hardening the
/// design asks for, and the database and credential wiring.
@Test(arguments: unitVariants.indices)
func unitsParseAndAreHardened(variant: Int) throws {
  let (label, mode, user) = unitVariants[variant]
  let units = try SystemdUnits(
    mode: mode, binary: "/usr/local/bin/cvebuster-outbox", configFile: "/etc/cvebuster-outbox/connector_config.json",
    user: user)
  let parsed = try units.files.map { try (name: $0.name, sections: parseUnit($0.contents)) }
  let service = try #require(parsed.first { $0.name.hasSuffix(".service") }?.sections["Service"])
  let required: [String: String] = [
    "StateDirectory": "cvebuster-outbox",
    "Environment": "CVEBUSTER_OUTBOX_DB=%S/cvebuster-outbox/outbox.sqlite",
    "LoadCredential": "connector_config.json:/etc/cvebuster-outbox/connector_config.json",
    "ProtectSystem": "strict", "ProtectHome": "yes", "NoNewPrivileges": "yes", "PrivateTmp": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "CapabilityBoundingSet": "", "UMask": "0077",
  ]
  for (key, value) in required {
    #expect(service[key]?.contains(value) == true, "\(label): \(key)=\(value) missing, have \(service[key] ?? [])")
  }
  #expect(service["SystemCallFilter"]?.contains("@system-service") == true)
  if let user {
    #expect(service["User"] == [user])
    #expect(service["DynamicUser"] == nil)
  } else {
    #expect(service["DynamicUser"] == ["yes"])
  }
  let exec = try #require(service["ExecStart"]?.first)
  #expect(exec.hasPrefix("/usr/local/bin/cvebuster-outbox drain"))
  #expect(exec.hasSuffix("--config %d/connector_config.json"))
  switch mode {
  case .watch:
    #expect(exec.contains("--watch"))
    #expect(parsed.count == 1)
    #expect(service["Restart"] == ["on-failure"])
  case .timer(let interval):
    let timer = try #require(parsed.first { $0.name.hasSuffix(".timer") }?.sections["Timer"])
    #expect(timer["Unit"] == ["cvebuster-outbox-drain.service"])
    switch interval {
    case .calendar(let expression): #expect(timer["OnCalendar"] == [expression])
    case .every: #expect(timer["OnUnitActiveSec"] == ["15min"])
    }
  }
}

/// `[Section]` headers and `Key=value` lines, comments and blank lines skipped.
func parseUnit(_ text: String) throws -> [String: [String: [String]]] {
  var sections: [String: [String: [String]]] = [:]
  var current: String?
  for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
    if line.isEmpty || line.hasPrefix("#") { continue }
    if line.hasPrefix("[") && line.hasSuffix("]") {
      current = String(line.dropFirst().dropLast())
      continue
    }
    let section = try #require(current, "line \(number + 1) is outside a section: \(line)")
    let equals = try #require(line.firstIndex(of: "="), "line \(number + 1) is not Key=value: \(line)")
    let key = String(line[..<equals])
    #expect(key.allSatisfy { $0.isLetter || $0.isNumber }, "line \(number + 1): bad key \(key)")
    sections[section, default: [:]][key, default: []].append(String(line[line.index(after: equals)...]))
  }
  return sections
}

@Test func escapingKeepsOddPathsOneArgument() {
  #expect(SystemdEscaping.execArgument("/usr/bin/x") == "/usr/bin/x")
  #expect(SystemdEscaping.execArgument("/opt/my tools/x") == "\"/opt/my tools/x\"")
  #expect(SystemdEscaping.execArgument("/opt/100%/x$y") == "/opt/100%%/x$$y")
  #expect(SystemdEscaping.execArgument("/a \"b\"\\c") == "\"/a \\\"b\\\"\\\\c\"")
}

@Test(arguments: [("relative/path", "--binary"), ("/bad\npath", "--binary")])
func unprintableOrRelativePathsAreRefused(path: String, option: String) {
  #expect(throws: ScheduleError.self) {
    try SystemdUnits(mode: .watch, binary: path, configFile: "/etc/c.json")
  }
}

@Test func badUserNamesAreRefused() {
  for name in ["Root", "a b", "x;rm", String(repeating: "a", count: 33)] {
    #expect(throws: ScheduleError.self, "\(name)") {
      try SystemdUnits(mode: .watch, binary: "/b", configFile: "/c", user: name)
    }
  }
}

@Test func activationEnablesTheTimerOrTheWatchService() throws {
  let timer = try SystemdUnits(mode: .timer(.calendar("hourly")), binary: "/b", configFile: "/etc/cvebuster-outbox/c.json")
  let commands = timer.activationCommands()
  #expect(commands.contains("systemctl daemon-reload"))
  #expect(commands.contains("systemctl enable --now cvebuster-outbox-drain.timer"))
  let watch = try SystemdUnits(mode: .watch, binary: "/b", configFile: "/c.json", user: "svc")
  #expect(watch.activationCommands().contains("systemctl enable --now cvebuster-outbox-watch.service"))
  #expect(watch.activationCommands().first?.contains("useradd --system") == true)
}
