import OutboxStore
import OutboxTestSupport
import Testing

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

  /// Enqueue finds a known key through its 64-bit hash, not by scanning.
  @Test func keyLookupUsesTheKeyHashIndex() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    _ = try Outbox(path: path)
    let plan = query(
      path,
      "EXPLAIN QUERY PLAN SELECT c.id FROM finding_content AS c JOIN finding_delivery AS d ON d.id = c.id "
        + "WHERE c.key_hash = 7 AND c.vuln_id = 'x' AND c.machine_name = 'y' AND c.last_modified = 'z'"
    ).map { $0.joined(separator: " ") }.joined(separator: "\n")
    #expect(plan.contains("USING INDEX content_key"), "\(plan)")
    #expect(!plan.contains("SCAN"), "\(plan)")
  }
}
