import OutboxStore
import OutboxTestSupport
import Testing

/// The two queries every drain runs must stay index lookups at millions of rows.
@Suite struct QueryPlanTests {
  @Test(arguments: [
    ("next ready rows", "SELECT id FROM findings WHERE state = 'pending' AND next_attempt_at <= 5 ORDER BY next_attempt_at, id LIMIT 100", "findings_ready"),
    ("expired leases", "SELECT id FROM findings WHERE state = 'sending' AND (lease_expires_at <= 5 OR lease_owner = 'x')", "findings_leases"),
    ("retention", "SELECT id FROM findings WHERE state = 'sent' AND sent_at < 5 LIMIT 1000", "findings_sent"),
  ])
  func queryUsesItsIndex(_ name: String, _ sql: String, _ index: String) throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    _ = try Outbox(path: path)
    let plan = query(path, "EXPLAIN QUERY PLAN " + sql).map { $0.joined(separator: " ") }.joined(separator: "\n")
    #expect(plan.contains("USING INDEX \(index)") || plan.contains("USING COVERING INDEX \(index)"), "\(name): \(plan)")
    #expect(!plan.contains("TEMP B-TREE"), "\(name) sorts: \(plan)")
    #expect(!plan.contains("SCAN findings\n") && !plan.hasSuffix("SCAN findings"), "\(name) scans the table: \(plan)")
  }

  /// Finding drains that died reads only the partial index of in-flight rows, never the table.
  @Test func leaseOwnersComeFromTheInFlightIndex() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    _ = try Outbox(path: path)
    let plan = query(path, "EXPLAIN QUERY PLAN SELECT DISTINCT lease_owner FROM findings WHERE state = 'sending'")
      .map { $0.joined(separator: " ") }.joined(separator: "\n")
    #expect(plan.contains("USING INDEX findings_leases") || plan.contains("COVERING INDEX findings_leases"), "\(plan)")
  }
}
