import Foundation
import OutboxTestSupport
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
  "systemd-analyze verify accepts every unit set without a warning", .timeLimit(.minutes(10)),
  .enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed; the parse check below still runs"),
  arguments: unitVariants.indices)
func systemdAnalyzeVerifies(variant: Int) throws {
  let (label, mode, user) = unitVariants[variant]
  let temporary = TemporaryDirectory()
  let directory = temporary.url
  let units = try SystemdUnits(
    mode: mode, binary: try fakeBinary(in: directory), configFile: "/etc/cvebuster-outbox/connector_config.json",
    user: user)
  let files = try writeUnits(units, into: directory)
  let result = try run(systemdAnalyze!, ["verify"] + files.map(\.path))
  #expect(result.status == 0, "\(label): \(result.stderr)")
  #expect(result.stderr.isEmpty, "\(label): systemd-analyze warned:\n\(result.stderr)")
}

@Test(
  "systemd-analyze verify catches a broken unit (so the test above can fail)", .timeLimit(.minutes(10)),
  .enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed"))
func systemdAnalyzeCatchesMistakes() throws {
  let temporary = TemporaryDirectory()
  let directory = temporary.url
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
  "systemd-analyze security rates every service at most 2.0 (OK)", .timeLimit(.minutes(10)),
  .enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed"),
  arguments: unitVariants.indices)
func exposureIsLow(variant: Int) throws {
  let (label, mode, user) = unitVariants[variant]
  let temporary = TemporaryDirectory()
  let directory = temporary.url
  let units = try SystemdUnits(mode: mode, binary: try fakeBinary(in: directory), configFile: "/etc/c.json", user: user)
  // The drain's service and the prune service.
  for service in try writeUnits(units, into: directory) where service.pathExtension == "service" {
    // --threshold is in tenths of the printed 0–10 exposure score; above it the exit status is 1.
    let result = try run(systemdAnalyze!, ["security", "--offline=true", "--threshold=20", "--no-pager", service.path])
    let verdict = result.stdout.split(separator: "\n").last { $0.contains("Overall exposure level") } ?? ""
    #expect(result.status == 0, "\(label) \(service.lastPathComponent): \(verdict) \(result.stderr)")
  }
}

/// The parse check that runs everywhere: sections and `Key=value` lines only, the hardening the
/// design asks for, and the database and credential wiring.
@Test(.timeLimit(.minutes(10)), arguments: unitVariants.indices)
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
  // Exit 75 (rows wait for a later retry) must not mark the unit failed.
  #expect(service["SuccessExitStatus"] == ["75"], "\(label)")
  switch mode {
  case .watch:
    #expect(exec.contains("--watch"))
    #expect(parsed.map(\.name) == ["cvebuster-outbox-watch.service", SystemdUnits.pruneService, SystemdUnits.pruneTimer])
    #expect(service["Restart"] == ["on-failure"])
    #expect(service["RestartForceExitStatus"] == ["75"])
  case .timer(let interval):
    #expect(parsed.count == 4)
    let timer = try #require(parsed.first { $0.name == "cvebuster-outbox-drain.timer" }?.sections["Timer"])
    #expect(timer["Unit"] == ["cvebuster-outbox-drain.service"])
    switch interval {
    case .calendar(let expression):
      #expect(timer["OnCalendar"] == [expression])
      #expect(timer["RandomizedDelaySec"] == ["1min"])
    case .every:
      #expect(timer["OnUnitActiveSec"] == ["15min"])
      #expect(timer["RandomizedDelaySec"] == ["1min 30s"], "a tenth of the period")
    }
  }
}

@Test(.timeLimit(.minutes(10)), arguments: unitVariants.indices)
func pruneRunsDailyWithTheDocumentedRetentionAndNoNetwork(variant: Int) throws {
  let (label, mode, user) = unitVariants[variant]
  let units = try SystemdUnits(mode: mode, binary: "/usr/bin/cvebuster-outbox", configFile: "/etc/c.json", user: user)
  let files = Dictionary(uniqueKeysWithValues: try units.files.map { ($0.name, try parseUnit($0.contents)) })
  let service = try #require(files[SystemdUnits.pruneService]?["Service"])
  #expect(service["ExecStart"] == ["/usr/bin/cvebuster-outbox prune --sent-older-than 30d --dead-older-than 90d"])
  #expect(service["PrivateNetwork"] == ["yes"], "\(label)")
  #expect(service["RestrictAddressFamilies"] == ["AF_UNIX"])
  #expect(service["LoadCredential"] == nil, "prune needs no secret")
  #expect(service["Environment"] == ["CVEBUSTER_OUTBOX_DB=%S/cvebuster-outbox/outbox.sqlite"])
  #expect(files[SystemdUnits.pruneService]?["Unit"]?["ConditionPathExists"] == ["%S/cvebuster-outbox/outbox.sqlite"])
  let timer = try #require(files[SystemdUnits.pruneTimer]?["Timer"])
  #expect(timer["OnCalendar"] == ["daily"])
  #expect(timer["Persistent"] == ["yes"] || timer["Persistent"] == ["true"])
  #expect(timer["RandomizedDelaySec"] == ["1h"])
  #expect(units.activationCommands().contains { $0.hasSuffix("enable --now \(units.entryUnit) \(SystemdUnits.pruneTimer)") })
}

@Test(
  .timeLimit(.minutes(10)),
  arguments: [
    ("/home/scan/bin/cvebuster-outbox", "ProtectHome"), ("/root/cvebuster-outbox", "ProtectHome"),
    ("/run/user/1000/cvebuster-outbox", "ProtectHome"), ("/tmp/build/cvebuster-outbox", "PrivateTmp"),
    ("/usr/local/bin/cvebuster-outbox", nil), ("/opt/cvebuster/cvebuster-outbox", nil), ("/homework/x", nil),
  ])
func aBinaryTheSandboxHidesIsWarnedAbout(binary: String, setting: String?) throws {
  let units = try SystemdUnits(mode: .watch, binary: binary, configFile: "/etc/c.json")
  if let setting {
    #expect(units.warnings.count == 1)
    #expect(units.warnings.first?.contains(setting) == true, "\(units.warnings)")
  } else {
    #expect(units.warnings.isEmpty, "\(units.warnings)")
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

@Test(.timeLimit(.minutes(10))) func escapingKeepsOddPathsOneArgument() {
  #expect(SystemdEscaping.execArgument("/usr/bin/x") == "/usr/bin/x")
  #expect(SystemdEscaping.execArgument("/opt/my tools/x") == "\"/opt/my tools/x\"")
  #expect(SystemdEscaping.execArgument("/opt/100%/x$y") == "/opt/100%%/x$$y")
  #expect(SystemdEscaping.execArgument("/a \"b\"\\c") == "\"/a \\\"b\\\"\\\\c\"")
}

@Test(.timeLimit(.minutes(10)), arguments: [("relative/path", "--binary"), ("/bad\npath", "--binary")])
func unprintableOrRelativePathsAreRefused(path: String, option: String) {
  #expect(throws: ScheduleError.self) {
    try SystemdUnits(mode: .watch, binary: path, configFile: "/etc/c.json")
  }
}

@Test(.timeLimit(.minutes(10))) func badUserNamesAreRefused() {
  for name in ["Root", "a b", "x;rm", String(repeating: "a", count: 33)] {
    #expect(throws: ScheduleError.self, "\(name)") {
      try SystemdUnits(mode: .watch, binary: "/b", configFile: "/c", user: name)
    }
  }
}

@Test(.timeLimit(.minutes(10))) func activationEnablesTheTimerOrTheWatchService() throws {
  let timer = try SystemdUnits(mode: .timer(.calendar("hourly")), binary: "/b", configFile: "/etc/cvebuster-outbox/c.json")
  let commands = timer.activationCommands()
  #expect(commands.contains("systemctl daemon-reload"))
  #expect(commands.contains("systemctl enable --now cvebuster-outbox-drain.timer cvebuster-outbox-prune.timer"))
  let watch = try SystemdUnits(mode: .watch, binary: "/b", configFile: "/c.json", user: "svc")
  #expect(watch.activationCommands().contains("systemctl enable --now cvebuster-outbox-watch.service cvebuster-outbox-prune.timer"))
  #expect(watch.activationCommands().first?.contains("useradd --system") == true)
}
