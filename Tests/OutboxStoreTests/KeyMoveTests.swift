import Findings
import OutboxTestSupport
import Testing

@testable import OutboxStore

/// New keys' lookup pairs go into `recent_keys` and later move into `finding_keys` in key order;
/// a key must be found wherever its pair is, and every pair must be in exactly one table.
@Suite struct KeyMoveTests {
  let directory = TemporaryDirectory()
  var path: String { directory.file("outbox.sqlite") }

  func findings(_ range: Range<Int>) -> [ValidFinding] { range.map { validFinding(vulnId: "CVE-2025-\($0)") } }

  /// Pairs in (finding_keys, recent_keys), and recent pairs as counted in key_merge.
  func pairs() -> [String] {
    query(path, "SELECT (SELECT count(*) FROM finding_keys), (SELECT count(*) FROM recent_keys), recent FROM key_merge")[0]
  }

  /// Every live row has exactly one pair, holding its key hash, in one table or the other.
  func everyRowHasOnePair() -> Bool {
    query(path, "SELECT key_hash, id FROM finding_keys UNION ALL SELECT key_hash, id FROM recent_keys ORDER BY id")
      == query(path, "SELECT key_hash, id FROM finding_content ORDER BY id")
  }

  @Test func newKeysArePairedInRecentKeysAndCounted() throws {
    let outbox = try Outbox(path: path)
    #expect(try outbox.enqueue(findings(0..<100)).new == 100)
    #expect(pairs() == ["0", "100", "100"])
    #expect(try outbox.enqueue(findings(50..<150)) == EnqueueCounts(new: 50, unchanged: 50))
    #expect(pairs() == ["0", "150", "150"], "only new keys get a pair")
    #expect(everyRowHasOnePair())
  }

  @Test func aMoveTakesEveryPairAcrossManyStatements() throws {
    let outbox = try Outbox(path: path)
    _ = try outbox.enqueue(findings(0..<3_000))
    #expect(try outbox.mergeRecentKeys() == 3_000, "three statements' worth and a bit")
    #expect(pairs() == ["3000", "0", "0"])
    #expect(everyRowHasOnePair())
    #expect(try outbox.mergeRecentKeys() == 0, "nothing left to move")
  }

  @Test func keysAreKnownWhicheverTableHoldsTheirPair() throws {
    let outbox = try Outbox(path: path)
    _ = try outbox.enqueue(findings(0..<100))
    try outbox.mergeRecentKeys()
    _ = try outbox.enqueue(findings(100..<150))
    #expect(pairs() == ["100", "50", "50"])
    #expect(try outbox.enqueue(findings(0..<150)) == EnqueueCounts(unchanged: 150))
    let changed = [validFinding(vulnId: "CVE-2025-7", title: "Changed"), validFinding(vulnId: "CVE-2025-120", title: "Changed")]
    #expect(try outbox.enqueue(changed) == EnqueueCounts(updated: 2), "a new revision of a moved key and of a recent one")
    let found = try outbox.findings(
      matching: FindingFilter(vulnId: "CVE-2025-120", machineName: "web-01", lastModified: validFinding().lastModified))
    #expect(found.map(\.vulnId) == ["CVE-2025-120"], "inspect finds a recent key")
    #expect(try outbox.status().pending == 150)
    #expect(everyRowHasOnePair())
  }

  /// A move interrupted between its transactions leaves some pairs in each table; lookups and
  /// the next move carry on from there.
  @Test func aPartMoveLeavesEveryPairFindable() throws {
    let outbox = try Outbox(path: path)
    _ = try outbox.enqueue(findings(0..<500))
    let failure = execute(
      path,
      """
      BEGIN IMMEDIATE;
      INSERT INTO finding_keys SELECT key_hash, id FROM recent_keys WHERE id % 2 = 0;
      DELETE FROM recent_keys WHERE id % 2 = 0;
      UPDATE key_merge SET recent = recent - changes();
      COMMIT;
      """)
    #expect(failure == nil, "\(failure ?? "")")
    #expect(pairs() == ["250", "250", "250"])
    #expect(try outbox.enqueue(findings(0..<600)) == EnqueueCounts(new: 100, unchanged: 500))
    #expect(try outbox.mergeRecentKeys() == 350)
    #expect(pairs() == ["600", "0", "0"])
    #expect(everyRowHasOnePair())
  }

  /// Moves wait for an eighth of the rows, and never start below the minimum.
  @Test func aMoveIsDueAtAnEighthOfTheRows() {
    #expect(!Outbox.moveIsDue(recent: Outbox.minimumPairsToMove - 1, rows: 0))
    #expect(Outbox.moveIsDue(recent: Outbox.minimumPairsToMove, rows: Outbox.minimumPairsToMove))
    #expect(!Outbox.moveIsDue(recent: 1_000_000, rows: 10_000_000))
    #expect(Outbox.moveIsDue(recent: 1_250_000, rows: 10_000_000))
  }
}
