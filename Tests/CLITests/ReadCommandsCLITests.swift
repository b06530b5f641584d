import Foundation
import OutboxTestSupport
import Testing

/// `status`, `inspect` and `doctor` never write: they answer while another process holds the
/// write lock, leave the file byte-identical, and report an old schema instead of migrating it.
@Suite(.serialized, .timeLimit(.minutes(10))) struct ReadCommandsCLITests {
  @Test func readersAnswerUnderAHeldWriteLockAndChangeNothing() throws {
    let dir = TemporaryDirectory()
    let db = try enqueuedDatabase(in: dir, count: 20)
    // Another process holds the write lock for the whole test (sqlite3 in the background).
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    holder.arguments = ["-cmd", ".timeout 10000", db]
    let input = Pipe()
    holder.standardInput = input
    holder.standardOutput = FileHandle.nullDevice
    try holder.run()
    try input.fileHandleForWriting.write(contentsOf: Data("BEGIN IMMEDIATE; UPDATE finding_delivery SET updated_at = 1;\n".utf8))
    defer {
      try? input.fileHandleForWriting.close()
      holder.waitUntilExit()
    }
    // Wait until the lock is really held: a writer now times out.
    var locked = false
    for _ in 0..<500 where !locked {  // a liveness bound, not a timing assertion
      locked = try runProcess("/usr/bin/sqlite3", [db, "BEGIN IMMEDIATE;"]).status != 0
      if !locked { usleep(20_000) }
    }
    #expect(locked, "the background sqlite3 must hold the write lock")
    let before = FileManager.default.contents(atPath: db)

    let status = try runCLI(["status", "--db", db, "--json"])
    #expect(status.status == 0, "\(status.stderr)")
    #expect(status.stdout.contains("\"pending\" : 20"), "\(status.stdout)")
    let inspect = try runCLI(["inspect", "--db", db, "--state", "pending"])
    #expect(inspect.status == 0, "\(inspect.stderr)")
    let doctor = try runCLI(["doctor", "--db", db, "--json"])
    #expect(doctor.stdout.contains("database.open"), "\(doctor.stdout)")
    #expect(!doctor.stdout.contains("locked"), "\(doctor.stdout)")
    #expect(FileManager.default.contents(atPath: db) == before, "no reader changed the file")
  }

  /// A drain timer enabled before the first scan: the outbox and even its directory do not exist.
  @Test func drainBeforeTheFirstEnqueueSucceedsAndCreatesNothing() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir)
    let db = dir.file("state/not-yet/outbox.sqlite")
    let result = try runCLI(["drain", "--config", emulator.configPath, "--db", db])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("nothing enqueued yet"))
    #expect(access(dir.file("state"), F_OK) != 0, "no directory, database or lock file is created")
  }
}
