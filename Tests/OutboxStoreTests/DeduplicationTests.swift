import Findings
import OutboxStore
import OutboxTestSupport
import Testing

/// New / updated / unchanged for a key in every state the row can be in.
@Suite(.timeLimit(.minutes(10))) struct DeduplicationTests {
  let directory = TemporaryDirectory()
  let owner = "test-host:1:owner"

  func outbox() throws -> Outbox { try Outbox(path: directory.file("outbox.sqlite")) }

  /// Puts the fixture key into `state` and returns the outbox.
  func outbox(withRowIn state: DeliveryState) throws -> Outbox {
    let outbox = try outbox()
    #expect(try outbox.enqueue([validFinding()], now: 1_000) == EnqueueCounts(new: 1))
    guard state != .pending else { return outbox }
    let claimed = try outbox.claim(owner: owner, limit: 10, leaseMillis: 60_000, now: 2_000)
    switch state {
    case .sent: try outbox.markSent(claimed, batchID: 1, now: 3_000)
    case .dead: try outbox.markDead(claimed, error: "rejected", reason: .rejectedByService, batchID: nil, now: 3_000)
    default: break
    }
    return outbox
  }

  @Test(arguments: DeliveryState.allCases)
  func identicalContentIsUnchanged(_ state: DeliveryState) throws {
    let outbox = try outbox(withRowIn: state)
    #expect(try outbox.enqueue([validFinding()], now: 5_000) == EnqueueCounts(unchanged: 1))
    let record = try #require(try outbox.findings(matching: FindingFilter()).first)
    #expect(record.state == state)
    #expect(record.revision == 1)
  }

  @Test(arguments: DeliveryState.allCases)
  func changedContentIsANewRevision(_ state: DeliveryState) throws {
    let outbox = try outbox(withRowIn: state)
    #expect(try outbox.enqueue([validFinding(title: "New title")], now: 5_000) == EnqueueCounts(updated: 1))
    let record = try #require(try outbox.findings(matching: FindingFilter()).first)
    #expect(record.revision == 2)
    // A row being sent keeps its lease; every other state goes back to pending.
    #expect(record.state == (state == .sending ? .sending : .pending))
    #expect(record.payload?.contains("New title") == true)
  }

  @Test func contentChangedWhileSendingIsSentAgain() throws {
    let outbox = try outbox()
    _ = try outbox.enqueue([validFinding()], now: 1_000)
    let claimed = try outbox.claim(owner: owner, limit: 10, leaseMillis: 60_000, now: 2_000)
    _ = try outbox.enqueue([validFinding(title: "Changed in flight")], now: 2_500)
    // The old revision's acknowledgement must not mark the new content as delivered.
    #expect(try outbox.markSent(claimed, batchID: 1, now: 3_000) == 1)
    let record = try #require(try outbox.findings(matching: FindingFilter()).first)
    #expect(record.state == .pending)
    let again = try outbox.claim(owner: owner, limit: 10, leaseMillis: 60_000, now: 4_000)
    #expect(again.count == 1)
    #expect(String(decoding: again[0].payload, as: UTF8.self).contains("Changed in flight"))
  }

  /// One acknowledgement of a range: the row changed in flight goes back, its neighbours are sent.
  @Test func onlyTheRowChangedInFlightInARangeIsSentAgain() throws {
    let outbox = try outbox()
    _ = try outbox.enqueue(["CVE-2025-1", "CVE-2025-2", "CVE-2025-3"].map { validFinding(vulnId: $0) }, now: 1_000)
    let claimed = try outbox.claim(owner: owner, limit: 10, leaseMillis: 60_000, now: 2_000)
    _ = try outbox.enqueue([validFinding(vulnId: "CVE-2025-2", title: "Changed in flight")], now: 2_500)
    #expect(try outbox.markSent(claimed, batchID: 1, now: 3_000) == 3)
    let states = try outbox.findings(matching: FindingFilter()).sorted { $0.vulnId < $1.vulnId }.map(\.state)
    #expect(states == [.sent, .pending, .sent])
    #expect(try outbox.status().pending == 1 && outbox.status().sent == 2)
    #expect(try outbox.checkStateCounts().matches)
  }

  @Test func equivalentDatesAreTheSameKey() throws {
    let outbox = try outbox()
    let a = Fixtures.finding(lastModified: "2025-11-06T10:30:00Z")
    let b = Fixtures.finding(lastModified: "2025-11-06T12:30:00.000+02:00")
    let validator = FindingValidator()
    guard case .success(let first) = validator.validate(bytes: Array(a.utf8)),
      case .success(let second) = validator.validate(bytes: Array(b.utf8))
    else {
      Issue.record("fixtures invalid")
      return
    }
    #expect(try outbox.enqueue([first, second]) == EnqueueCounts(new: 1, unchanged: 1))
  }

  @Test func compactedRowStillDeduplicates() throws {
    let outbox = try outbox(withRowIn: .sent)
    let counts = try outbox.prune(sentBefore: 10_000, deadBefore: nil, compact: true)
    #expect(counts.compactedSent == 1)
    #expect(try outbox.findings(matching: FindingFilter()).first?.payload == nil)
    #expect(try outbox.enqueue([validFinding()], now: 20_000) == EnqueueCounts(unchanged: 1))
  }
}
