import Foundation
import OutboxTestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(10))) struct DrainFailureTests {
  @Test func missingRoleStopsAndGivesLeasesBackUnspent() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--without-role"])
    let db = try enqueuedDatabase(in: dir, count: 500)
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath, "--max-body-bytes", "20000"])
    #expect(result.status == 78)
    #expect(result.stderr.contains("Monitoring Metrics Publisher"))
    #expect(try outboxStatus(db)["pending"] == 500)
    #expect(try sqlite(db, "SELECT max(attempts) FROM findings") == "0")
    #expect(try sqlite(db, "SELECT count(*) FROM batches WHERE outcome = 'config_error'") != "0")
  }

  @Test func wrongSecretIsExplainedAndNeverPrinted() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir)
    let db = try enqueuedDatabase(in: dir, count: 50)
    let wrong = "Wr0ng~Secret.Value-\(UUID().uuidString)"
    for format in ["text", "json"] {
      let result = try runCLI(
        ["drain", "--db", db, "--config", emulator.configPath, "-v", "--log-format", format],
        environment: ["AZURE_CLIENT_SECRET": wrong])
      #expect(result.status == 78)
      #expect(result.stderr.contains("AADSTS7000215") || result.stderr.contains("Value, not its Secret ID"))
      #expect(!(result.stdout + result.stderr).contains(wrong))
    }
    #expect(try outboxStatus(db)["pending"] == 50)
  }

  @Test func theRightSecretNeverAppearsInAnyOutput() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(
      in: dir, flags: ["--fault-seed", "5", "--fault-500", "0.2", "--fault-reset", "0.2", "--token-ttl", "2"])
    let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: emulator.configPath)))
    let secret = try #require((config as? [String: Any])?["application_secret"] as? String)
    let db = try enqueuedDatabase(in: dir, count: 300)
    for arguments in [["-v"], ["-v", "--log-format", "json"], ["-q"]] {
      let result = try runCLI(
        ["drain", "--db", db, "--config", emulator.configPath, "--max-body-bytes", "5000"] + arguments)
      #expect(!(result.stdout + result.stderr).contains(secret))
    }
    #expect(try sqlite(db, "SELECT count(*) FROM batches WHERE instr(coalesce(error, ''), '\(secret)') > 0") == "0")
    #expect(try sqlite(db, "SELECT count(*) FROM findings WHERE instr(coalesce(last_error, ''), '\(secret)') > 0") == "0")
  }

  @Test func configFileReadableByOthersIsRefused() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir)
    let db = try enqueuedDatabase(in: dir, count: 10)
    chmod(emulator.configPath, 0o644)
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath])
    #expect(result.status == 78)
    #expect(result.stderr.contains("chmod 600"))
  }

  @Test func unreachableEndpointEndsTheRunWithRowsPending() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir)
    let db = try enqueuedDatabase(in: dir, count: 2_000)
    let config = emulator.configPath
    emulator.process.terminate()
    emulator.process.waitUntilExit()
    let result = try runCLI(["drain", "--db", db, "--config", config, "--max-body-bytes", "20000"])
    #expect(result.status == 75, "\(result.stderr)")
    #expect(result.stderr.contains("unavailable"))
    let status = try outboxStatus(db)
    #expect(status["pending"] == 2_000)
    #expect(status["sending"] == 0)
  }

  @Test func aSecondDrainExitsAtOnceOrWaits() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--latency-ms", "200"])
    let db = try enqueuedDatabase(in: dir, count: 2_000)
    let first = try startDrain(["--db", db, "--config", emulator.configPath, "--max-body-bytes", "20000"])
    #expect(try waitUntil { try outboxStatus(db)["sending", default: 0] > 0 })
    let second = try runCLI(["drain", "--db", db, "--config", emulator.configPath])
    #expect(second.status == 75)
    #expect(second.stderr.contains("another drain"))
    let waiting = try runCLI(["drain", "--db", db, "--config", emulator.configPath, "--wait"])
    #expect(waiting.status == 0)
    first.waitUntilExit()
    #expect(first.terminationStatus == 0)
    #expect(try outboxStatus(db)["sent"] == 2_000)
  }
}
