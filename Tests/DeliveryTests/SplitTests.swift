import Delivery
import Emulator
import Findings
import Foundation
import Ingestion
import OutboxStore
import OutboxTestSupport
import Testing

/// 413 handling against an in-process emulator with a small wire limit.
@Suite(.serialized, .timeLimit(.minutes(10))) struct SplitTests {
  /// Serves an emulator in this process and returns its base URL.
  static func serve(_ settings: EmulatorSettings) async throws -> (EmulatorServer, Task<Void, any Error>, String) {
    let server = try EmulatorServer(settings: settings)
    let (urls, continuation) = AsyncStream.makeStream(of: String.self)
    let task = Task { try await server.run { continuation.yield($0) } }
    var iterator = urls.makeAsyncIterator()
    guard let url = await iterator.next() else { throw HarnessError("emulator did not start") }
    return (server, task, url)
  }

  /// Runs a drain on its own thread (it blocks), returning its report.
  static func drain(db: String, configuration: ClientConfiguration) async throws -> DrainReport {
    try await withCheckedThrowingContinuation { continuation in
      Thread {
        do {
          let outbox = try Outbox(path: db, options: OutboxOptions(create: false))
          var options = DrainOptions()
          options.concurrency = 2
          continuation.resume(returning: try Drainer(outbox: outbox, configuration: configuration, options: options).run())
        } catch {
          continuation.resume(throwing: error)
        }
      }.start()
    }
  }

  @Test func tooLargeBodiesAreSplitAndAnUnsendableRowGoesDead() async throws {
    let dir = TemporaryDirectory()
    var settings = EmulatorSettings()
    settings.maxWireBytes = 6_000
    let (_, task, url) = try await Self.serve(settings)
    defer { task.cancel() }
    // 2,000 ordinary rows plus one whose title does not compress below the wire limit.
    var generator = SystemRandomNumberGenerator()
    let noise = (0..<9_000).map { _ in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".randomElement(using: &generator)! }
    let big = Fixtures.finding(vulnId: "CVE-2099-0001", overrides: ["VulnTitle": String(noise)])
    let input = Fixtures.ndjson(count: 2_000) + big + "\n"
    let db = dir.file("outbox.sqlite")
    #expect(try runCLI(["enqueue", "--db", db, "-"], stdin: Data(input.utf8)).status == 0)
    let identity = settings.identity
    let config = dir.write(
      "cfg.json",
      """
      {"tenant_id": "\(identity.tenantId)", "application_id": "\(identity.clientId)",
       "dce_endpoint": "\(url)", "authority_host": "\(url)", "dcr_immutable_id": "\(identity.dcrImmutableId)",
       "stream_name": "\(settings.stream.streamName)"}
      """)
    let configuration = try ClientConfiguration.load(
      path: config, environment: ["AZURE_CLIENT_SECRET": identity.clientSecret])
    let report = try await Self.drain(db: db, configuration: configuration)
    #expect(report.sentRows == 2_000)
    #expect(report.deadRows == 1)
    #expect(report.stop == .drained)
    #expect(try sqlite(db, "SELECT count(*) FROM batches WHERE outcome = 'split'") != "0")
    let oversized = try sqlite(
      db, "SELECT id, rows, raw_bytes, wire_bytes, http_status FROM batches WHERE outcome = 'delivered' AND wire_bytes > 6000")
    #expect(oversized.isEmpty, "delivered over the wire limit: \(oversized)")
    let dead = try sqlite(db, "SELECT vuln_id || ' ' || last_error FROM findings WHERE state = 'dead'")
    #expect(dead.hasPrefix("CVE-2099-0001 HTTP 413"))
    #expect(dead.contains("ContentLengthLimitExceeded"))
    // Splits reuse the lease: no row spent more than its one attempt.
    #expect(try sqlite(db, "SELECT max(attempts) FROM findings") == "1")
  }
}
