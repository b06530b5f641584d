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

  /// `cvebuster_outbox_<name>` with its HELP text.
  private static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(namespace: "cvebuster_outbox", metricName: name, unitName: "", helpText: help)
  }

  public init() {
    var rows: [String: Gauge] = [:]
    for state in Self.states {
      rows[state] = registry.makeGauge(descriptor: Self.named("rows", "Outbox rows per delivery state."), labels: [("state", state)])
    }
    self.rows = rows
    oldestPendingAge = registry.makeGauge(descriptor: Self.named("oldest_pending_age_seconds", "Age of the oldest pending row (0 when none is pending)."))
    var requests: [String: Counter] = [:]
    for outcome in Self.outcomes {
      requests[outcome] = registry.makeCounter(descriptor: Self.named("requests_total", "Ingestion requests by outcome."), labels: [("outcome", outcome)])
    }
    self.requests = requests
    rowsSent = registry.makeCounter(descriptor: Self.named("rows_sent_total", "Rows delivered (acknowledged by the service)."))
    let bytesHelp = "Request body bytes sent: raw JSON and on the wire (gzip)."
    rawBytes = registry.makeCounter(descriptor: Self.named("bytes_sent_total", bytesHelp), labels: [("kind", "raw")])
    wireBytes = registry.makeCounter(descriptor: Self.named("bytes_sent_total", bytesHelp), labels: [("kind", "wire")])
    requestDuration = registry.makeDurationHistogram(
      descriptor: Self.named("request_duration_seconds", "Duration of ingestion requests, compression to recorded outcome."),
      buckets: [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(30), .seconds(60),
      ])
    endpointUp = registry.makeGauge(
      descriptor: Self.named("endpoint_up", "1 when the ingestion endpoint last answered usefully, 0 in an outage or a configuration error."))
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
