import Foundation
import OutboxTestSupport
import Testing

/// 400 for particular rows: the real `drain` against an emulator told to refuse bodies holding
/// a marked row (`--reject-rows-containing`).
@Suite(.serialized, .timeLimit(.minutes(10))) struct BisectEndToEndTests {
  static let marker = "REJECTED-BY-EMULATOR-7f3a"
  static let markedIndexes = [17, 101, 188]

  /// 200 findings as NDJSON; the marked ones carry the marker in VulnTitle.
  static func input() -> String {
    (0..<200).map { index in
      Fixtures.finding(
        vulnId: "CVE-2025-\(10_000 + index)", machine: "host-\(index % 37)",
        overrides: markedIndexes.contains(index) ? ["VulnTitle": "Heap overflow \(marker) in parser"] : [:]) + "\n"
    }.joined()
  }

  @Test func onlyTheRefusedRowsGoDeadAndEveryOtherRowArrivesOnce() throws {
    let dir = TemporaryDirectory()
    let workspace = dir.file("arrived.sqlite")
    let emulator = try EmulatorProcess(
      in: dir, flags: ["--workspace", workspace, "--reject-rows-containing", Self.marker])
    let db = dir.file("outbox.sqlite")
    let enqueue = try runCLI(["enqueue", "--db", db, "-"], stdin: Data(Self.input().utf8))
    #expect(enqueue.status == 0, "\(enqueue.stderr)")

    // About a dozen rows per body: several requests, three of them refused.
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath, "--max-body-bytes", "4000"])
    #expect(result.status == 1, "drain should report dead rows: \(result.stderr)")

    let expectedDead = Self.markedIndexes.map { "CVE-2025-\(10_000 + $0)" }.joined(separator: "\n")
    #expect(try sqlite(db, "SELECT vuln_id FROM findings WHERE state = 'dead' ORDER BY vuln_id") == expectedDead)
    let errors = try sqlite(db, "SELECT DISTINCT last_error FROM findings WHERE state = 'dead'")
    #expect(
      errors
        == "HTTP 400: InvalidArgument: 1 of 1 records are invalid (records 0); the first contains "
        + "'\(Self.marker)', which the emulator was told to reject (--reject-rows-containing). "
        + "Nothing from this request was ingested.")
    let status = try outboxStatus(db)
    #expect(status["sent"] == 197)
    #expect(status["dead"] == 3)
    #expect(status["pending"] == 0 && status["sending"] == 0)
    // Bisecting reuses the lease: no row spent a second attempt.
    #expect(try sqlite(db, "SELECT max(attempts) FROM findings") == "1")
    #expect(try sqlite(db, "SELECT count(*) FROM batches WHERE outcome = 'rejected'") == "3")
    #expect(try sqlite(db, "SELECT count(*) FROM batches WHERE outcome = 'split'") != "0")

    // What arrived: exactly the sent rows, each once (no faults, so no resends), none marked.
    let sent = try sqlite(
      db, "SELECT vuln_id || ' ' || machine_name FROM findings WHERE state = 'sent' ORDER BY vuln_id, machine_name")
    let arrived = try sqlite(
      workspace,
      "SELECT VulnId || ' ' || MachineName FROM cveBusterVulnerabilities_CL ORDER BY VulnId, MachineName")
    #expect(arrived == sent)
    #expect(sent.split(separator: "\n").count == 197)
    #expect(try sqlite(workspace, "SELECT count(*) FROM cveBusterVulnerabilities_CL WHERE instr(VulnTitle, '\(Self.marker)') > 0") == "0")
    #expect(try emulator.stat("duplicate_rows") == 0)
    #expect(try emulator.stat("rows_stored") == 197)

    // The refused requests are exactly the batches recorded as split or rejected.
    let refusedBatches = try sqlite(db, "SELECT count(*) FROM batches WHERE http_status = 400")
    let byStatus = try emulator.stats()["requests_by_status"] as? [String: Int]
    #expect(byStatus?["400"].map(String.init) == refusedBatches)
    #expect(
      try sqlite(db, "SELECT count(*) FROM batches WHERE http_status = 400 AND outcome NOT IN ('split', 'rejected')")
        == "0")
  }

  /// All 200 rows in one body: the refused single rows are held until another part of the same
  /// body is delivered, which proves the request itself is fine; then only they go dead.
  @Test func oneLargeBodyDeadLettersOnlyTheMarkedRows() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--reject-rows-containing", Self.marker])
    let db = dir.file("outbox.sqlite")
    let enqueue = try runCLI(["enqueue", "--db", db, "-"], stdin: Data(Self.input().utf8))
    #expect(enqueue.status == 0, "\(enqueue.stderr)")
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath])
    #expect(result.status == 1, "\(result.stderr)")
    let expectedDead = Self.markedIndexes.map { "CVE-2025-\(10_000 + $0)" }.joined(separator: "\n")
    #expect(try sqlite(db, "SELECT vuln_id FROM findings WHERE state = 'dead' ORDER BY vuln_id") == expectedDead)
    #expect(try sqlite(db, "SELECT count(*) FROM findings WHERE state = 'dead' AND last_error LIKE 'HTTP 400: InvalidArgument: 1 of 1 records%'") == "3")
    #expect(try outboxStatus(db)["sent"] == 197)
    #expect(try sqlite(db, "SELECT max(attempts) FROM findings") == "1")
    #expect(try emulator.stat("rows_stored") == 197)
  }

  /// Every row refused, down to single rows: that is the request, not its rows (a wrong stream
  /// under an error code the drain does not know, say). The run stops as a configuration error
  /// after a handful of requests, and no row is dead-lettered or spends an attempt.
  @Test func aBodyRefusedInEveryPartStopsTheRunWithNoDeadRows() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--reject-rows-containing", "VulnId"])
    let db = try enqueuedDatabase(in: dir, count: 200)
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath])
    #expect(result.status == 78, "\(result.stderr)")
    #expect(result.stderr.contains("refused every part of a 200-row request"), "\(result.stderr)")
    #expect(result.stderr.contains("stream_name"), "\(result.stderr)")
    let status = try outboxStatus(db)
    #expect(status["pending"] == 200 && status["dead"] == 0 && status["sending"] == 0)
    #expect(try sqlite(db, "SELECT max(attempts) FROM findings") == "0")
    // 15 refusals decide it. Parts already sent when the verdict is recorded still answer: at
    // most the 16 bodies of the bisection's fifth level, so at most 31 requests, not the ~400 it
    // would take to reach every single row.
    let refused = Int(try sqlite(db, "SELECT count(*) FROM batches WHERE http_status = 400")) ?? 0
    #expect(refused >= 15 && refused <= 31, "\(refused) requests refused")
    #expect(try emulator.stat("rows_stored") == 0)
  }

  @Test func aRunWithNothingRefusedExitsZero() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--reject-rows-containing", "TEXT-NO-FINDING-HAS"])
    let db = try enqueuedDatabase(in: dir, count: 200)
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath, "--max-body-bytes", "4000"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try outboxStatus(db)["sent"] == 200)
    #expect(try emulator.stat("rows_stored") == 200)
  }
}
