import Delivery
import Emulator
import Findings
import Foundation
import Ingestion
import OutboxStore
import OutboxTestSupport
import Testing

/// A real outbox file in a temporary directory, a ``ManualClock`` and a configuration that
/// names an endpoint no test reaches: drains run in-process against a ``FakeEndpoint``.
final class DrainBench {
  let dir = TemporaryDirectory("drain-rules")
  let db: String
  let outbox: Outbox
  let clock = ManualClock()
  let configuration: ClientConfiguration

  /// - Parameter rows: findings enqueued, `VulnId` ``vulnId(_:)`` of 0 ..< rows.
  init(rows: Int) throws {
    db = dir.file("outbox.sqlite")
    outbox = try Outbox(path: db)
    let identity = EmulatorSettings().identity
    let config = dir.write(
      "cfg.json",
      """
      {"tenant_id": "\(identity.tenantId)", "application_id": "\(identity.clientId)",
       "dce_endpoint": "http://127.0.0.1:9", "authority_host": "http://127.0.0.1:9",
       "dcr_immutable_id": "\(identity.dcrImmutableId)", "stream_name": "\(EmulatorSettings().stream.streamName)"}
      """)
    configuration = try ClientConfiguration.load(
      path: config, environment: ["AZURE_CLIENT_SECRET": identity.clientSecret], enforcingPermissions: false)
    try enqueue(0..<rows)
  }

  static func vulnId(_ index: Int) -> String { "CVE-2025-\(10000 + index)" }

  /// Enqueues findings `VulnId` ``vulnId(_:)`` for each index.
  func enqueue(_ indices: Range<Int>) throws {
    let validator = FindingValidator()
    let findings = try indices.map { index in
      let text = Fixtures.finding(vulnId: Self.vulnId(index), machine: "host-\(index % 7)")
      return try validator.validate(bytes: Array(text.utf8)).get()
    }
    _ = try outbox.enqueue(findings, now: clock.now())
  }

  /// One drain run against `endpoint`, on this thread, on the bench's clock.
  func drain(_ endpoint: FakeEndpoint, _ configure: (inout DrainOptions) -> Void = { _ in }) throws -> DrainReport {
    var options = DrainOptions()
    options.concurrency = 1
    configure(&options)
    let drainer = Drainer(
      outbox: outbox, configuration: configuration, options: options, clock: clock, transport: endpoint.transport)
    return try drainer.run()
  }

  /// Every row as `inspect` sees it, by `VulnId`.
  func rows() throws -> [String: FindingRecord] {
    let records = try outbox.findings(matching: FindingFilter(limit: 100_000))
    return Dictionary(uniqueKeysWithValues: records.map { ($0.vulnId, $0) })
  }

  /// How many rows are in each state.
  func count(_ state: DeliveryState) throws -> Int { try rows().values.filter { $0.state == state }.count }

  /// The endpoint's remembered state, as the next run will read it.
  func endpointState() throws -> EndpointState {
    try outbox.endpointState(String(configuration.ingestionURL.prefix { $0 != "?" }))
  }

  /// One column of the rows matching `sql` (read through sqlite3, a second, independent reader).
  func query(_ sql: String) throws -> String { try sqlite(db, sql) }
}
