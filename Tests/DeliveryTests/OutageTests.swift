import Foundation
import OutboxTestSupport
import Testing

/// An outage that spans several scheduled runs never dead-letters a row (issue: one run used to
/// spend 8 of 12 attempts, the next marked the backlog dead). Time between runs is simulated by
/// moving the remembered next-try time, so no test sleeps for the backoff.
@Suite(.serialized, .timeLimit(.minutes(10))) struct OutageTests {
  static func requests(_ emulator: EmulatorProcess) throws -> Int {
    try emulator.stat("requests_received")
  }

  /// "Time passes" until the endpoint's next try.
  static func skipBackoff(_ db: String) throws {
    _ = try sqlite(db, "UPDATE endpoint_state SET next_try_at = 0")
  }

  @Test(arguments: ["500", "503", "reset"])
  func anOutageOverSeveralRunsEndsWithEveryRowDeliveredAndNoneDead(_ kind: String) throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--workspace", dir.file("ws.sqlite"), "--outage", kind])
    let db = try enqueuedDatabase(in: dir, count: 2_000)
    let drain = ["drain", "--db", db, "--config", emulator.configPath, "--max-body-bytes", "20000"]

    // The first run meets the outage, retries a few times in-process, and gives up.
    let first = try runCLI(drain)
    #expect(first.status == 75, "\(first.stderr)")
    #expect(first.stderr.contains("2000 rows wait for the endpoint"), "\(first.stderr)")
    var status = try outboxStatus(db)
    #expect(status["pending"] == 2_000 && status["dead"] == 0 && status["sending"] == 0)
    let failures = Int(try sqlite(db, "SELECT consecutive_failures FROM endpoint_state")) ?? 0
    #expect(failures == 6, "--outage-after's default")

    // A run before the next try time sends nothing at all.
    let sentBefore = try Self.requests(emulator)
    let early = try runCLI(drain)
    #expect(early.status == 75)
    #expect(early.stderr.contains("next try"), "\(early.stderr)")
    #expect(try Self.requests(emulator) == sentBefore, "no request before the next try time")

    // Later runs during the outage probe with exactly one request each, and the backoff grows.
    for run in 1...3 {
      try Self.skipBackoff(db)
      let probe = try runCLI(drain)
      #expect(probe.status == 75, "probe \(run): \(probe.stderr)")
      #expect(try Self.requests(emulator) == sentBefore + run, "probe \(run) sent one request")
    }
    #expect(try sqlite(db, "SELECT consecutive_failures FROM endpoint_state") == "\(failures + 3)")
    status = try outboxStatus(db)
    #expect(status["pending"] == 2_000 && status["dead"] == 0)
    #expect(try sqlite(db, "SELECT max(attempts) <= 10 FROM findings") == "1", "attempts are only a record")

    // The endpoint comes back: the next run delivers everything.
    try emulator.endOutage()
    try Self.skipBackoff(db)
    let after = try runCLI(drain)
    #expect(after.status == 0, "\(after.stderr)")
    status = try outboxStatus(db)
    #expect(status["sent"] == 2_000 && status["dead"] == 0)
    let stats = try emulator.stats()
    #expect((stats["rows_stored"] as? Int ?? 0) - (stats["duplicate_rows"] as? Int ?? 0) == 2_000)
    #expect(try sqlite(db, "SELECT consecutive_failures, next_try_at FROM endpoint_state") == "0|0")
  }

  /// The token endpoint unreachable: no request leaves the host, and the summary says so.
  @Test func aTokenOutageSendsNothingAndSaysSo() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--workspace", dir.file("ws.sqlite")])
    let db = try enqueuedDatabase(in: dir, count: 300)
    let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: emulator.configPath)))
    var keys = try #require(config as? [String: String])
    let authority = try #require(keys["authority_host"])
    keys["authority_host"] = "http://127.0.0.1:9"  // discard port: connection refused
    let down = dir.write("token-down.json", String(decoding: try JSONSerialization.data(withJSONObject: keys), as: UTF8.self))
    chmod(down, 0o600)
    let result = try runCLI(["drain", "--db", db, "--config", down, "--outage-after", "2"])
    #expect(result.status == 75, "\(result.stderr)")
    #expect(result.stdout.contains("no request left this host"), "\(result.stdout)")
    #expect(try emulator.stat("rows_stored") == 0)
    #expect(try sqlite(db, "SELECT count(*) FROM findings WHERE state = 'dead' OR attempts > 0") == "0")

    keys["authority_host"] = authority
    let up = dir.write("token-up.json", String(decoding: try JSONSerialization.data(withJSONObject: keys), as: UTF8.self))
    chmod(up, 0o600)
    try Self.skipBackoff(db)
    let after = try runCLI(["drain", "--db", db, "--config", up])
    #expect(after.status == 0, "\(after.stderr)")
    #expect(try outboxStatus(db)["sent"] == 300)
  }
}
