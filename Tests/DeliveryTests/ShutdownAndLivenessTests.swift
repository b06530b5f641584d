import Foundation
import OutboxTestSupport
import Testing

/// Crash loops, SIGTERM against a hung endpoint, and a drain that died but was never reaped.
@Suite(.serialized, .timeLimit(.minutes(10))) struct ShutdownAndLivenessTests {
  /// An emulator that takes every request and never answers within a test's life. Killed with
  /// SIGKILL at the end: a graceful stop would wait for the hung requests.
  final class HungEmulator {
    let emulator: EmulatorProcess
    init(_ dir: TemporaryDirectory) throws {
      emulator = try EmulatorProcess(in: dir, flags: ["--latency-ms", "600000"])
    }
    var configPath: String { emulator.configPath }
    deinit {
      kill(emulator.process.processIdentifier, SIGKILL)
      emulator.process.waitUntilExit()
    }
  }

  static func hungEmulator(_ dir: TemporaryDirectory) throws -> HungEmulator { try HungEmulator(dir) }

  static func requestsReceived(_ hung: HungEmulator) throws -> Int {
    try hung.emulator.stat("requests_received")
  }

  /// 13 SIGKILLs in a row while requests hang: no row dead, no attempt spent on any row.
  @Test func aCrashLoopAgainstAHungEndpointSpendsNothing() throws {
    let dir = TemporaryDirectory()
    let emulator = try Self.hungEmulator(dir)
    let db = try enqueuedDatabase(in: dir, count: 5_000)
    for round in 1...13 {
      let drain = try startDrain(["--db", db, "--config", emulator.configPath, "--max-body-bytes", "20000"])
      #expect(try waitUntil { try outboxStatus(db)["sending", default: 0] > 0 }, "round \(round)")
      kill(drain.processIdentifier, SIGKILL)
      drain.waitUntilExit()
    }
    #expect(try sqlite(db, "SELECT count(*), max(attempts) FROM findings WHERE state = 'dead' OR attempts > 0") == "0|")
    // The next drain (holding the drain lock) takes every orphaned lease over at once.
    let stuck = try startDrain(["--db", db, "--config", emulator.configPath, "--max-body-bytes", "20000"])
    #expect(try waitUntil { try sqlite(db, "SELECT count(DISTINCT owner) FROM leases") == "1" })
    kill(stuck.processIdentifier, SIGKILL)
    stuck.waitUntilExit()
  }

  /// After SIGTERM no new request starts; requests under way get --shutdown-grace, then are
  /// aborted and their rows given back; the process exits 0.
  @Test func sigtermWithAHungEndpointExitsWithinTheGraceAndStartsNothing() throws {
    let dir = TemporaryDirectory()
    let emulator = try Self.hungEmulator(dir)
    let db = try enqueuedDatabase(in: dir, count: 5_000)
    let drain = try startDrain([
      "--db", db, "--config", emulator.configPath, "--max-body-bytes", "20000", "--concurrency", "4",
      "--shutdown-grace", "2s",
    ])
    #expect(try waitUntil { try Self.requestsReceived(emulator) == 4 }, "every worker has a request under way")
    kill(drain.processIdentifier, SIGTERM)
    // A liveness bound (the process must end), far above the 2 s grace.
    #expect(waitUntil(limit: 1_500) { !drain.isRunning }, "the drain must exit after its grace")
    if drain.isRunning { kill(drain.processIdentifier, SIGKILL) }
    drain.waitUntilExit()
    #expect(drain.terminationReason == .exit && drain.terminationStatus == 0)
    #expect(try Self.requestsReceived(emulator) == 4, "no request started after the signal")
    let status = try outboxStatus(db)
    #expect(status["pending"] == 5_000 && status["sending"] == 0 && status["dead"] == 0)
  }

  /// A drain killed but not yet reaped (a zombie) still answers kill(pid, 0); its leases must
  /// not block the next drain, which holds the drain lock the dead one's kernel released.
  @Test func aZombieDrainDoesNotHoldItsRows() throws {
    let dir = TemporaryDirectory()
    let hung = try Self.hungEmulator(dir)
    let db = try enqueuedDatabase(in: dir, count: 3_000)
    // Spawned without Foundation's Process, which would reap it.
    var pid: pid_t = 0
    let arguments = [CLIBinary.path, "drain", "--db", db, "--config", hung.configPath, "--max-body-bytes", "20000"]
    var argv = arguments.map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    #expect(posix_spawn(&pid, CLIBinary.path, &actions, nil, &argv, environ) == 0)
    posix_spawn_file_actions_destroy(&actions)
    #expect(try waitUntil { try outboxStatus(db)["sending", default: 0] > 0 })
    kill(pid, SIGKILL)
    #expect(waitUntil { Self.isZombie(pid) }, "the killed drain stays a zombie until reaped")
    #expect(kill(pid, 0) == 0, "a zombie still answers kill(pid, 0)")

    let dir2 = TemporaryDirectory()
    let healthy = try EmulatorProcess(in: dir2)
    let next = try runCLI(["drain", "--db", db, "--config", healthy.configPath, "--max-body-bytes", "20000"])
    #expect(next.status == 0, "\(next.stderr)")
    #expect(try outboxStatus(db)["sent"] == 3_000, "\(next.stdout)")
    var status: Int32 = 0
    waitpid(pid, &status, 0)
  }

  static func isZombie(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return false }
    return stat[stat.index(close, offsetBy: 2)] == "Z"
  }
}
