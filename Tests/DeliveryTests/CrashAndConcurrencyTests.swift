import Foundation
import OutboxTestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(10))) struct CrashAndConcurrencyTests {
  /// SIGKILL a real drain at random moments, then finish: nothing lost, duplicates bounded.
  @Test func killedDrainsLoseNothing() throws {
    let soak = ProcessInfo.processInfo.environment["CVEBUSTER_SOAK"] == "1"
    let kills = soak ? 200 : 20
    // Enough rows, and slow enough answers (~2,600 rows/s), that nearly every kill lands mid-run.
    let rows = soak ? 100_000 : 12_000
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(
      in: dir, flags: ["--workspace", dir.file("ws.sqlite"), "--latency-ms", "50"])
    let db = try enqueuedDatabase(in: dir, count: rows)
    var generator = SystemRandomNumberGenerator()
    var killed = 0
    let concurrency = 2
    for _ in 0..<kills {
      let drain = try startDrain([
        "--db", db, "--config", emulator.configPath, "--max-body-bytes", "20000", "--concurrency", "\(concurrency)",
      ])
      usleep(UInt32.random(in: 30_000...400_000, using: &generator))
      if drain.isRunning {
        kill(drain.processIdentifier, SIGKILL)
        killed += 1
      }
      drain.waitUntilExit()
    }
    let final = try runCLI(["drain", "--db", db, "--config", emulator.configPath, "--max-body-bytes", "20000"])
    #expect(final.status == 0, "\(final.stderr)")
    #expect(killed >= kills / 2, "most drains should have been killed mid-run (killed \(killed))")
    let status = try outboxStatus(db)
    #expect(status["sent"] == rows)
    #expect(status["sending"] == 0)
    #expect(try sqlite(db, "PRAGMA integrity_check") == "ok")
    // Twenty SIGKILLs at random moments: the per-state counts still equal a full count.
    #expect(
      try sqlite(db, "SELECT count(*) FROM delivery_counts AS k WHERE rows <> (SELECT count(*) FROM finding_delivery AS d WHERE d.state = k.state)")
        == "0")
    let rowsPerRequest = Int(try sqlite(db, "SELECT max(rows) FROM batches")) ?? 0
    let stats = try emulator.stats()
    let stored = stats["rows_stored"] as? Int ?? 0
    let duplicates = stats["duplicate_rows"] as? Int ?? -1
    #expect(stored - duplicates == rows, "every key delivered at least once")
    // A kill can lose the answers of every request the drain had outstanding (in flight, or
    // answered but not yet recorded): it packs ahead while fewer than concurrency + 1 are
    // outstanding, and one claim (about 2 × concurrency bodies' worth of rows) can add its bodies
    // at once, so at most 3 × concurrency.
    #expect(duplicates <= killed * 3 * concurrency * rowsPerRequest)
  }

  /// A drain whose lease expired while it was paused changes nothing when it wakes.
  @Test func pausedDrainPastItsLeaseIsFenced() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--latency-ms", "300"])
    let db = try enqueuedDatabase(in: dir, count: 1_000)
    let paused = Process()
    paused.executableURL = URL(fileURLWithPath: CLIBinary.path)
    paused.arguments = [
      "drain", "--db", db, "--config", emulator.configPath, "--max-body-bytes", "20000", "--lease", "1s", "--no-lock",
    ]
    let out = Pipe()
    paused.standardOutput = out
    paused.standardError = FileHandle.nullDevice
    try paused.run()
    #expect(try waitUntil { try outboxStatus(db)["sending", default: 0] > 0 })
    kill(paused.processIdentifier, SIGSTOP)
    usleep(1_500_000)  // let its 1 s lease expire
    let other = try runCLI(["drain", "--db", db, "--config", emulator.configPath, "--no-lock"])
    #expect(other.status == 0, "\(other.stderr)")
    #expect(try outboxStatus(db)["sent"] == 1_000)
    let sentAt = try sqlite(db, "SELECT group_concat(id || ':' || batch_id) FROM findings")
    kill(paused.processIdentifier, SIGCONT)
    paused.waitUntilExit()
    let report = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(report.contains("lost lease on"), "\(report)")
    // The woken drain changed no row: same batch for every row, none back to pending or sending.
    #expect(try sqlite(db, "SELECT group_concat(id || ':' || batch_id) FROM findings") == sentAt)
    #expect(try outboxStatus(db)["sent"] == 1_000)
  }

  /// Two drains on one database at once: every row sent, no key in two requests.
  @Test func concurrentDrainsNeverSendAKeyTwice() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--workspace", dir.file("ws.sqlite"), "--latency-ms", "10"])
    let db = try enqueuedDatabase(in: dir, count: 6_000)
    let arguments = [
      "--db", db, "--config", emulator.configPath, "--max-body-bytes", "20000", "--no-lock", "--concurrency", "2",
      "--claim-rows", "300",
    ]
    let first = try startDrain(arguments)
    let second = try startDrain(arguments)
    first.waitUntilExit()
    second.waitUntilExit()
    #expect(first.terminationStatus == 0 && second.terminationStatus == 0)
    #expect(try outboxStatus(db)["sent"] == 6_000)
    #expect(try sqlite(db, "SELECT count(DISTINCT lease_owner) FROM batches") == "2")
    #expect(try emulator.stat("duplicate_rows") == 0)
    #expect(try emulator.stat("rows_stored") == 6_000)
  }

  /// `drain --watch` sends what arrives and exits 0 on SIGTERM.
  @Test func watchDrainsNewRowsAndStopsOnSIGTERM() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir)
    let db = try enqueuedDatabase(in: dir, count: 100)
    let watcher = try startDrain(["--db", db, "--config", emulator.configPath, "--watch", "--interval", "1s"])
    #expect(try waitUntil { try outboxStatus(db)["sent"] == 100 })
    let more = try runCLI(
      ["enqueue", "--db", db, "-"], stdin: Data(Fixtures.ndjson(count: 50, machinePrefix: "late").utf8))
    #expect(more.status == 0)
    #expect(try waitUntil { try outboxStatus(db)["sent"] == 150 })
    kill(watcher.processIdentifier, SIGTERM)
    watcher.waitUntilExit()
    #expect(watcher.terminationReason == .exit)
    #expect(watcher.terminationStatus == 0)
  }
}
