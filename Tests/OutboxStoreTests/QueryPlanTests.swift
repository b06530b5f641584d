import OutboxStore
import OutboxTestSupport
import Testing

/// The queries every drain runs must stay index lookups at millions of rows.
@Suite(.timeLimit(.minutes(10))) struct QueryPlanTests {
  @Test(arguments: [
    ("next ready rows",
     "SELECT id FROM finding_delivery WHERE state = 'pending' AND next_attempt_at <= 5 ORDER BY next_attempt_at, id LIMIT 100",
     "delivery_ready"),
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
    #expect(!plan.contains("SCAN finding_delivery"), "\(name) scans the table: \(plan)")
  }

  /// Looking a key up through the `findings` view goes through the natural-key index.
  @Test func findingsViewLooksKeysUpByIndex() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    _ = try Outbox(path: path)
    let plan = query(path, "EXPLAIN QUERY PLAN SELECT * FROM findings WHERE vuln_id = 'x' AND machine_name = 'y'")
      .map { $0.joined(separator: " ") }.joined(separator: "\n")
    #expect(plan.contains("sqlite_autoindex_finding_content_1"), "\(plan)")
    #expect(!plan.contains("SCAN"), "\(plan)")
  }
}
