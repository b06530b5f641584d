import Findings
import OutboxTestSupport
import SQLite
import Testing

@testable import OutboxStore

/// The queries every drain runs must stay index lookups at millions of rows.
@Suite(.timeLimit(.minutes(10))) struct QueryPlanTests {
  @Test(arguments: [
    (
      "next ready rows",
      "SELECT id FROM finding_delivery WHERE state = 'pending' AND next_attempt_at <= 5 ORDER BY id LIMIT 100",
      "delivery_pending"
    ),
    ("oldest pending", "SELECT id FROM finding_delivery WHERE state = 'pending' ORDER BY id LIMIT 1", "delivery_pending"),
    ("rows of ended leases", "SELECT id FROM finding_delivery WHERE state = 'sending' AND lease_id IN (3, 4)", "delivery_leases"),
    ("retention", "SELECT id FROM finding_delivery WHERE state = 'sent' AND sent_at < 5 LIMIT 1000", "delivery_sent"),
    ("dead retention", "SELECT id FROM finding_delivery WHERE state = 'dead' AND updated_at < 5 LIMIT 1000", "delivery_dead"),
  ])
  func queryUsesItsIndex(_ name: String, _ sql: String, _ index: String) throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    _ = try Outbox(path: path)
    let plan = query(path, "EXPLAIN QUERY PLAN " + sql).map { $0.joined(separator: " ") }.joined(separator: "\n")
    #expect(plan.contains("USING INDEX \(index)") || plan.contains("USING COVERING INDEX \(index)"), "\(name): \(plan)")
    #expect(!plan.contains("TEMP B-TREE"), "\(name) sorts: \(plan)")
    let tableScans = plan.split(separator: "\n").filter { $0.contains("SCAN finding_delivery") && !$0.contains("USING") }
    #expect(tableScans.isEmpty, "\(name) scans the table: \(plan)")
  }

  /// Enqueue finds a known key through its 64-bit hash in every pair table, not by scanning.
  @Test func keyLookupUsesTheKeyHashIndex() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    _ = try Outbox(path: path)
    var plan = ""
    try Connection(path: path, create: false, readOnly: true).prepare("EXPLAIN QUERY PLAN " + Outbox.lookupSQL)
      .bind(.integer(7), .text("x"), .text("y"), .text("z"), .blob([1]), .integer(0))
      .forEachRow { plan += ($0.text(3) ?? "") + "\n" }
    for table in Outbox.pairTables {
      #expect(plan.contains("SEARCH \(table) USING PRIMARY KEY (key_hash=?)"), "\(plan)")
    }
    #expect(!plan.contains("SCAN"), "\(plan)")
  }

  /// A move reads and deletes a key range of its source table, never all of it.
  @Test func movingPairsSearchesARange() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    _ = try Outbox(path: path)
    for (source, sql) in [("fresh_keys", "recent_keys"), ("recent_keys", "finding_keys")].flatMap({ pair in
      Outbox.moveKeysSQL(from: pair.0, into: pair.1).map { (pair.0, $0) }
    }) {
      var plan = ""
      try Connection(path: path, create: false, readOnly: true).prepare("EXPLAIN QUERY PLAN " + sql)
        .bind((0..<sql.filter { $0 == "?" }.count).map { _ in SQLValue.integer(0) })
        .forEachRow { plan += ($0.text(3) ?? "") + "\n" }
      #expect(plan.contains("SEARCH \(source) USING PRIMARY KEY ((key_hash,id)>(?,?)"), "\(sql): \(plan)")
      #expect(!plan.contains("SCAN"), "\(sql): \(plan)")
    }
  }
}

/// The CHECK constraints run on every row an enqueue inserts and a drain claims or settles: they
/// must compile to comparisons, never to a temporary index of constants (schema 7).
@Suite(.timeLimit(.minutes(10))) struct ConstraintCostTests {
  @Test(arguments: [
    Outbox.insertDeliverySQL,
    "UPDATE finding_delivery SET state = 'sent', sent_at = 2, lease_id = NULL, sending_revision = NULL WHERE id = 1",
    "UPDATE finding_delivery SET state = 'dead', dead_reason = 'too_large' WHERE id BETWEEN 1 AND 9",
    "UPDATE delivery_counts SET rows = rows + 1",
    Self.insertBatch("delivered"),
  ])
  func rowWritesCheckWithoutATemporaryIndex(_ sql: String) throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    _ = try Outbox(path: path)
    let opcodes = query(path, "EXPLAIN " + sql).map { $0[1] }
    #expect(opcodes.contains("Halt"), "\(opcodes)")
    #expect(!opcodes.contains("OpenEphemeral"), "\(sql) builds a temporary index: \(opcodes)")
  }

  static func insertBatch(_ outcome: String) -> String {
    """
    INSERT INTO batches (client_request_id, lease_owner, rows, raw_bytes, wire_bytes, outcome, started_at, finished_at)
    VALUES ('c', 'o', 1, 1, 1, '\(outcome)', 1, 1)
    """
  }

  /// The constraints accept and refuse exactly what they did before schema 7.
  @Test func theConstraintsStillRefuseUnknownValues() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    _ = try Outbox(path: path).enqueue([validFinding()], now: 1)
    for (sql, refused) in [
      ("UPDATE finding_delivery SET state = 'lost'", true),
      ("UPDATE finding_delivery SET dead_reason = 'bored'", true),
      ("UPDATE delivery_counts SET state = 'lost' WHERE state = 'dead'", true),
      (Self.insertBatch("maybe"), true),
      ("UPDATE finding_delivery SET state = 'dead', dead_reason = 'invalid_content'", false),
      ("UPDATE finding_delivery SET state = 'pending', dead_reason = NULL", false),
    ] {
      let failure = execute(path, sql)
      #expect((failure?.contains("CHECK constraint failed") ?? false) == refused, "\(sql): \(failure ?? "accepted")")
    }
  }
}

/// `inspect` and `retry` filters that name a whole key or a sparse state use an index.
@Suite(.timeLimit(.minutes(10))) struct FilterPlanTests {
  @Test(arguments: [
    (FindingFilter(vulnId: "CVE-1", machineName: "web-01", lastModified: "2025-11-06T10:30:00Z"), "fresh_keys USING PRIMARY KEY"),
    (FindingFilter(state: .dead), "INDEX delivery_dead"),
    (FindingFilter(state: .sending), "INDEX delivery_leases"),
    (FindingFilter(state: .dead, vulnId: "CVE-1"), "INDEX delivery_dead"),
  ])
  func filterUsesAnIndex(_ filter: FindingFilter, _ search: String) throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    _ = try Outbox(path: path)
    let (condition, values) = filter.whereClause
    var plan = ""
    try Connection(path: path, create: false, readOnly: true)
      .prepare("EXPLAIN QUERY PLAN SELECT id FROM findings WHERE \(condition) ORDER BY id LIMIT 50").bind(values)
      .forEachRow { plan += ($0.text(3) ?? "") + "\n" }
    #expect(plan.contains(search), "\(plan)")
    #expect(!plan.split(separator: "\n").contains { $0.contains("SCAN d") && !$0.contains("USING") }, "\(plan)")
  }

  /// The full-key filter still compares the key columns: equal hashes of other keys do not match.
  @Test func aFullKeyFilterFindsExactlyItsKey() throws {
    let directory = TemporaryDirectory()
    let outbox = try Outbox(path: directory.file("outbox.sqlite"))
    _ = try outbox.enqueue([
      validFinding(vulnId: "CVE-2025-1"), validFinding(vulnId: "CVE-2025-2"),
    ])
    let found = try outbox.findings(
      matching: FindingFilter(vulnId: "CVE-2025-2", machineName: "web-01", lastModified: validFinding().lastModified))
    #expect(found.map(\.vulnId) == ["CVE-2025-2"])
    let none = try outbox.findings(matching: FindingFilter(vulnId: "CVE-2025-2", machineName: "web-02", lastModified: validFinding().lastModified))
    #expect(none.isEmpty)
  }
}
