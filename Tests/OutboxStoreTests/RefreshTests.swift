import Findings
import OutboxStore
import OutboxTestSupport
import Testing

/// `enqueue --refresh-after`: an unchanged finding whose delivery is older than the interval is
/// queued again, so Sentinel sees every open finding at least once per interval.
@Suite(.timeLimit(.minutes(10))) struct RefreshTests {
  let directory = TemporaryDirectory()
  let owner = "test-host:1:owner"
  let day: Int64 = 86_400_000

  /// The fixture key enqueued at 1,000 and delivered at `sentAt`.
  func delivered(sentAt: Int64) throws -> Outbox {
    let outbox = try Outbox(path: directory.file("outbox.sqlite"))
    _ = try outbox.enqueue([validFinding()], now: 1_000)
    let claimed = try outbox.claim(owner: owner, limit: 10, leaseMillis: 60_000, now: sentAt - 100)
    #expect(try outbox.markSent(claimed, batchID: 1, now: sentAt) == 1)
    return outbox
  }

  @Test func deliveredLongerAgoThanTheIntervalIsQueuedAgain() throws {
    let outbox = try delivered(sentAt: 2_000)
    let now = 2_000 + day
    #expect(try outbox.enqueue([validFinding()], now: now, refreshAfter: day) == EnqueueCounts(refreshed: 1))
    let record = try #require(try outbox.findings(matching: FindingFilter()).first)
    #expect(record.state == .pending)
    #expect(record.revision == 1)
    #expect(record.attempts == 0)
    #expect(record.sentAt == 2_000, "the last delivery stays known while the refresh waits")
    // The drain claims it again with its unchanged payload.
    let again = try outbox.claim(owner: owner, limit: 10, leaseMillis: 60_000, now: now + 1)
    #expect(again.count == 1)
    #expect(String(decoding: again[0].payload, as: UTF8.self).contains("Remote code execution"))
  }

  @Test func deliveredWithinTheIntervalIsUnchanged() throws {
    let outbox = try delivered(sentAt: 2_000)
    #expect(try outbox.enqueue([validFinding()], now: 2_000 + day - 1, refreshAfter: day) == EnqueueCounts(unchanged: 1))
    #expect(try outbox.findings(matching: FindingFilter()).first?.state == .sent)
  }

  @Test func offNeverRefreshes() throws {
    let outbox = try delivered(sentAt: 2_000)
    #expect(try outbox.enqueue([validFinding()], now: 2_000 + 365 * day, refreshAfter: nil) == EnqueueCounts(unchanged: 1))
  }

  @Test func pendingAndDeadRowsAreNotRefreshed() throws {
    let outbox = try Outbox(path: directory.file("outbox.sqlite"))
    _ = try outbox.enqueue([validFinding(), validFinding(machine: "db-01")], now: 1_000)
    let claimed = try outbox.claim(owner: owner, limit: 10, leaseMillis: 60_000, now: 2_000)
    _ = try outbox.markDead(claimed.filter { $0.id == claimed.map(\.id).max() }, error: "rejected", reason: .rejectedByService, batchID: nil, now: 3_000)
    _ = try outbox.release(
      claimed.filter { $0.id != claimed.map(\.id).max() }, retryAt: 3_000, error: "retry", countAttempt: true, now: 3_000)
    let counts = try outbox.enqueue([validFinding(), validFinding(machine: "db-01")], now: 10 * day, refreshAfter: day)
    #expect(counts == EnqueueCounts(unchanged: 2))
  }

  @Test func theRefreshedDeliveryRecordsANewSentAt() throws {
    let outbox = try delivered(sentAt: 2_000)
    _ = try outbox.enqueue([validFinding()], now: 2 * day, refreshAfter: day)
    let claimed = try outbox.claim(owner: owner, limit: 10, leaseMillis: 60_000, now: 2 * day + 1)
    #expect(try outbox.markSent(claimed, batchID: 2, now: 2 * day + 2) == 1)
    // Delivered just now: the next day's run within the interval leaves it alone.
    #expect(try outbox.enqueue([validFinding()], now: 2 * day + 3, refreshAfter: day) == EnqueueCounts(unchanged: 1))
    #expect(try outbox.enqueue([validFinding()], now: 3 * day + 2, refreshAfter: day) == EnqueueCounts(refreshed: 1))
  }

  @Test func aCompactedKeyGetsItsPayloadBackAndIsSentAgain() throws {
    let outbox = try delivered(sentAt: 2_000)
    _ = try outbox.prune(sentBefore: 3_000, deadBefore: nil, compact: true)
    #expect(try outbox.findings(matching: FindingFilter()).first?.payload == nil)
    #expect(try outbox.enqueue([validFinding()], now: 2_000 + day, refreshAfter: day) == EnqueueCounts(refreshed: 1))
    let record = try #require(try outbox.findings(matching: FindingFilter()).first)
    #expect(record.payload?.contains("Remote code execution") == true)
    let again = try outbox.claim(owner: owner, limit: 10, leaseMillis: 60_000, now: 2_000 + day + 1)
    #expect(again.count == 1)
  }
}

/// The contract the Sentinel content relies on, simulated over a month of daily scans: every
/// 3-day window a daily rule reads holds a delivery of a finding that stays open.
@Suite(.timeLimit(.minutes(10))) struct RefreshContractTests {
  let directory = TemporaryDirectory()
  let hour: Int64 = 3_600_000
  var day: Int64 { 24 * hour }

  @Test(arguments: [0, 5 * 60_000, 23 * 3_600_000] as [Int64])
  func anOpenFindingIsInEveryThreeDayWindowForAMonth(drainDelay: Int64) throws {
    let outbox = try Outbox(path: directory.file("outbox-\(drainDelay).sqlite"))
    var deliveries: [Int64] = []
    for scan in 0..<30 {
      // A daily scan, a little early or late, then a drain after `drainDelay`.
      let scanAt = Int64(scan) * day + Int64(scan % 3 - 1) * 10 * 60_000 + day
      _ = try outbox.enqueue([validFinding()], now: scanAt, refreshAfter: day)
      let claimed = try outbox.claim(owner: "h:1:o", limit: 10, leaseMillis: 60_000, now: scanAt + drainDelay)
      if try outbox.markSent(claimed, batchID: Int64(scan), now: scanAt + drainDelay + 1) == 1 {
        deliveries.append(scanAt + drainDelay + 1)
      }
    }
    #expect(deliveries.count >= 15, "at least every second day")
    for ruleDay in 3...31 {
      let ruleRun = Int64(ruleDay) * day
      #expect(deliveries.contains { $0 <= ruleRun && $0 > ruleRun - 3 * day }, "no delivery in the 3 days before day \(ruleDay)")
    }
  }
}
