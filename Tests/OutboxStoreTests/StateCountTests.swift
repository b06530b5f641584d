import Findings
import OutboxStore
import OutboxTestSupport
import SQLite
import Testing

/// `status` reads `delivery_counts`; these tests hold it to a full count after every kind of change.
@Suite struct StateCountTests {
  let directory = TemporaryDirectory()

  /// A small deterministic PRNG, so a failing sequence can be replayed.
  struct Steps {
    var state: UInt64
    mutating func below(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
  }

  func expectCountsMatch(_ outbox: Outbox, _ step: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let check = try outbox.checkStateCounts()
    #expect(check.matches, "after \(step): stored \(check.stored), counted \(check.counted)", sourceLocation: sourceLocation)
  }

  @Test(arguments: [1, 2, 3, 4])
  func countsEqualAFullCountAfterEveryOperation(seed: UInt64) throws {
    let outbox = try Outbox(path: directory.file("outbox-\(seed).sqlite"))
    var steps = Steps(state: seed)
    var now: Int64 = 1_000
    var inFlight: [[ClaimedFinding]] = []
    for step in 0..<300 {
      now += Int64(steps.below(400))
      let operation = steps.below(9)
      switch operation {
      case 0, 1:
        // New keys, changed content of known keys and unchanged repeats, some refreshed.
        let findings = (0..<steps.below(40)).map { _ in
          validFinding(vulnId: "CVE-2025-\(steps.below(60))", machine: "host-\(steps.below(3))", title: "t\(steps.below(2))")
        }
        _ = try outbox.enqueue(findings, now: now, refreshAfter: steps.below(2) == 0 ? 100 : nil)
      case 2, 3:
        let claimed = try outbox.claim(
          owner: "h:\(steps.below(3)):x", limit: steps.below(30) + 1, leaseMillis: 500, now: now)
        if !claimed.isEmpty { inFlight.append(claimed) }
      case 4 where !inFlight.isEmpty:
        try outbox.markSent(inFlight.removeFirst(), batchID: Int64(step), now: now)
      case 5 where !inFlight.isEmpty:
        try outbox.release(inFlight.removeFirst(), retryAt: now + 50, error: "HTTP 503", countAttempt: true, now: now)
      case 6 where !inFlight.isEmpty:
        let rows = inFlight.removeFirst()
        try outbox.markDead(Array(rows.prefix(3)), error: "HTTP 400", reason: .rejectedByService, batchID: nil, now: now)
        inFlight.append(Array(rows.dropFirst(3)))
      case 7:
        _ = try outbox.retryDead(matching: FindingFilter(machineName: steps.below(2) == 0 ? nil : "host-1"), now: now)
      case 8:
        _ = try outbox.prune(
          sentBefore: now - Int64(steps.below(2_000)), deadBefore: steps.below(2) == 0 ? now : nil,
          compact: steps.below(2) == 0)
      default:
        break
      }
      try expectCountsMatch(outbox, "step \(step) (operation \(operation))")
    }
    let status = try outbox.status()
    let check = try outbox.checkStateCounts()
    #expect([status.pending, status.sending, status.sent, status.dead] == DeliveryState.allCases.map { check.counted[$0] })
  }

  @Test func aTransactionThatFailsChangesNeitherRowsNorCounts() throws {
    let outbox = try Outbox(path: directory.file("outbox.sqlite"))
    _ = try outbox.enqueue([validFinding(vulnId: "CVE-2025-1")], now: 1_000)
    struct Interrupted: Error {}
    #expect(throws: Interrupted.self) {
      try outbox.withEnqueueTransaction { transaction in
        _ = try transaction.insert((2..<50).map { StorableFinding(validFinding(vulnId: "CVE-2025-\($0)")) }, now: 2_000)
        throw Interrupted()
      }
    }
    try expectCountsMatch(outbox, "a rolled-back enqueue")
    #expect(try outbox.status().pending == 1)
  }

  @Test func aMigratedVersion2DatabaseStartsWithTrueCounts() throws {
    let path = directory.file("v2.sqlite")
    let rows = """
      INSERT INTO finding_content (id, vuln_id, machine_name, last_modified, payload, content_hash, enqueued_at) VALUES
        (1, 'CVE-1', 'm', '2025-01-01T00:00:00Z', '{"VulnId":"CVE-1","MachineName":"m","LastModified":"2025-01-01T00:00:00Z","Status":"Open"}', x'00', 1),
        (2, 'CVE-2', 'm', '2025-01-01T00:00:00Z', '{"VulnId":"CVE-2","MachineName":"m","LastModified":"2025-01-01T00:00:00Z"}', x'00', 1),
        (3, 'CVE-3', 'm', '2025-01-01T00:00:00Z', NULL, x'00', 1);
      INSERT INTO finding_delivery (id, state, attempts, next_attempt_at, updated_at, sent_at, last_error) VALUES
        (1, 'pending', 0, 1, 1, NULL, NULL), (2, 'sent', 1, 1, 1, 5, NULL), (3, 'dead', 3, 1, 1, NULL, 'HTTP 400 x');
      """
    let failure = createVersion2Database(path, rows: rows)
    #expect(failure == nil, "\(failure ?? "")")
    let outbox = try Outbox(path: path)
    try expectCountsMatch(outbox, "migration")
    let status = try outbox.status()
    #expect([status.pending, status.sent, status.dead] == [1, 1, 1])
    // The key columns moved out of the payload; the rows read and send as before.
    #expect(query(path, "SELECT payload FROM finding_content ORDER BY id") == [[#"{"Status":"Open"}"#], ["{}"], ["NULL"]])
    #expect(
      query(path, "SELECT payload FROM findings WHERE id = 1")
        == [[#"{"VulnId":"CVE-1","MachineName":"m","LastModified":"2025-01-01T00:00:00Z","Status":"Open"}"#]])
    let claimed = try outbox.claim(owner: "h:1:x", limit: 5, leaseMillis: 1_000, now: 10)
    #expect(
      claimed.map { String(decoding: $0.payload, as: UTF8.self) } == [
        #"{"VulnId":"CVE-1","MachineName":"m","LastModified":"2025-01-01T00:00:00Z","Status":"Open"}"#
      ])
    // A key enqueued again is found through the hash the migration computed.
    let again = try outbox.enqueue([validFinding(vulnId: "CVE-2025-9")], now: 20)
    #expect(again.new == 1)
    #expect(try outbox.enqueue([validFinding(vulnId: "CVE-2025-9")], now: 30).unchanged == 1)
  }

  @Test func recountRepairsCountsChangedBehindTheOutboxsBack() throws {
    let path = directory.file("outbox.sqlite")
    let outbox = try Outbox(path: path)
    _ = try outbox.enqueue((0..<5).map { validFinding(vulnId: "CVE-2025-\($0)") }, now: 1_000)
    #expect(changeByHand(path, "UPDATE finding_delivery SET state = 'dead' WHERE id <= 2") == nil)
    #expect(try !outbox.checkStateCounts().matches)
    let before = try outbox.recountStates()
    #expect(!before.matches)
    try expectCountsMatch(outbox, "recount")
    #expect(try outbox.status().dead == 2)
  }
}

/// Runs `sql` on its own connection, as an operator at a `sqlite3` prompt would; nil when it worked.
private func changeByHand(_ path: String, _ sql: String) -> String? {
  do {
    try Connection(path: path, create: false).execute(sql)
    return nil
  } catch {
    return error.description
  }
}
