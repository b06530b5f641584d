import Findings
import OutboxStore
import OutboxTestSupport
import Testing

@Suite(.timeLimit(.minutes(10))) struct DeliveryStateTests {
  let directory = TemporaryDirectory()

  func filledOutbox(_ count: Int) throws -> Outbox {
    let outbox = try Outbox(path: directory.file("outbox.sqlite"))
    _ = try outbox.enqueue((0..<count).map { validFinding(vulnId: "CVE-2025-\($0)") }, now: 1_000)
    return outbox
  }

  @Test func claimLeasesOldestReadyRowsAndSpendsNothing() throws {
    let outbox = try filledOutbox(5)
    let claimed = try outbox.claim(owner: "a:1:x", limit: 3, leaseMillis: 1_000, now: 2_000)
    #expect(claimed.map(\.id) == [1, 2, 3])
    #expect(claimed.allSatisfy { $0.attempts == 0 && $0.revision == 1 }, "attempts are counted when a request is recorded")
    let second = try outbox.claim(owner: "b:1:y", limit: 10, leaseMillis: 1_000, now: 2_000)
    #expect(second.map(\.id) == [4, 5], "a key must never be leased twice")
  }

  @Test func fencedAcknowledgementFromALostLeaseChangesNothing() throws {
    let outbox = try filledOutbox(2)
    let stale = try outbox.claim(owner: "a:1:x", limit: 2, leaseMillis: 1_000, now: 2_000)
    // The lease expires; another drain takes the rows over.
    let fresh = try outbox.claim(owner: "b:1:y", limit: 2, leaseMillis: 1_000, now: 3_500)
    #expect(fresh.map(\.id) == stale.map(\.id))
    #expect(try outbox.markSent(stale, batchID: 1, now: 3_600) == 0)
    #expect(try outbox.release(stale, retryAt: 0, error: "x", countAttempt: true, now: 3_600) == 0)
    #expect(try outbox.markDead(stale, error: "x", reason: .rejectedByService, batchID: nil, now: 3_600) == 0)
    #expect(try outbox.status().sending == 2)
    #expect(try outbox.markSent(fresh, batchID: 2, now: 3_700) == 2)
    #expect(try outbox.status().sent == 2)
  }

  @Test func releasedRowsBackOffButNeverGoDead() throws {
    let outbox = try filledOutbox(1)
    var now: Int64 = 2_000
    for attempt in 1...20 {
      let claimed = try outbox.claim(owner: "a:1:x", limit: 1, leaseMillis: 1_000, now: now)
      try #require(claimed.count == 1, "attempt \(attempt)")
      #expect(try outbox.release(claimed, retryAt: now + 500, error: "HTTP 503", countAttempt: true, now: now) == 1)
      // Not ready before retryAt.
      #expect(try outbox.claim(owner: "a:1:x", limit: 1, leaseMillis: 1_000, now: now + 100).isEmpty)
      now += 600
    }
    let record = try #require(try outbox.findings(matching: FindingFilter()).first)
    #expect(record.state == .pending, "a failing request says nothing about its rows")
    #expect(record.attempts == 20)
    #expect(record.lastError == "HTTP 503")
  }

  @Test func refundedReleaseDoesNotSpendAnAttempt() throws {
    let outbox = try filledOutbox(1)
    let claimed = try outbox.claim(owner: "a:1:x", limit: 1, leaseMillis: 1_000, now: 2_000)
    try outbox.release(claimed, retryAt: 2_000, error: "HTTP 403: check the role assignment", countAttempt: false, now: 2_000)
    let record = try #require(try outbox.findings(matching: FindingFilter()).first)
    #expect(record.state == .pending)
    #expect(record.attempts == 0)
  }

  @Test func crashLoopsNeverDeadLetterOrSpendAttempts() throws {
    let outbox = try filledOutbox(1)
    var now: Int64 = 2_000
    // Thirteen drains in a row die holding the row (SIGKILL before any answer): each lease
    // expires and the next claim takes the row over, unspent.
    for _ in 1...13 {
      let claimed = try outbox.claim(owner: "a:1:x", limit: 1, leaseMillis: 1_000, now: now)
      #expect(claimed.first?.attempts == 0)
      now += 1_001
    }
    let status = try outbox.status()
    #expect(status.dead == 0 && status.sending == 1)
  }

  @Test func theDrainLockHolderReclaimsEveryOtherLocalLeaseEvenOfALiveOrZombiePid() throws {
    let outbox = try filledOutbox(2)
    let host = Outbox.makeLeaseOwner().split(separator: ":")[0]
    // PID 1 always exists (as a zombie would): without the lock its lease holds until it expires.
    _ = try outbox.claim(owner: "\(host):1:zombie", limit: 2, leaseMillis: 3_600_000, now: 2_000)
    #expect(try outbox.claim(owner: "\(host):2:other", limit: 2, leaseMillis: 1_000, now: 2_001).isEmpty)
    let owner = Outbox.makeLeaseOwner()
    let taken = try outbox.claim(owner: owner, limit: 2, leaseMillis: 1_000, now: 2_002, localOwnersGone: true)
    #expect(taken.map(\.id) == [1, 2])
    // Leases of other hosts are left to expire.
    _ = try outbox.release(taken, retryAt: 0, error: nil, countAttempt: false, now: 2_003)
    _ = try outbox.claim(owner: "elsewhere:7:x", limit: 2, leaseMillis: 3_600_000, now: 2_004)
    #expect(try outbox.claim(owner: owner, limit: 2, leaseMillis: 1_000, now: 2_005, localOwnersGone: true).isEmpty)
  }

  @Test func endpointStateIsRememberedAcrossOpens() throws {
    let path = directory.file("outbox.sqlite")
    do {
      let outbox = try Outbox(path: path)
      #expect(try outbox.endpointState("https://dce/x") == EndpointState(endpoint: "https://dce/x"))
      var state = EndpointState(endpoint: "https://dce/x")
      state.consecutiveFailures = 3
      state.failingSince = 1_000
      state.lastError = "HTTP 503"
      state.nextTryAt = 9_000
      state.maxBodyBytes = 250_000
      state.learnedAt = 1_500
      try outbox.saveEndpointState(state, now: 2_000)
    }
    let reopened = try Outbox(path: path, options: .reading)
    let state = try reopened.endpointState("https://dce/x")
    #expect(state.consecutiveFailures == 3 && state.nextTryAt == 9_000 && state.lastError == "HTTP 503")
    #expect(state.maxBodyBytes == 250_000 && state.learnedAt == 1_500 && state.isFailing)
    #expect(try reopened.endpointStates().map(\.endpoint) == ["https://dce/x"])
  }

  @Test func deadRowsKeepTheirReasonCode() throws {
    let outbox = try filledOutbox(2)
    let claimed = try outbox.claim(owner: "a:1:x", limit: 2, leaseMillis: 1_000, now: 2_000)
    try outbox.markDead([claimed[0]], error: "HTTP 400: bad row", reason: .rejectedByService, batchID: 1, now: 2_100)
    try outbox.markDead([claimed[1]], error: "row is too large to send", reason: .tooLarge, batchID: nil, now: 2_100)
    #expect(
      query(directory.file("outbox.sqlite"), "SELECT dead_reason, rows, example FROM dead_reasons ORDER BY 1")
        == [["rejected_by_service", "1", "HTTP 400: bad row"], ["too_large", "1", "row is too large to send"]])
  }

  @Test func leaseOfAGoneLocalProcessIsReclaimedAtOnce() throws {
    let outbox = try filledOutbox(1)
    let host = Outbox.makeLeaseOwner().split(separator: ":")[0]
    // PID 2^22+1 is above Linux's pid_max, so no such process exists.
    _ = try outbox.claim(owner: "\(host):4194305:gone", limit: 1, leaseMillis: 3_600_000, now: 2_000)
    #expect(try outbox.claim(owner: Outbox.makeLeaseOwner(), limit: 1, leaseMillis: 1_000, now: 2_001).count == 1)
  }

  @Test func settledLeasesAreRetiredAndEndedLeasesDeleted() throws {
    let outbox = try filledOutbox(3)
    let path = directory.file("outbox.sqlite")
    let first = try outbox.claim(owner: "a:1:x", limit: 2, leaseMillis: 1_000, now: 2_000)
    let second = try outbox.claim(owner: "a:1:x", limit: 2, leaseMillis: 1_000, now: 2_000)
    #expect(Set(first.map(\.leaseID)).count == 1 && first[0].leaseID != second[0].leaseID)
    #expect(query(path, "SELECT count(*) FROM findings WHERE lease_owner = 'a:1:x' AND lease_expires_at = 3000") == [["3"]])
    try outbox.markSent(first, batchID: 1, now: 2_100)
    try outbox.retireLeases(owner: "a:1:x")
    // Only the lease still holding a row remains.
    #expect(query(path, "SELECT id FROM leases") == [["\(second[0].leaseID)"]])
    // Once it expires, the next claim gives its row back and deletes it.
    #expect(try outbox.claim(owner: "b:1:y", limit: 5, leaseMillis: 1_000, now: 3_001).map(\.id) == [3])
    #expect(query(path, "SELECT owner FROM leases") == [["b:1:y"]])
    #expect(try outbox.markSent(second, batchID: 2, now: 3_002) == 0, "a deleted lease fences")
  }

  /// Acknowledgements update a lease's id range; rows of the lease inside that range but not in
  /// the acknowledged request must stay `sending`.
  @Test func acknowledgingPartOfALeaseLeavesTheRestSending() throws {
    let outbox = try filledOutbox(5)
    let claimed = try outbox.claim(owner: "a:1:x", limit: 5, leaseMillis: 1_000, now: 2_000)
    #expect(try outbox.markSent([claimed[0], claimed[4]], batchID: 1, now: 2_100) == 2)
    #expect(try outbox.status().sending == 3)
    #expect(try outbox.markSent(Array(claimed[1...3]), batchID: 2, now: 2_200) == 3)
    #expect(query(directory.file("outbox.sqlite"), "SELECT group_concat(batch_id) FROM findings") == [["1,2,2,2,1"]])
    #expect(try outbox.checkStateCounts().matches, "the row-by-row fallback keeps the counts too")
  }

  @Test func pruneNeverTouchesPendingOrSendingRows() throws {
    let outbox = try filledOutbox(3)
    _ = try outbox.claim(owner: "a:1:x", limit: 1, leaseMillis: 1_000_000, now: 2_000)
    let counts = try outbox.prune(sentBefore: Int64.max, deadBefore: Int64.max, compact: false)
    #expect(counts == PruneCounts())
    let status = try outbox.status()
    #expect(status.pending == 2 && status.sending == 1)
  }

  @Test func pruneDeletesSentAndDeadRowsFromBothTables() throws {
    let outbox = try filledOutbox(4)
    let path = directory.file("outbox.sqlite")
    let claimed = try outbox.claim(owner: "a:1:x", limit: 3, leaseMillis: 1_000, now: 2_000)
    try outbox.markSent(Array(claimed[0...1]), batchID: 1, now: 2_100)
    try outbox.markDead([claimed[2]], error: "HTTP 400", reason: .rejectedByService, batchID: 2, now: 2_100)
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
    let first = try outbox.claim(owner: "a:1:x", limit: 1, leaseMillis: 1_000, now: 4_000)
    #expect(try outbox.status().oldestPendingEnqueuedAt == 2_000, "a row being sent is not pending")
    try outbox.markSent(first, batchID: 1, now: 4_100)
    #expect(try outbox.status().oldestPendingEnqueuedAt == 2_000)
    #expect(try outbox.status().lastSentAt == 4_100)
  }

  @Test func batchesAreRecorded() throws {
    let outbox = try filledOutbox(1)
    let id = try outbox.recordBatch(
      BatchRecord(
        clientRequestID: "c0ffee", requestID: "r1", leaseOwner: "a:1:x", rows: 1, rawBytes: 300, wireBytes: 200,
        httpStatus: 204, outcome: .delivered, error: nil, startedAt: 1_000, finishedAt: 1_050))
    #expect(query(directory.file("outbox.sqlite"), "SELECT id, outcome, duration_ms FROM batches_detail") == [["\(id)", "delivered", "50"]])
  }

  @Test func aDeliveryRecordsItsRequestAndItsRowsTogether() throws {
    let outbox = try filledOutbox(3)
    let claimed = try outbox.claim(owner: "a:1:x", limit: 3, leaseMillis: 1_000, now: 2_000)
    let request = BatchRecord(
      clientRequestID: "c0ffee", requestID: "r1", leaseOwner: "a:1:x", rows: 2, rawBytes: 600, wireBytes: 90,
      httpStatus: 204, outcome: .delivered, error: nil, startedAt: 2_010, finishedAt: 2_050)
    let delivered = try outbox.recordDelivery(request, rows: Array(claimed[..<2]), now: 2_060)
    #expect(delivered.changed == 2)
    let file = directory.file("outbox.sqlite")
    #expect(query(file, "SELECT id, rows FROM batches") == [["\(delivered.batchID)", "2"]])
    #expect(
      query(file, "SELECT id, state, batch_id FROM finding_delivery ORDER BY id")
        == [["1", "sent", "\(delivered.batchID)"], ["2", "sent", "\(delivered.batchID)"], ["3", "sending", "NULL"]])
    // A lost lease: the request is still on record, its rows keep the state they have.
    _ = try outbox.claim(owner: "b:1:y", limit: 3, leaseMillis: 1_000, now: 3_500)
    let late = try outbox.recordDelivery(request, rows: [claimed[2]], now: 3_600)
    #expect(late.changed == 0 && late.batchID > delivered.batchID)
    #expect(try outbox.status().sent == 2 && outbox.status().sending == 1)
  }
}
