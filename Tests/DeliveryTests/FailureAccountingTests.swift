import Foundation
import OutboxTestSupport
import Testing

/// Failure handling design.md asks for, each once broken and found with the emulator's options.
@Suite(.serialized, .timeLimit(.minutes(10))) struct FailureAccountingTests {
  /// design.md: a wrong stream is a configuration error (stop, give the leases back unspent,
  /// exit 78). The emulator answers it 400 `InvalidStream`; bisecting that like a row's fault
  /// once sent 99 requests and dead-lettered all 50 rows.
  @Test func aWrongStreamNameIsAConfigurationErrorNotDeadRows() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir)
    let data = try Data(contentsOf: URL(fileURLWithPath: emulator.configPath))
    var keys = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
    keys["stream_name"] = "Custom-cveBusterVulns"
    let config = dir.write("wrong-stream.json", String(decoding: try JSONSerialization.data(withJSONObject: keys), as: UTF8.self))
    chmod(config, 0o600)
    let db = try enqueuedDatabase(in: dir, count: 50)
    let result = try runCLI(["drain", "--db", db, "--config", config])
    let pending = try outboxStatus(db)["pending"]
    let requests = try sqlite(db, "SELECT count(*) FROM batches")
    #expect(result.status == 78, "\(result.stderr)")
    #expect(result.stderr.contains("stream_name"), "\(result.stderr)")
    #expect(pending == 50)
    #expect(requests == "1")
  }

  /// Rows once went dead after `--max-attempts` failed requests (a 5xx storm dead-lettered the
  /// backlog). Now no failure of the endpoint makes a row dead, and the old option only warns.
  @Test func aServerErrorStormLeavesEveryRowPendingAndTheOldOptionWarns() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--fault-500", "1"])
    let db = try enqueuedDatabase(in: dir, count: 50)
    let result = try runCLI(
      ["drain", "--db", db, "--config", emulator.configPath, "--max-attempts", "1", "--outage-after", "2"])
    #expect(result.status == 75, "\(result.stderr)")
    #expect(result.stderr.contains("--max-attempts is ignored"), "\(result.stderr)")
    #expect(result.stdout.contains("dead 0"), "\(result.stdout)")
    #expect(result.stdout.contains("50 rows wait for a later try"), "counted in rows: \(result.stdout)")
    let status = try outboxStatus(db)
    #expect(status["dead"] == 0 && status["pending"] == 50)
  }

  /// A token outage (IMDS answering 503) is no fault of the rows and no request about them
  /// reached the ingestion endpoint, so it spends none of their attempts (it once did: a long
  /// IMDS outage dead-lettered every row unsent). `--max-attempts 1` would show a spent attempt
  /// at once. About 10 s: the IMDS source's own retries.
  @Test func aTokenOutageDoesNotSpendTheRowsAttempts() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(
      in: dir, flags: ["--config-auth", "managed_identity", "--imds-fail-first", "1000"])
    let db = try enqueuedDatabase(in: dir, count: 20)
    // --max-duration bounds a fixed drain, which would keep retrying the outage.
    let result = try runCLI(
      ["drain", "--db", db, "--config", emulator.configPath, "--max-attempts", "1", "--max-duration", "1s"])
    #expect(try emulator.stat("rows_stored") == 0)
    #expect(try emulator.stats()["requests_by_status"] as? [String: Int] == [:], "no ingestion request was made")
    let status = try outboxStatus(db)
    #expect(status["dead"] == 0)
    #expect(status["pending"] == 20, "\(result.stderr)")
    #expect(try sqlite(db, "SELECT max(attempts) FROM findings") == "0")
  }
}
