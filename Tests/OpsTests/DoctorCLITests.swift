import Foundation
import Ingestion
import OutboxTestSupport
import Testing

/// `doctor` as a user runs it: the built binary against a real emulator and a real outbox.
@Suite(.serialized, .timeLimit(.minutes(10))) struct DoctorCLITests {
  @Test func everythingPassesAgainstTheEmulatorAndTheProbeStoresNothing() throws {
    let directory = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: directory)
    let db = try enqueuedDatabase(in: directory, count: 10)
    let result = try runCLI(["doctor", "--config", emulator.configPath, "--db", db])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    // Not a TTY: ASCII marks, one line per check, in order.
    #expect(lines.filter { $0.hasPrefix("ok  ") }.count == 15, "\(result.stdout)")
    #expect(
      lines.map { $0.dropFirst(5).prefix(24).trimmingCharacters(in: .whitespaces) }.prefix(15) == [
        "config file found", "config valid", "config complete", "config permissions safe", "database opens",
        "migration version", "quick_check", "state counts", "key pairs", "endpoint URL", "DNS resolves",
        "TCP + TLS handshake", "token acquired",
        "ingestion probe", "queue",
      ])
    #expect(result.stdout.contains("POST [] → HTTP 204"))
    #expect(result.stdout.contains("10 pending, 0 sending, 0 dead"))
    #expect(lines.last == "all checks passed")
    let secret = try emulator.secret
    #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
    // The emulator answered 204 to `[]` and stored nothing.
    #expect(try emulator.requestsByStatus()["204"] == 1)
    #expect(try emulator.stat("rows_stored") == 0)
    #expect(try emulator.stat("rows_received") == 0)
    #expect(try emulator.stat("dropped_bodies") == 0)
  }

  @Test func jsonOutputHasEveryCheck() throws {
    let directory = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: directory)
    let db = try enqueuedDatabase(in: directory, count: 1)
    let result = try runCLI(["doctor", "--config", emulator.configPath, "--db", db, "--json"])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(object["ok"] as? Bool == true)
    #expect((object["exit_code"] as? NSNumber)?.intValue == 0)
    let statuses = try checkStatuses(result.stdout)
    #expect(statuses.count == 15)
    #expect(statuses.values.allSatisfy { $0 == "pass" })
  }

  @Test func missingRoleFailsTheProbeWith78() throws {
    let directory = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: directory, flags: ["--without-role"])
    let db = try enqueuedDatabase(in: directory, count: 1)
    let result = try runCLI(["doctor", "--config", emulator.configPath, "--db", db, "--json"])
    #expect(result.status == 78)
    let statuses = try checkStatuses(result.stdout)
    #expect(statuses["token"] == "pass")
    #expect(statuses["ingestion.probe"] == "fail")
    #expect(result.stdout.contains("Monitoring Metrics Publisher"))
    #expect(try emulator.requestsByStatus()["403"] == 1)
  }

  @Test func wrongSecretExplainsAADSTS7000215AndNeverPrintsEitherSecret() throws {
    let directory = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: directory)
    var values = try emulator.configValues()
    let wrong = "wrong-secret-value-Zq81"
    values["application_secret"] = wrong
    let config = directory.file("wrong.json")
    try writeConfig(values, to: config)
    let result = try runCLI(["doctor", "--config", config, "--db", directory.file("none.sqlite")])
    #expect(result.status == 78, "\(result.stdout)")
    let tokenLine = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("FAIL token acquired") })
    #expect(tokenLine.contains("7000215"))
    #expect(result.stdout.contains("fix: the client secret is wrong"))
    #expect(result.stdout.contains("skip ingestion probe"))
    let right = try emulator.secret
    for secret in [wrong, right] {
      #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
    }
    // No database yet is a warning, not a failure.
    #expect(result.stdout.contains("warn database opens"))
  }

  @Test func unreachableEndpointExits75() throws {
    let directory = TemporaryDirectory()
    // A port that was just free: bind nothing there.
    let emulator = try EmulatorProcess(in: directory)
    var values = try emulator.configValues()
    emulator.process.terminate()
    emulator.process.waitUntilExit()
    values["authority_host"] = values["dce_endpoint"]
    let config = directory.file("down.json")
    try writeConfig(values, to: config)
    let result = try runCLI(["doctor", "--config", config, "--db", directory.file("none.sqlite"), "--json"])
    #expect(result.status == 75, "\(result.stdout)")
    let statuses = try checkStatuses(result.stdout)
    #expect(statuses["network.dns"] == "pass")
    #expect(statuses["network.connect"] == "fail")
    #expect(statuses["token"] == "fail")
    #expect(statuses["ingestion.probe"] == "skipped")
  }

  @Test func configurationProblemWinsOverUnreachableAndSharedFileIsRefused() throws {
    let directory = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: directory)
    chmod(emulator.configPath, 0o644)
    let result = try runCLI(["doctor", "--config", emulator.configPath, "--db", directory.file("none.sqlite")])
    #expect(result.status == 78)
    #expect(result.stdout.contains("FAIL config permissions safe"))
    #expect(result.stdout.contains("fix: chmod 600 \(emulator.configPath)"))
    #expect(result.stdout.contains("skip endpoint URL"))
    let secret = try emulator.secret
    #expect(!result.stdout.contains(secret))
  }

  @Test func noConfigurationAtAllExits78WithTheWayOut() throws {
    let directory = TemporaryDirectory()
    let result = try runCLI(
      ["doctor", "--db", directory.file("none.sqlite")], environment: ["CVEBUSTER_OUTBOX_CONFIG": ""])
    #expect(result.status == 78)
    #expect(result.stdout.contains("FAIL config file found"))
    #expect(result.stdout.contains("config init"))
  }
}
