import ArgumentParser
import FindingGenerator
import Foundation
import Operator
import OutboxStore
import OutboxTestSupport
import Testing

@testable import OutboxCLI

/// Parses `arguments` as the command line after `cvebuster-outbox` and runs the command
/// in-process, as `main` would.
func execute(_ arguments: [String]) async throws {
  var command = try RootCommand.parseAsRoot(arguments)
  if var asyncCommand = command as? any AsyncParsableCommand {
    try await asyncCommand.run()
  } else {
    try command.run()
  }
}

/// The exit code `main` would use for `error`.
func exitCode(_ error: any Error) -> Int32 {
  RootCommand.exitCode(for: error).rawValue
}

let now = "2026-03-01T12:00:00Z"

@Test(.timeLimit(.minutes(10))) func generateWritesTheGeneratorsFindingsAsNDJSON() async throws {
  let temporary = TemporaryDirectory()
  let directory = temporary.url
  let file = directory.appendingPathComponent("findings.ndjson")
  try await execute(["generate", "--count", "2000", "--seed", "5", "--now", now, "--format", "ndjson", "-o", file.path])
  let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
  let expected = try FindingGenerator(.init(count: 2000, seed: 5, referenceTime: 1_772_366_400))
  #expect(lines.count == 2000)
  for (line, finding) in zip(lines, expected) { #expect(String(line) == FindingEncoder.object(finding)) }
  #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["findings.ndjson"])
}

@Test(.timeLimit(.minutes(10))) func generateIsReproducibleWithSeedAndNow() async throws {
  let temporary = TemporaryDirectory()
  let directory = temporary.url
  let first = directory.appendingPathComponent("a.json")
  let second = directory.appendingPathComponent("b.json")
  for file in [first, second] {
    try await execute(["generate", "--demo", "--seed", "11", "--now", now, "--output", file.path])
  }
  let data = try Data(contentsOf: first)
  #expect(data == (try Data(contentsOf: second)))
  let array = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
  #expect(array.count == 500, "the default count is the seed's 500")
}

@Test(.timeLimit(.minutes(10))) func generateEnqueueStoresEveryFindingOnce() async throws {
  let temporary = TemporaryDirectory()
  let directory = temporary.url
  let database = directory.appendingPathComponent("outbox.sqlite").path
  let arguments = ["generate", "--enqueue", "--db", database, "--count", "3000", "--seed", "9", "--now", now, "--demo"]
  try await execute(arguments)
  let outbox = try Outbox(path: database)
  #expect(try outbox.status().pending == 3000)
  // The same set again changes nothing: same keys, same content.
  try await execute(arguments)
  #expect(try outbox.status().pending == 3000)
  let expected = try FindingGenerator(.init(count: 3000, seed: 9, timing: .demo, referenceTime: 1_772_366_400))[17]
  let stored = try outbox.findings(
    matching: FindingFilter(vulnId: expected.vulnId, machineName: expected.machineName))
  #expect(stored.count == 1)
  // The same members and values (the key members come first since schema version 4).
  let storedObject = try JSONSerialization.jsonObject(with: Data((stored.first?.payload ?? "").utf8)) as? NSDictionary
  let expectedObject = try JSONSerialization.jsonObject(with: Data(FindingEncoder.object(expected).utf8)) as? NSDictionary
  #expect(storedObject != nil && storedObject == expectedObject)
  #expect(stored.first?.revision == 1)
}

@Test(
  .timeLimit(.minutes(10)),
  arguments: [["--enqueue", "--output", "x.json"], ["--count", "-1"], ["--now", "yesterday"], ["--format", "csv"], ["--seed", "-3"]])
func generateRefusesBadOptionsAsUsageErrors(arguments: [String]) async {
  do {
    try await execute(["generate"] + arguments)
    Issue.record("expected a usage error for \(arguments)")
  } catch {
    #expect(exitCode(error) == 64, "\(arguments): \(error)")
  }
}

@Test(.timeLimit(.minutes(10))) func generateIntoAMissingDirectoryIsALocalIOError() async throws {
  do {
    try await execute(["generate", "--count", "3", "--output", "/nonexistent-dir-\(UUID().uuidString)/f.json"])
    Issue.record("expected an error")
  } catch {
    #expect(exitCode(error) == 74)
  }
}

@Test(.timeLimit(.minutes(10))) func scheduleSystemdInstallWritesTheUnits() async throws {
  let temporary = TemporaryDirectory()
  let directory = temporary.url
  let binary = directory.appendingPathComponent("cvebuster-outbox")
  try Data("#!/bin/sh\nexit 0\n".utf8).write(to: binary)
  try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary.path)
  let unitDirectory = directory.appendingPathComponent("units")
  try FileManager.default.createDirectory(at: unitDirectory, withIntermediateDirectories: true)
  // Runs systemd-analyze verify on the written files when it is installed (exit 78 if it
  // objects), so this also proves the installed units pass it.
  let arguments = [
    "schedule", "systemd", "--install", "--unit-dir", unitDirectory.path, "--binary", binary.path,
    "--interval", "15min",
  ]
  try await execute(arguments)
  let expected = try SystemdUnits(
    mode: .timer(.every(seconds: 900)), binary: binary.path, configFile: "/etc/cvebuster-outbox/connector_config.json")
  for file in expected.files {
    let written = try String(contentsOf: unitDirectory.appendingPathComponent(file.name), encoding: .utf8)
    #expect(written == file.contents)
  }
  try await execute(arguments)  // a second install leaves identical files alone
  #expect(
    try FileManager.default.contentsOfDirectory(atPath: unitDirectory.path).sorted()
      == [
        "cvebuster-outbox-drain.service", "cvebuster-outbox-drain.timer", "cvebuster-outbox-prune.service",
        "cvebuster-outbox-prune.timer",
      ])
}

@Test(
  "a calendar --interval systemd refuses is a usage error, and nothing is written", .timeLimit(.minutes(10)),
  .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
func scheduleSystemdChecksTheCalendarBeforeWriting() async throws {
  let temporary = TemporaryDirectory()
  let directory = temporary.url
  do {
    try await execute([
      "schedule", "systemd", "--install", "--unit-dir", directory.path, "--binary", "/bin/true",
      "--interval", "every full moon",
    ])
    Issue.record("expected a usage error")
  } catch {
    #expect(exitCode(error) == 64, "\(error)")
  }
  #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
}

@Test(.timeLimit(.minutes(10))) func packageUnitsAreTheScheduleUnitsForTheDebianPackage() async throws {
  let temporary = TemporaryDirectory()
  let directory = temporary.url
  try await execute(["schedule", "systemd", "--package-units", directory.path])
  let config = "/etc/cvebuster-outbox/connector_config.json"
  var expected: [String: String] = [:]
  for mode in [SystemdUnits.Mode.timer(.calendar("hourly")), .watch] {
    let units = try SystemdUnits(mode: mode, binary: "/usr/bin/cvebuster-outbox", configFile: config, user: "cvebuster-outbox")
    for file in units.files { expected[file.name] = file.contents }
  }
  #expect(expected.count == 5)
  #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == expected.keys.sorted())
  for (name, contents) in expected {
    #expect(try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) == contents, "\(name)")
  }
}

@Test(.timeLimit(.minutes(10))) func versionNamesTheReleaseAndACommit() {
  let line = RootCommand.configuration.version
  #expect(line.hasPrefix("0.2.0 (commit "), "\(line)")
}

@Test(
  .timeLimit(.minutes(10)),
  arguments: [
    ["schedule", "systemd", "--watch", "--interval", "15min"],
    ["schedule", "systemd", "--interval", "20s"],
    ["schedule", "systemd", "--binary", "relative/cvebuster-outbox"],
    ["schedule", "systemd", "--user", "Bad User"],
    ["schedule", "cron", "--interval", "7min"],
    ["schedule", "cron", "--log-file", "drain.log"],
  ])
func scheduleRefusesBadOptionsAsUsageErrors(arguments: [String]) async {
  do {
    try await execute(arguments)
    Issue.record("expected a usage error for \(arguments)")
  } catch {
    #expect(exitCode(error) == 64, "\(arguments): \(error)")
  }
}

@Test(.timeLimit(.minutes(10))) func scheduleSystemdInstallIntoAMissingDirectoryIsALocalIOError() async {
  do {
    try await execute(["schedule", "systemd", "--install", "--binary", "/bin/true", "--unit-dir", "/nonexistent-\(UUID())"])
    Issue.record("expected an error")
  } catch {
    #expect(exitCode(error) == 74)
  }
}

@Test(.timeLimit(.minutes(10)), arguments: CompletionShell.allCases)
func completionScriptsKnowTheNewCommands(shell: CompletionShell) {
  let script = RootCommand.completionScript(for: shell)
  // Option names without dashes: fish spells them `-l 'unit-dir'`.
  for word in ["generate", "schedule", "systemd", "cron", "seed", "unit-dir", "lock-file", "ndjson"] {
    #expect(script.contains(word), "\(shell) completion lacks \(word)")
  }
}

@Test(.timeLimit(.minutes(10)), arguments: [["generate"], ["schedule"], ["schedule", "systemd"], ["schedule", "cron"]])
func helpHasADiscussionWithAnExample(path: [String]) throws {
  let help = RootCommand.helpMessage(for: try #require(RootCommand.subcommand(path)), columns: 100)
  #expect(help.contains("Example:"), "\(path): \(help)")
  #expect(help.contains("OVERVIEW"))
}

extension RootCommand {
  /// The command type at `path` below the root.
  static func subcommand(_ path: [String]) -> (any ParsableCommand.Type)? {
    var current: any ParsableCommand.Type = RootCommand.self
    for name in path {
      guard let next = current.configuration.subcommands.first(where: { $0._commandName == name }) else { return nil }
      current = next
    }
    return current
  }
}

@Test(.timeLimit(.minutes(10))) func scheduleCronNamesTheDatabaseAndConfigTheDrainUses() throws {
  let command = try ScheduleCronCommand.parse([
    "--interval", "30min", "--binary", "/usr/local/bin/cvebuster-outbox", "--db", "/srv/outbox.sqlite",
    "--config", "/etc/cvebuster/config.json", "--lock-file", "/run/user/1000/drain.lock", "--log-file", "/srv/drain.log",
  ])
  #expect(
    try command.entry().line
      == "*/30 * * * * CVEBUSTER_OUTBOX_DB=/srv/outbox.sqlite flock -n /run/user/1000/drain.lock "
      + "/usr/local/bin/cvebuster-outbox drain --config /etc/cvebuster/config.json >> /srv/drain.log 2>&1")
}
