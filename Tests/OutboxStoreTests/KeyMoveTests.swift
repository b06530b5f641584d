import Findings
import OutboxTestSupport
import Testing

@testable import OutboxStore

/// New keys' lookup pairs go into `fresh_keys`, then `recent_keys`, then `finding_keys`, each
/// move in key order; a key must be found wherever its pair is, and every pair must be in
/// exactly one table.
@Suite struct KeyMoveTests {
  let directory = TemporaryDirectory()
  var path: String { directory.file("outbox.sqlite") }

  func findings(_ range: Range<Int>) -> [ValidFinding] { range.map { validFinding(vulnId: "CVE-2025-\($0)") } }

  /// Pairs in (finding_keys, recent_keys, fresh_keys), then key_merge's counts of the last two.
  func pairs() -> [String] {
    query(
      path,
      """
      SELECT (SELECT count(*) FROM finding_keys), (SELECT count(*) FROM recent_keys), (SELECT count(*) FROM fresh_keys),
             recent, fresh
      FROM key_merge
      """)[0]
  }

  /// Every live row has exactly one pair, holding its key hash, in one table or another.
  func everyRowHasOnePair() -> Bool {
    query(path, Outbox.pairTables.map { "SELECT key_hash, id FROM \($0)" }.joined(separator: " UNION ALL ") + " ORDER BY id")
      == query(path, "SELECT key_hash, id FROM finding_content ORDER BY id")
  }

  @Test func newKeysArePairedInFreshKeysAndCounted() throws {
    let outbox = try Outbox(path: path)
    #expect(try outbox.enqueue(findings(0..<100)).new == 100)
    #expect(pairs() == ["0", "0", "100", "0", "100"])
    #expect(try outbox.enqueue(findings(50..<150)) == EnqueueCounts(new: 50, unchanged: 50))
    #expect(pairs() == ["0", "0", "150", "0", "150"], "only new keys get a pair")
    #expect(query(path, "SELECT added FROM key_merge") == [["150"]])
    #expect(everyRowHasOnePair())
  }

  @Test func movesTakeEveryPairAcrossManyStatements() throws {
    let outbox = try Outbox(path: path)
    _ = try outbox.enqueue(findings(0..<3_000))
    #expect(try outbox.mergeFreshKeys() == 3_000, "three statements' worth and a bit")
    #expect(pairs() == ["0", "3000", "0", "3000", "0"])
    #expect(try outbox.mergeRecentKeys() == 3_000)
    #expect(pairs() == ["3000", "0", "0", "0", "0"])
    #expect(everyRowHasOnePair())
    #expect(try outbox.mergeFreshKeys() == 0 && outbox.mergeRecentKeys() == 0, "nothing left to move")
  }

  @Test func keysAreKnownWhicheverTableHoldsTheirPair() throws {
    let outbox = try Outbox(path: path)
    _ = try outbox.enqueue(findings(0..<100))
    try outbox.mergeFreshKeys()
    try outbox.mergeRecentKeys()
    _ = try outbox.enqueue(findings(100..<150))
    try outbox.mergeFreshKeys()
    _ = try outbox.enqueue(findings(150..<170))
    #expect(pairs() == ["100", "50", "20", "50", "20"])
    #expect(try outbox.enqueue(findings(0..<170)) == EnqueueCounts(unchanged: 170))
    let changed = ["CVE-2025-7", "CVE-2025-120", "CVE-2025-160"].map { validFinding(vulnId: $0, title: "Changed") }
    #expect(try outbox.enqueue(changed) == EnqueueCounts(updated: 3), "a new revision wherever the key's pair is")
    for vulnId in ["CVE-2025-7", "CVE-2025-120", "CVE-2025-160"] {
      let found = try outbox.findings(
        matching: FindingFilter(vulnId: vulnId, machineName: "web-01", lastModified: validFinding().lastModified))
      #expect(found.map(\.vulnId) == [vulnId], "inspect finds it")
    }
    #expect(try outbox.status().pending == 170)
    #expect(everyRowHasOnePair())
  }

  /// Fresh pairs move on at the minimum (the count is set by hand here); in an outbox this small
  /// the recent ones follow at once.
  @Test func enqueueMovesFreshPairsAtTheMinimum() throws {
    let outbox = try Outbox(path: path)
    _ = try outbox.enqueue(findings(0..<10))
    try execute(path, "UPDATE key_merge SET fresh = \(Outbox.minimumPairsToMove - 1)").map { throw Failure($0) }
    #expect(try outbox.mergeRecentKeysIfDue() == 0)
    try execute(path, "UPDATE key_merge SET fresh = \(Outbox.minimumPairsToMove)").map { throw Failure($0) }
    #expect(try outbox.mergeRecentKeysIfDue() == 20, "ten pairs, each moved twice")
    #expect(pairs() == ["10", "0", "0", "0", "\(Outbox.minimumPairsToMove - 10)"])
    #expect(everyRowHasOnePair())
  }

  /// In a large outbox (the row count is set by hand here) a fresh move is followed by one
  /// slice of the recent pairs, and the cursor moves on by the slice's span.
  @Test func aLargeOutboxMovesOneSliceOfRecentPairs() throws {
    let outbox = try Outbox(path: path)
    _ = try outbox.enqueue(findings(0..<400))
    try outbox.mergeFreshKeys()
    _ = try outbox.enqueue(findings(400..<410))
    let rows = 80 * Outbox.minimumPairsToMove
    let span = try #require(Outbox.recentSliceSpan(rows: rows + 410), "the 410 rows there are and the added ones")
    let last = Int64(bitPattern: span - 1)
    let inSlice =
      Int(query(path, "SELECT count(*) FROM finding_content WHERE key_hash BETWEEN 0 AND \(last)")[0][0]) ?? -1
    #expect(inSlice > 0 && inSlice < 410)
    try execute(
      path,
      """
      UPDATE key_merge SET fresh = \(Outbox.minimumPairsToMove);
      UPDATE delivery_counts SET rows = rows + \(rows) WHERE state = 'sent';
      """
    ).map { throw Failure($0) }
    #expect(try outbox.mergeRecentKeysIfDue() == 10 + inSlice)
    #expect(pairs()[0] == "\(inSlice)" && pairs()[1] == "\(410 - inSlice)")
    #expect(query(path, "SELECT count(*) FROM recent_keys WHERE key_hash BETWEEN 0 AND \(last)") == [["0"]])
    #expect(query(path, "SELECT move_from FROM key_merge") == [["\(last + 1)"]])
    #expect(everyRowHasOnePair())
  }

  /// Slices go up to the largest hash, then on from the smallest: four quarter-slices move
  /// every pair once and bring the cursor back to where it started.
  @Test func slicesGoRoundTheWholeKeySpace() throws {
    let outbox = try Outbox(path: path)
    _ = try outbox.enqueue(findings(0..<3_000))
    try outbox.mergeFreshKeys()
    var from: Int64 = 0
    var moved: [Int] = []
    for _ in 0..<4 {
      moved.append(try outbox.moveRecentSlice(from: from, span: 1 << 62))
      from = Int64(query(path, "SELECT move_from FROM key_merge")[0][0]) ?? 0
    }
    #expect(from == 0)
    #expect(moved.allSatisfy { $0 > 0 } && moved.reduce(0, +) == 3_000, "\(moved)")
    #expect(pairs() == ["3000", "0", "0", "0", "0"])
    #expect(everyRowHasOnePair())
    #expect(try outbox.enqueue(findings(0..<3_000)) == EnqueueCounts(unchanged: 3_000))
  }

  struct Failure: Error {
    let message: String
    init(_ message: String) { self.message = message }
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
      INSERT INTO recent_keys SELECT key_hash, id FROM fresh_keys WHERE id % 2 = 0;
      DELETE FROM fresh_keys WHERE id % 2 = 0;
      UPDATE key_merge SET fresh = fresh - changes(), recent = recent + changes();
      COMMIT;
      """)
    #expect(failure == nil, "\(failure ?? "")")
    #expect(pairs() == ["0", "250", "250", "250", "250"])
    #expect(try outbox.enqueue(findings(0..<600)) == EnqueueCounts(new: 100, unchanged: 500))
    #expect(try outbox.mergeFreshKeys() == 350)
    #expect(pairs() == ["0", "600", "0", "600", "0"])
    #expect(everyRowHasOnePair())
  }

  /// Slices go round the key space once per eighth of the rows, in whole slices of the minimum
  /// (rounded up); small outboxes move everything at once.
  @Test func aSliceSpansTheKeySpaceOverAnEighthOfTheRows() throws {
    #expect(Outbox.recentSliceSpan(rows: 8 * Outbox.minimumPairsToMove) == nil)
    #expect(Outbox.recentSliceSpan(rows: 8 * Outbox.minimumPairsToMove + 8) == 1 << 63, "two halves")
    let span = try #require(Outbox.recentSliceSpan(rows: 10_000_000))
    #expect(span == UInt64.max / 10 + 1, "1,250,000 pairs a pass: ten slices")
  }
}
