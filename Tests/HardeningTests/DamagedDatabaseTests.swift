import Foundation
import OutboxTestSupport
import Testing

/// 64 KiB of random bytes over the middle of a valid outbox (issue 15, item 4): the damage is
/// met, the transaction rolled back, exit 74 with recovery steps, and no message claims the
/// file was left untouched.
@Suite(.timeLimit(.minutes(10))) struct DamagedDatabaseTests {
  @Test func aDamagedPageEndsTheCommandWithRecoveryStepsAndNoFalseClaim() throws {
    let dir = TemporaryDirectory()
    let db = try enqueuedDatabase(in: dir, count: 5_000)
    let size = try #require(try FileManager.default.attributesOfItem(atPath: db)[.size] as? Int)
    let handle = try #require(FileHandle(forUpdatingAtPath: db))
    var generator = SystemRandomNumberGenerator()
    try handle.seek(toOffset: UInt64(size / 2))
    try handle.write(contentsOf: Data((0..<65_536).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    try handle.close()

    let emulator = try EmulatorProcess(in: dir)
    let drain = try runCLI(["drain", "--db", db, "--config", emulator.configPath])
    #expect(drain.status == 74, "\(drain.stderr)")
    #expect(drain.stderr.contains("damaged"), "\(drain.stderr)")
    #expect(drain.stderr.contains(".recover"), "\(drain.stderr)")
    #expect(!drain.stderr.contains("untouched"), "\(drain.stderr)")
  }
}
