import Foundation
import OutboxTestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(10))) struct DrainEndToEndTests {
  @Test func everyRowArrivesOnceAndUnchanged() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--workspace", dir.file("ws.sqlite")])
    let db = try enqueuedDatabase(in: dir, count: 3_000)
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath, "--max-body-bytes", "100000"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("sent 3000 rows"))
    #expect(try outboxStatus(db)["sent"] == 3_000)
    let stats = try emulator.stats()
    #expect(stats["rows_stored"] as? Int == 3_000)
    #expect(stats["duplicate_rows"] as? Int == 0)
    for key in ["dropped_columns", "dropped_records", "nulled_values", "truncated_values"] {
      #expect(stats[key] as? Int == 0, "\(key)")
    }
    // One batches row per request, all delivered, each body within the limit.
    #expect(try sqlite(db, "SELECT count(DISTINCT outcome), max(raw_bytes) <= 100000, sum(rows) FROM batches") == "1|1|3000")
    #expect(try sqlite(db, "SELECT count(*) FROM findings WHERE batch_id IS NULL OR sent_at IS NULL") == "0")
    // A second drain finds nothing to do.
    let again = try runCLI(["drain", "--db", db, "--config", emulator.configPath])
    #expect(again.status == 0)
    #expect(again.stdout.contains("sent 0 rows"))
  }

  @Test func faultMatrixEndsWithEveryRowSent() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(
      in: dir,
      flags: [
        "--workspace", dir.file("ws.sqlite"), "--fault-seed", "11", "--fault-429", "0.15", "--fault-500", "0.1",
        "--fault-503", "0.1", "--fault-reset", "0.1", "--fault-lost-ack", "0.1", "--retry-after", "1",
      ])
    let db = try enqueuedDatabase(in: dir, count: 2_000)
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath, "--max-body-bytes", "20000"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try outboxStatus(db)["sent"] == 2_000)
    let stats = try emulator.stats()
    let faults = stats["faults_injected"] as? [String: Int] ?? [:]
    #expect(faults.values.reduce(0, +) > 0)
    let rowsPerRequest = Int(try sqlite(db, "SELECT max(rows) FROM batches")) ?? 0
    let duplicates = stats["duplicate_rows"] as? Int ?? -1
    #expect(duplicates <= (faults["lost_ack"] ?? 0) * rowsPerRequest)
    #expect((stats["rows_stored"] as? Int ?? 0) - duplicates == 2_000)
    // Retries were recorded as such, and the 429s waited (their rows were given back, not dead).
    #expect(try sqlite(db, "SELECT count(*) FROM batches WHERE outcome = 'retry'") != "0")
    #expect(try outboxStatus(db)["dead"] == 0)
  }

  @Test func tokenExpiryMidRunIsRefreshed() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--token-ttl", "2", "--latency-ms", "150"])
    let db = try enqueuedDatabase(in: dir, count: 1_500)
    let result = try runCLI([
      "drain", "--db", db, "--config", emulator.configPath, "--max-body-bytes", "8000", "--concurrency", "2",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try outboxStatus(db)["sent"] == 1_500)
    #expect(try emulator.stat("tokens_issued") >= 2)
    let statuses = try emulator.stats()["requests_by_status"] as? [String: Int] ?? [:]
    #expect(statuses["401"] == nil, "a token was used after it expired: \(statuses)")
  }
}
