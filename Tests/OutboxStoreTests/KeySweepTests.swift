import OutboxTestSupport
import Testing

@testable import OutboxStore

/// Deleted rows leave their lookup pairs behind; prune sweeps them out once they are a fifth of
/// all pairs, from `fresh_keys`, `recent_keys` and `finding_keys` alike. A stale pair must never make a key look
/// known.
@Suite struct KeySweepTests {
  let directory = TemporaryDirectory()
  var path: String { directory.file("outbox.sqlite") }

  /// `count` rows enqueued at 1,000; the first `delivered` of them sent at 3,000.
  func outbox(_ count: Int, delivered: Int) throws -> Outbox {
    let outbox = try Outbox(path: path)
    _ = try outbox.enqueue((0..<count).map { validFinding(vulnId: "CVE-2025-\($0)") }, now: 1_000)
    let claimed = try outbox.claim(owner: "h:1:x", limit: delivered, leaseMillis: 60_000, now: 2_000)
    #expect(try outbox.markSent(claimed, batchID: 1, now: 3_000) == delivered)
    return outbox
  }

  /// Every pair of the three tables.
  static let allPairs = Outbox.pairTables.map { "SELECT key_hash, id FROM \($0)" }.joined(separator: " UNION ALL ")

  func stalePairs() -> [[String]] {
    query(
      path,
      """
      SELECT count(*) FROM (\(Self.allPairs)) AS k
      WHERE NOT EXISTS (SELECT 1 FROM finding_content AS c WHERE c.id = k.id)
      """)
  }

  @Test func pairsOfAFewDeletedRowsStayAndAreCounted() throws {
    let outbox = try outbox(100, delivered: 10)
    let counts = try outbox.prune(sentBefore: 4_000, deadBefore: nil, compact: false)
    #expect(counts.deletedSent == 10 && counts.sweptKeys == 0, "10 stale of 100 pairs is under a fifth")
    #expect(stalePairs() == [["10"]])
    #expect(query(path, "SELECT stale FROM key_sweep") == [["10"]])
  }

  @Test func aStalePairDoesNotMakeItsKeyKnown() throws {
    let outbox = try outbox(100, delivered: 10)
    let deleted = query(path, "SELECT vuln_id FROM findings WHERE state = 'sent' ORDER BY id").map { $0[0] }
    let kept = query(path, "SELECT vuln_id FROM findings WHERE state = 'pending' ORDER BY id LIMIT 10").map { $0[0] }
    _ = try outbox.prune(sentBefore: 4_000, deadBefore: nil, compact: false)
    let again = try outbox.enqueue((deleted + kept).map { validFinding(vulnId: $0) }, now: 5_000)
    #expect(again.new == 10, "the 10 deleted keys are new again")
    #expect(again.unchanged == 10, "the 10 pending keys are still known")
    #expect(try outbox.status().pending == 100)
    // A deleted key now has a stale pair and a live one; the live one is found.
    #expect(try outbox.enqueue([validFinding(vulnId: deleted[3])], now: 6_000).unchanged == 1)
  }

  @Test func aSweepRemovesExactlyTheStalePairs() throws {
    let outbox = try outbox(1_000, delivered: 300)
    let dryRun = try outbox.pruneCounts(sentBefore: 4_000, deadBefore: nil, compact: false)
    #expect(dryRun.deletedSent == 300 && dryRun.sweptKeys == 300, "300 stale against 700 rows is due")
    let counts = try outbox.prune(sentBefore: 4_000, deadBefore: nil, compact: false)
    #expect(counts.deletedSent == 300 && counts.sweptKeys == 300)
    #expect(stalePairs() == [["0"]])
    #expect(query(path, "SELECT stale FROM key_sweep") == [["0"]])
    #expect(
      query(path, Self.allPairs + " ORDER BY id")
        == query(path, "SELECT key_hash, id FROM finding_content ORDER BY id"), "every live row keeps its pair")
    #expect(
      query(path, "SELECT count(*) = (SELECT fresh FROM key_merge), (SELECT recent FROM key_merge) FROM fresh_keys")
        == [["1", "0"]])
    #expect(try outbox.enqueue((0..<1_000).map { validFinding(vulnId: "CVE-2025-\($0)") }, now: 5_000).new == 300)
  }

  /// Stale pairs left by earlier prunes count toward the next one's sweep, dead rows' too.
  @Test func staleCountsAddUpAcrossPrunes() throws {
    let outbox = try outbox(500, delivered: 60)
    #expect(try outbox.prune(sentBefore: 4_000, deadBefore: nil, compact: false).sweptKeys == 0)
    let claimed = try outbox.claim(owner: "h:1:y", limit: 40, leaseMillis: 60_000, now: 7_000)
    #expect(try outbox.markDead(claimed, error: "HTTP 400", reason: .invalidContent, batchID: nil, now: 8_000) == 40)
    let counts = try outbox.prune(sentBefore: nil, deadBefore: 9_000, compact: false)
    #expect(counts.deletedDead == 40 && counts.sweptKeys == 100, "60 + 40 stale against 400 rows is due")
    #expect(stalePairs() == [["0"]])
    #expect(try outbox.checkStateCounts().matches)
  }

  /// Stale pairs are swept from all three tables alike, and each table's count goes down with them.
  @Test func aSweepCoversEveryPairTable() throws {
    let outbox = try outbox(1_000, delivered: 600)
    #expect(try outbox.mergeFreshKeys() == 1_000)
    #expect(try outbox.mergeRecentKeys() == 1_000)
    _ = try outbox.enqueue((1_000..<1_400).map { validFinding(vulnId: "CVE-2025-\($0)") }, now: 1_000)
    #expect(try outbox.mergeFreshKeys() == 400)
    _ = try outbox.enqueue((1_400..<1_600).map { validFinding(vulnId: "CVE-2025-\($0)") }, now: 1_000)
    #expect(query(path, pairCounts) == [["1000", "400", "200", "400", "200"]])
    let claimed = try outbox.claim(owner: "h:1:z", limit: 1_000, leaseMillis: 60_000, now: 2_000)
    #expect(try outbox.markSent(claimed, batchID: 2, now: 3_000) == 1_000, "400 old, 400 recent, 200 fresh")
    let counts = try outbox.prune(sentBefore: 4_000, deadBefore: nil, compact: false)
    #expect(counts.deletedSent == 1_600 && counts.sweptKeys == 1_600)
    #expect(stalePairs() == [["0"]])
    #expect(query(path, pairCounts) == [["0", "0", "0", "0", "0"]])
  }

  /// Pairs in (finding_keys, recent_keys, fresh_keys), then key_merge's counts of the last two.
  let pairCounts = """
    SELECT (SELECT count(*) FROM finding_keys), (SELECT count(*) FROM recent_keys), (SELECT count(*) FROM fresh_keys),
           recent, fresh
    FROM key_merge
    """

  /// A sweep of many slices resumes after the last pair of each and misses nothing.
  @Test func aLargeSweepCoversEveryPair() throws {
    let outbox = try outbox(3_000, delivered: 3_000)
    #expect(try outbox.prune(sentBefore: 4_000, deadBefore: nil, compact: false).sweptKeys == 3_000)
    #expect(query(path, pairCounts) == [["0", "0", "0", "0", "0"]])
  }
}
