import Foundation
import HealthChecks
import OutboxStore
import OutboxTestSupport
import Testing

@Suite(.timeLimit(.minutes(10))) struct DatabaseChecksTests {
  @Test func missingDatabaseWarnsAndIsNotCreated() {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    let results = DatabaseChecks(path: path).run()
    #expect(results.map(\.status) == [.warn, .skipped, .skipped, .skipped, .skipped, .skipped])
    #expect(access(path, F_OK) != 0)
  }

  @Test func healthyDatabaseReportsVersionAndCounts() throws {
    let directory = TemporaryDirectory()
    let db = try enqueuedDatabase(in: directory, count: 25)
    let results = DatabaseChecks(path: db).run(now: Outbox.now() + 90_000)
    #expect(results.map(\.status) == [.pass, .pass, .pass, .pass, .pass, .pass])
    #expect(results[1].detail.hasPrefix("\(Outbox.latestSchemaVersion) "))
    #expect(results[3].detail == "pending 25, sending 0, sent 0, dead 0")
    #expect(results[4].detail == "25 for 25 rows, 0 stale")
    #expect(results[5].detail.hasPrefix("25 pending, 0 sending, 0 dead; oldest pending enqueued 1m"))
  }

  @Test func stalePendingRowsWarn() throws {
    let directory = TemporaryDirectory()
    let db = try enqueuedDatabase(in: directory, count: 3)
    let queue = DatabaseChecks(path: db).run(now: Outbox.now() + 2 * 86_400_000)[5]
    #expect(queue.status == .warn)
    #expect(queue.detail.contains("oldest pending enqueued 2d"))
  }

  @Test func foreignFileFailsAsLocalProblem() throws {
    let directory = TemporaryDirectory()
    let path = directory.write("outbox.sqlite", "this is not a database, just text long enough")
    let results = DatabaseChecks(path: path).run()
    #expect(results[0].status == .fail)
    #expect(results[0].problem == .local)
    #expect(results[0].detail.contains(path))
  }

  @Test func damagedPageFailsQuickCheck() throws {
    let directory = TemporaryDirectory()
    let db = try enqueuedDatabase(in: directory, count: 400)
    _ = try runProcess("/usr/bin/sqlite3", [db, "PRAGMA wal_checkpoint(TRUNCATE);"])
    // Overwrite the middle of page 3 onward (findings' b-tree pages), keeping the header and schema page.
    let handle = try #require(FileHandle(forUpdatingAtPath: db))
    let pageSize = 4096
    try handle.seek(toOffset: UInt64(pageSize * 3 + 100))
    try handle.write(contentsOf: Data(repeating: 0xA5, count: pageSize * 2))
    try handle.close()
    let results = DatabaseChecks(path: db).run()
    #expect(results[0].status == .pass)
    let integrity = try #require(results.first { $0.id == "database.integrity" })
    #expect(integrity.status == .fail)
    #expect(integrity.problem == .local)
  }

  /// A lookup pair deleted at a `sqlite3` prompt would let enqueue store its key twice: doctor
  /// fails, and the repair it prints puts the pair back.
  @Test func aRowWithoutItsLookupPairFailsAndThePrintedRepairWorks() throws {
    let directory = TemporaryDirectory()
    let db = try enqueuedDatabase(in: directory, count: 30)
    _ = try runProcess("/usr/bin/sqlite3", [db, "DELETE FROM fresh_keys WHERE id = 7"])
    let keys = try #require(DatabaseChecks(path: db).run().first { $0.id == "database.keys" })
    #expect(keys.status == .fail && keys.problem == .local)
    #expect(keys.detail == "29 lookup pairs for 30 rows: enqueue would store some keys twice")
    #expect(keys.fix?.contains(Outbox.repairKeyPairsSQL) == true)
    let repair = try runProcess("/usr/bin/sqlite3", [db, Outbox.repairKeyPairsSQL])
    #expect(repair.status == 0, "\(repair.stderr)")
    let repaired = try #require(DatabaseChecks(path: db).run().first { $0.id == "database.keys" })
    #expect(repaired.status == .pass, "\(repaired.detail)")
    let added = try runProcess("/usr/bin/sqlite3", [db, "SELECT added FROM key_merge"])
    #expect(added.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "31", "a running enqueue's filter goes stale")
    let pair = try runProcess("/usr/bin/sqlite3", [db, "SELECT count(*) FROM fresh_keys AS p JOIN finding_content AS c USING (key_hash, id) WHERE id = 7"])
    #expect(pair.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
  }

  /// Counts out of step only delay moves and sweeps: a warning, and the same repair recounts.
  @Test func pairCountsOutOfStepWarn() throws {
    let directory = TemporaryDirectory()
    let db = try enqueuedDatabase(in: directory, count: 30)
    _ = try runProcess("/usr/bin/sqlite3", [db, "UPDATE key_merge SET fresh = fresh + 5; UPDATE key_sweep SET stale = 2"])
    let keys = try #require(DatabaseChecks(path: db).run().first { $0.id == "database.keys" })
    #expect(keys.status == .warn)
    #expect(keys.detail == "counts out of step (fresh: stored 35, counted 30; stale: stored 2, counted 0)")
    let repair = try runProcess("/usr/bin/sqlite3", [db, Outbox.repairKeyPairsSQL])
    #expect(repair.status == 0, "\(repair.stderr)")
    #expect(DatabaseChecks(path: db).run().first { $0.id == "database.keys" }?.status == .pass)
  }
}
