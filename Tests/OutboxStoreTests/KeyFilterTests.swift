import Findings
import OutboxTestSupport
import SQLite
import Testing

@testable import OutboxStore

/// Enqueue skips the lookup of a key its Bloom filter never saw. A filter that misses a key
/// would store a second row for it, so every way another process or a failure can add keys
/// behind its back must send the lookups back to the tables.
@Suite struct KeyFilterTests {
  let directory = TemporaryDirectory()
  var path: String { directory.file("outbox.sqlite") }
  /// A filter from the first key on (the default waits for 262,144 pairs).
  var filtered: OutboxOptions { OutboxOptions(keyFilterMinimumPairs: 0) }

  func findings(_ range: Range<Int>, title: String = "Remote code execution") -> [ValidFinding] {
    range.map { validFinding(vulnId: "CVE-2025-\($0)", title: title) }
  }

  func rowCount() -> String { query(path, "SELECT count(*) FROM finding_content")[0][0] }

  @Test func theFilterNeverForgetsAHash() {
    var filter = KeyHashFilter(capacity: 10_000)
    let hashes = (0..<10_000).map { _ in Int64.random(in: .min ... .max) }
    for hash in hashes { filter.insert(hash) }
    #expect(hashes.allSatisfy(filter.mayContain))
    let known = Set(hashes)
    let strangers = (0..<100_000).map { _ in Int64.random(in: .min ... .max) }.filter { !known.contains($0) }
    let falsePositives = strangers.filter(filter.mayContain).count
    #expect(falsePositives < strangers.count / 20, "\(falsePositives) of \(strangers.count) at full capacity")
  }

  @Test func knownKeysAreFoundInBothTablesWithTheFilterOn() throws {
    let outbox = try Outbox(path: path, options: filtered)
    #expect(try outbox.enqueue(findings(0..<200)).new == 200)
    #expect(outbox.keyFilter.filter != nil, "built for the second transaction at the latest")
    try outbox.mergeRecentKeys()
    #expect(try outbox.enqueue(findings(200..<300)).new == 100)
    #expect(try outbox.enqueue(findings(0..<300)) == EnqueueCounts(unchanged: 300))
    #expect(try outbox.enqueue(findings(150..<250, title: "Changed")) == EnqueueCounts(updated: 100))
    #expect(rowCount() == "300")
    #expect(query(path, "SELECT added FROM key_merge") == [["300"]])
  }

  @Test func keysAnotherProcessAddedAreNeverMissed() throws {
    let mine = try Outbox(path: path, options: filtered)
    _ = try mine.enqueue(findings(0..<100))
    _ = try mine.enqueue(findings(100..<110))
    let built = try #require(mine.keyFilter.filter)
    // Another enqueue adds keys the filter has never seen, and moves them out of recent_keys.
    let theirs = try Outbox(path: path, options: filtered)
    #expect(try theirs.enqueue(findings(500..<600)).new == 100)
    try theirs.mergeRecentKeys()
    #expect(findings(500..<600).contains { !built.mayContain(StorableFinding($0).keyHash) })
    #expect(try mine.enqueue(findings(500..<600)) == EnqueueCounts(unchanged: 100), "looked up, not taken for new")
    #expect(mine.keyFilter.stale)
    #expect(try mine.enqueue(findings(0..<110)) == EnqueueCounts(unchanged: 110))
    #expect(rowCount() == "210")
  }

  /// A rolled-back transaction's count is lost with it; if another process then adds as many
  /// keys, the totals would agree again. The filter must not trust them.
  @Test func aRolledBackTransactionMakesTheFilterRebuild() throws {
    let mine = try Outbox(path: path, options: filtered)
    _ = try mine.enqueue(findings(0..<50))
    _ = try mine.enqueue(findings(50..<60))
    struct Abandon: Error {}
    #expect(throws: Abandon.self) {
      try mine.withEnqueueTransaction { transaction in
        _ = try transaction.insert(findings(1_000..<1_010).map(StorableFinding.init))
        throw Abandon()
      }
    }
    let theirs = try Outbox(path: path, options: filtered)
    #expect(try theirs.enqueue(findings(2_000..<2_010)).new == 10)
    #expect(try mine.enqueue(findings(2_000..<2_010)) == EnqueueCounts(unchanged: 10))
    #expect(try mine.enqueue(findings(1_000..<1_010)).new == 10, "the rolled-back keys were never stored")
    #expect(rowCount() == "80")
  }

  @Test func prunedKeysComeBackAsNew() throws {
    let outbox = try Outbox(path: path, options: filtered)
    _ = try outbox.enqueue(findings(0..<40), now: 1_000)
    _ = try outbox.enqueue(findings(40..<50), now: 1_000)
    let claimed = try outbox.claim(owner: "t:1:a", limit: 100, leaseMillis: 60_000, now: 2_000)
    try outbox.markSent(claimed, batchID: 1, now: 3_000)
    _ = try outbox.prune(sentBefore: 4_000, deadBefore: nil, compact: false)
    #expect(rowCount() == "0")
    #expect(try outbox.enqueue(findings(0..<50), now: 6_000).new == 50, "a stale hash in the filter only costs a lookup")
  }
}
