import Prometheus

/// The drain's metrics, under the names dashboards rely on (README, docs/operations.md).
///
/// Backed by swift-prometheus's registry directly: its `MetricsFactory` (the swift-metrics
/// path) drops HELP text and needs a process-wide bootstrap, while the registry is `Sendable`,
/// thread-safe and can be made per test. Updated by the drain thread; read by the HTTP server.
public final class DrainMetrics: Sendable {
  public static let states = ["pending", "sending", "sent", "dead"]
  public static let outcomes = ["delivered", "retry", "rejected", "split", "config_error"]

  public let registry = PrometheusCollectorRegistry()
  private let rows: [String: Gauge]
  private let oldestPendingAge: Gauge
  private let requests: [String: Counter]
  private let rowsSent: Counter
  private let rawBytes: Counter
  private let wireBytes: Counter
  private let requestDuration: DurationHistogram
  private let endpointUp: Gauge

  public init() {
    let prefix = "cvebuster_outbox_"
    var rows: [String: Gauge] = [:]
    for state in Self.states {
      rows[state] = registry.makeGauge(
        name: prefix + "rows", labels: [("state", state)], help: "Outbox rows per delivery state.")
    }
    self.rows = rows
    oldestPendingAge = registry.makeGauge(
      name: prefix + "oldest_pending_age_seconds", help: "Age of the oldest pending row (0 when none is pending).")
    var requests: [String: Counter] = [:]
    for outcome in Self.outcomes {
      requests[outcome] = registry.makeCounter(
        name: prefix + "requests_total", labels: [("outcome", outcome)], help: "Ingestion requests by outcome.")
    }
    self.requests = requests
    rowsSent = registry.makeCounter(name: prefix + "rows_sent_total", help: "Rows delivered (acknowledged by the service).")
    let bytesHelp = "Request body bytes sent: raw JSON and on the wire (gzip)."
    rawBytes = registry.makeCounter(name: prefix + "bytes_sent_total", labels: [("kind", "raw")], help: bytesHelp)
    wireBytes = registry.makeCounter(name: prefix + "bytes_sent_total", labels: [("kind", "wire")], help: bytesHelp)
    requestDuration = registry.makeDurationHistogram(
      name: prefix + "request_duration_seconds", labels: [],
      buckets: [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(30), .seconds(60),
      ],
      help: "Duration of ingestion requests, compression to recorded outcome.")
    endpointUp = registry.makeGauge(
      name: prefix + "endpoint_up", help: "1 when the ingestion endpoint last answered usefully, 0 in an outage or a configuration error.")
  }

  /// The outbox's counts (from `Outbox.status()`), set by the drain thread.
  public func setOutbox(pending: Int, sending: Int, sent: Int, dead: Int, oldestPendingAgeSeconds: Double) {
    rows["pending"]?.set(to: Double(pending))
    rows["sending"]?.set(to: Double(sending))
    rows["sent"]?.set(to: Double(sent))
    rows["dead"]?.set(to: Double(dead))
    oldestPendingAge.set(to: oldestPendingAgeSeconds)
  }

  /// One finished request.
  public func recordRequest(outcome: String, rows: Int, rawBytes: Int, wireBytes: Int, milliseconds: Int) {
    requests[outcome]?.increment()
    if outcome == "delivered" { rowsSent.increment(by: Int64(rows)) }
    self.rawBytes.increment(by: Int64(rawBytes))
    self.wireBytes.increment(by: Int64(wireBytes))
    requestDuration.record(.milliseconds(max(0, milliseconds)))
  }

  public func setEndpointUp(_ up: Bool) {
    endpointUp.set(to: up ? 1.0 : 0.0)
  }

  /// The Prometheus text exposition (format 0.0.4).
  public func exposition() -> String {
    var buffer: [UInt8] = []
    registry.emit(into: &buffer)
    return String(decoding: buffer, as: UTF8.self)
  }
}
