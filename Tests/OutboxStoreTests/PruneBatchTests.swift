import OutboxStore
import OutboxTestSupport
import Testing

/// Prune works in many short transactions; every batch must start where the last one stopped.
@Suite struct PruneBatchTests {
  let directory = TemporaryDirectory()

  /// 2,500 rows delivered by one acknowledgement share one `sent_at`, more than one batch holds.
  func deliveredOutbox(_ count: Int) throws -> Outbox {
    let outbox = try Outbox(path: directory.file("outbox.sqlite"))
    _ = try outbox.enqueue((0..<count).map { validFinding(vulnId: "CVE-2025-\($0)") }, now: 1_000)
    let claimed = try outbox.claim(owner: "h:1:x", limit: count, leaseMillis: 60_000, now: 2_000)
    #expect(try outbox.markSent(claimed, batchID: 1, now: 3_000) == count)
    return outbox
  }

  @Test func compactionCoversEveryRowOfOneAcknowledgement() throws {
    let outbox = try deliveredOutbox(2_500)
    #expect(try outbox.pruneCounts(sentBefore: 4_000, deadBefore: nil, compact: true).compactedSent == 2_500)
    #expect(try outbox.prune(sentBefore: 4_000, deadBefore: nil, compact: true).compactedSent == 2_500)
    #expect(query(directory.file("outbox.sqlite"), "SELECT count(*) FROM finding_content WHERE payload IS NOT NULL") == [["0"]])
    #expect(try outbox.prune(sentBefore: 4_000, deadBefore: nil, compact: true).compactedSent == 0, "nothing left to compact")
    #expect(try outbox.status().sent == 2_500, "compaction keeps the rows")
  }

  @Test func deletionCoversEveryRowAndNoneTooYoung() throws {
    let outbox = try deliveredOutbox(2_500)
    #expect(try outbox.prune(sentBefore: 3_000, deadBefore: nil, compact: false).deletedSent == 0, "sent at 3,000 is not before it")
    #expect(try outbox.prune(sentBefore: 3_001, deadBefore: nil, compact: false).deletedSent == 2_500)
    #expect(try outbox.status().sent == 0)
    #expect(try outbox.checkStateCounts().matches)
  }
}
