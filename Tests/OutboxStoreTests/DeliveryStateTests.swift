import Findings
import OutboxStore
import OutboxTestSupport
import Testing

@Suite struct DeliveryStateTests {
  let directory = TemporaryDirectory()

  func filledOutbox(_ count: Int) throws -> Outbox {
    let outbox = try Outbox(path: directory.file("outbox.sqlite"))
    _ = try outbox.enqueue((0..<count).map { validFinding(vulnId: "CVE-2025-\($0)") }, now: 1_000)
    return outbox
  }

  @Test func claimLeasesOldestReadyRowsAndCountsTheAttempt() throws {
    let outbox = try filledOutbox(5)
    let claimed = try outbox.claim(owner: "a:1:x", limit: 3, leaseMillis: 1_000, maxAttempts: 5, now: 2_000)
    #expect(claimed.map(\.id) == [1, 2, 3])
    #expect(claimed.allSatisfy { $0.attempts == 1 && $0.revision == 1 })
    let second = try outbox.claim(owner: "b:1:y", limit: 10, leaseMillis: 1_000, maxAttempts: 5, now: 2_000)
    #expect(second.map(\.id) == [4, 5], "a key must never be leased twice")
  }

  @Test func fencedAcknowledgementFromALostLeaseChangesNothing() throws {
    let outbox = try filledOutbox(2)
    let stale = try outbox.claim(owner: "a:1:x", limit: 2, leaseMillis: 1_000, maxAttempts: 5, now: 2_000)
    // The lease expires; another drain takes the rows over.
    let fresh = try outbox.claim(owner: "b:1:y", limit: 2, leaseMillis: 1_000, maxAttempts: 5, now: 3_500)
    #expect(fresh.map(\.id) == stale.map(\.id))
    #expect(try outbox.markSent(stale, batchID: 1, now: 3_600) == 0)
    let lost = try outbox.release(stale, retryAt: 0, error: "x", refundAttempt: false, maxAttempts: 5, now: 3_600)
    #expect(lost.pending == 0 && lost.dead == 0)
    #expect(try outbox.markDead(stale, error: "x", batchID: nil, now: 3_600) == 0)
    #expect(try outbox.status().sending == 2)
    #expect(try outbox.markSent(fresh, batchID: 2, now: 3_700) == 2)
    #expect(try outbox.status().sent == 2)
  }

  @Test func releaseBacksOffAndDeadLettersWhenOutOfAttempts() throws {
    let outbox = try filledOutbox(1)
    var now: Int64 = 2_000
    for attempt in 1...3 {
      let claimed = try outbox.claim(owner: "a:1:x", limit: 1, leaseMillis: 1_000, maxAttempts: 3, now: now)
      try #require(claimed.count == 1, "attempt \(attempt)")
      let released = try outbox.release(claimed, retryAt: now + 500, error: "HTTP 503", refundAttempt: false, maxAttempts: 3, now: now)
      #expect(attempt < 3 ? released == (1, 0) : released == (0, 1), "attempt \(attempt): the third spends the last attempt")
      // Not ready before retryAt.
      #expect(try outbox.claim(owner: "a:1:x", limit: 1, leaseMillis: 1_000, maxAttempts: 3, now: now + 100).isEmpty)
      now += 600
    }
    let record = try #require(try outbox.findings(matching: FindingFilter()).first)
    #expect(record.state == .dead)
    #expect(record.lastError?.contains("out of attempts (3)") == true)
    #expect(record.lastError?.contains("HTTP 503") == true)
    #expect(try outbox.retryDead(matching: FindingFilter()) == 1)
    #expect(try outbox.findings(matching: FindingFilter()).first?.state == .pending)
  }

  @Test func refundedReleaseDoesNotSpendAnAttempt() throws {
    let outbox = try filledOutbox(1)
    let claimed = try outbox.claim(owner: "a:1:x", limit: 1, leaseMillis: 1_000, maxAttempts: 1, now: 2_000)
    try outbox.release(claimed, retryAt: 2_000, error: "HTTP 403: check the role assignment", refundAttempt: true, maxAttempts: 1, now: 2_000)
    let record = try #require(try outbox.findings(matching: FindingFilter()).first)
    #expect(record.state == .pending)
    #expect(record.attempts == 0)
  }

  @Test func expiredLeaseIsReclaimedAndCrashLoopsEndDead() throws {
    let outbox = try filledOutbox(1)
    _ = try outbox.claim(owner: "a:1:x", limit: 1, leaseMillis: 1_000, maxAttempts: 2, now: 2_000)
    // Owner "crashes"; after expiry the row is claimed again (attempt 2).
    let again = try outbox.claim(owner: "b:1:y", limit: 1, leaseMillis: 1_000, maxAttempts: 2, now: 3_001)
    #expect(again.first?.attempts == 2)
    // Crashes again: out of attempts, so it goes dead instead of looping forever.
    #expect(try outbox.claim(owner: "c:1:z", limit: 1, leaseMillis: 1_000, maxAttempts: 2, now: 4_002).isEmpty)
    #expect(try outbox.status().dead == 1)
  }

  @Test func leaseOfAGoneLocalProcessIsReclaimedAtOnce() throws {
    let outbox = try filledOutbox(1)
    let host = Outbox.makeLeaseOwner().split(separator: ":")[0]
    // PID 2^22+1 is above Linux's pid_max, so no such process exists.
    _ = try outbox.claim(owner: "\(host):4194305:gone", limit: 1, leaseMillis: 3_600_000, maxAttempts: 5, now: 2_000)
    #expect(try outbox.claim(owner: Outbox.makeLeaseOwner(), limit: 1, leaseMillis: 1_000, maxAttempts: 5, now: 2_001).count == 1)
  }

  @Test func settledLeasesAreRetiredAndEndedLeasesDeleted() throws {
    let outbox = try filledOutbox(3)
    let path = directory.file("outbox.sqlite")
    let first = try outbox.claim(owner: "a:1:x", limit: 2, leaseMillis: 1_000, maxAttempts: 5, now: 2_000)
    let second = try outbox.claim(owner: "a:1:x", limit: 2, leaseMillis: 1_000, maxAttempts: 5, now: 2_000)
    #expect(Set(first.map(\.leaseID)).count == 1 && first[0].leaseID != second[0].leaseID)
    #expect(query(path, "SELECT count(*) FROM findings WHERE lease_owner = 'a:1:x' AND lease_expires_at = 3000") == [["3"]])
    try outbox.markSent(first, batchID: 1, now: 2_100)
    try outbox.retireLeases(owner: "a:1:x")
    // Only the lease still holding a row remains.
    #expect(query(path, "SELECT id FROM leases") == [["\(second[0].leaseID)"]])
    // Once it expires, the next claim gives its row back and deletes it.
    #expect(try outbox.claim(owner: "b:1:y", limit: 5, leaseMillis: 1_000, maxAttempts: 5, now: 3_001).map(\.id) == [3])
    #expect(query(path, "SELECT owner FROM leases") == [["b:1:y"]])
    #expect(try outbox.markSent(second, batchID: 2, now: 3_002) == 0, "a deleted lease fences")
  }

  /// Acknowledgements update a lease's id range; rows of the lease inside that range but not in
  /// the acknowledged request must stay `sending`.
  @Test func acknowledgingPartOfALeaseLeavesTheRestSending() throws {
    let outbox = try filledOutbox(5)
    let claimed = try outbox.claim(owner: "a:1:x", limit: 5, leaseMillis: 1_000, maxAttempts: 5, now: 2_000)
    #expect(try outbox.markSent([claimed[0], claimed[4]], batchID: 1, now: 2_100) == 2)
    #expect(try outbox.status().sending == 3)
    #expect(try outbox.markSent(Array(claimed[1...3]), batchID: 2, now: 2_200) == 3)
    #expect(query(directory.file("outbox.sqlite"), "SELECT group_concat(batch_id) FROM findings") == [["1,2,2,2,1"]])
  }

  @Test func pruneNeverTouchesPendingOrSendingRows() throws {
    let outbox = try filledOutbox(3)
    _ = try outbox.claim(owner: "a:1:x", limit: 1, leaseMillis: 1_000_000, maxAttempts: 5, now: 2_000)
    let counts = try outbox.prune(sentBefore: Int64.max, deadBefore: Int64.max, compact: false)
    #expect(counts == PruneCounts())
    let status = try outbox.status()
    #expect(status.pending == 2 && status.sending == 1)
  }

  @Test func pruneDeletesSentAndDeadRowsFromBothTables() throws {
    let outbox = try filledOutbox(4)
    let path = directory.file("outbox.sqlite")
    let claimed = try outbox.claim(owner: "a:1:x", limit: 3, leaseMillis: 1_000, maxAttempts: 5, now: 2_000)
    try outbox.markSent(Array(claimed[0...1]), batchID: 1, now: 2_100)
    try outbox.markDead([claimed[2]], error: "HTTP 400", batchID: 2, now: 2_100)
    let counts = try outbox.prune(sentBefore: 3_000, deadBefore: 3_000, compact: false)
    #expect(counts.deletedSent == 2 && counts.deletedDead == 1)
    #expect(query(path, "SELECT (SELECT count(*) FROM finding_content), (SELECT count(*) FROM finding_delivery)") == [["1", "1"]])
    #expect(query(path, "PRAGMA foreign_key_check").isEmpty)
    // Past retention, the same finding is new again.
    #expect(try outbox.enqueue([validFinding(vulnId: "CVE-2025-0")], now: 4_000).new == 1)
  }

  @Test func statusNamesTheOldestRowStillPending() throws {
    let outbox = try Outbox(path: directory.file("outbox.sqlite"))
    for (index, now) in [Int64(1_000), 2_000, 3_000].enumerated() {
      _ = try outbox.enqueue([validFinding(vulnId: "CVE-2025-\(index)")], now: now)
    }
    #expect(try outbox.status().oldestPendingEnqueuedAt == 1_000)
    let first = try outbox.claim(owner: "a:1:x", limit: 1, leaseMillis: 1_000, maxAttempts: 5, now: 4_000)
    #expect(try outbox.status().oldestPendingEnqueuedAt == 2_000, "a row being sent is not pending")
    try outbox.markSent(first, batchID: 1, now: 4_100)
    #expect(try outbox.status().oldestPendingEnqueuedAt == 2_000)
    #expect(try outbox.status().lastSentAt == 4_100)
  }

  @Test func batchesAreRecorded() throws {
    let outbox = try filledOutbox(1)
    let id = try outbox.recordBatch(BatchRecord(
      clientRequestID: "c0ffee", requestID: "r1", leaseOwner: "a:1:x", rows: 1, rawBytes: 300, wireBytes: 200,
      httpStatus: 204, outcome: .delivered, error: nil, startedAt: 1_000, finishedAt: 1_050))
    #expect(query(directory.file("outbox.sqlite"), "SELECT id, outcome, duration_ms FROM batches_detail") == [["\(id)", "delivered", "50"]])
  }
}
