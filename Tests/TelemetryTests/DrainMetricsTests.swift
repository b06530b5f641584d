import OutboxTestSupport
import Telemetry
import Testing

@Suite(.timeLimit(.minutes(10))) struct DrainMetricsTests {
  @Test func theExpositionParsesAndCountsWhatWasRecorded() throws {
    let metrics = DrainMetrics()
    metrics.setOutbox(pending: 3, sending: 1, sent: 500, dead: 2, oldestPendingAgeSeconds: 42)
    metrics.recordRequest(outcome: "delivered", rows: 500, rawBytes: 900_000, wireBytes: 60_000, milliseconds: 120)
    metrics.recordRequest(outcome: "retry", rows: 10, rawBytes: 1_000, wireBytes: 300, milliseconds: 4_000)
    metrics.setEndpointUp(false)
    let text = try PrometheusText(parsing: metrics.exposition())
    #expect(text.value("cvebuster_outbox_rows", ["state": "sent"]) == 500)
    #expect(text.value("cvebuster_outbox_oldest_pending_age_seconds") == 42)
    #expect(text.value("cvebuster_outbox_requests_total", ["outcome": "retry"]) == 1)
    #expect(text.value("cvebuster_outbox_requests_total", ["outcome": "split"]) == 0)
    #expect(text.value("cvebuster_outbox_rows_sent_total") == 500)
    #expect(text.value("cvebuster_outbox_bytes_sent_total", ["kind": "raw"]) == 901_000)
    #expect(text.value("cvebuster_outbox_request_duration_seconds_count") == 2)
    #expect(text.value("cvebuster_outbox_request_duration_seconds_bucket", ["le": "0.25"]) == 1)
    #expect(text.value("cvebuster_outbox_endpoint_up") == 0)
  }

  @Test func theParserRefusesMalformedText() {
    for bad in [
      "x 1",  // no newline
      "# TYPE x gauge\nx{a=\"1\" 1\n",  // unterminated labels
      "# TYPE x gauge\nx{a=1} 1\n",  // unquoted label value
      "# TYPE x gauge\ny 1\n",  // outside its family
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",  // not cumulative
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",  // +Inf ≠ count
    ] {
      #expect(throws: HarnessError.self, "\(bad)") { try PrometheusText(parsing: bad) }
    }
  }

  @Test func healthFollowsOutcomes() {
    let health = DrainHealth(now: 0)
    #expect(health.current.state == .starting && health.current.httpStatus == 200)
    health.set(.outage, reason: "HTTP 503 × 8", now: 10)
    #expect(health.current.httpStatus == 503)
    #expect(health.current.json.contains("\"reason\":\"HTTP 503 × 8\""))
    health.delivered(now: 20)
    #expect(health.current.httpStatus == 200 && health.current.since == 20)
  }
}
