import Foundation
import OutboxTestSupport
import Testing

/// `drain --watch --metrics-listen` and `--metrics-file`, read over real HTTP from a real drain
/// process sending to the real emulator.
@Suite(.timeLimit(.minutes(3))) struct MetricsHealthCLITests {
  let directory = TemporaryDirectory()

  /// Starts a watching drain with a metrics server on a free port; returns it and its base URL.
  func watch(_ db: String, config: String, extra: [String] = []) throws -> (RunningProcess, String) {
    let drain = try RunningProcess(
      [
        "drain", "--watch", "--interval", "1s", "--db", db, "--config", config, "--metrics-listen", "127.0.0.1:0",
        "--log-format", "json",
      ] + extra)
    let line = try drain.stderrLine(containing: "metrics listening")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    return (drain, try #require(object["url"] as? String))
  }

  @Test func metricsAndHealthDuringAWatchThatDelivers() throws {
    let emulator = try EmulatorProcess(in: directory)
    let db = try enqueuedDatabase(in: directory, count: 120)
    let (drain, url) = try watch(db, config: emulator.configPath)
    var metrics: PrometheusText?
    let delivered = try RunningProcess.poll {
      metrics = try PrometheusText(parsing: try httpGet(url + "/metrics").body)
      return metrics?.value("cvebuster_outbox_rows", ["state": "sent"]) == 120
    }
    #expect(delivered, "\(drain.standardError)")
    let text = try #require(metrics)
    for (name, type) in [
      ("cvebuster_outbox_rows", "gauge"), ("cvebuster_outbox_oldest_pending_age_seconds", "gauge"),
      ("cvebuster_outbox_requests_total", "counter"), ("cvebuster_outbox_rows_sent_total", "counter"),
      ("cvebuster_outbox_bytes_sent_total", "counter"), ("cvebuster_outbox_request_duration_seconds", "histogram"),
      ("cvebuster_outbox_endpoint_up", "gauge"),
    ] {
      #expect(text.families[name]?.type == type, "\(name)")
      #expect(text.families[name]?.help?.isEmpty == false, "\(name) has HELP")
    }
    #expect(text.value("cvebuster_outbox_rows", ["state": "pending"]) == 0)
    #expect(text.value("cvebuster_outbox_rows_sent_total") == 120)
    #expect((text.value("cvebuster_outbox_requests_total", ["outcome": "delivered"]) ?? 0) >= 1)
    #expect(text.value("cvebuster_outbox_requests_total", ["outcome": "config_error"]) == 0)
    #expect((text.value("cvebuster_outbox_bytes_sent_total", ["kind": "wire"]) ?? 0) > 0)
    #expect(
      text.value("cvebuster_outbox_request_duration_seconds_count")
        == text.value("cvebuster_outbox_requests_total", ["outcome": "delivered"]))
    #expect(text.value("cvebuster_outbox_endpoint_up") == 1)
    let health = try httpGet(url + "/healthz")
    #expect(health.status == 200, "\(health.body)")
    #expect(health.body.contains("\"status\":\"ok\""))
    #expect(drain.terminate() == 0)
  }

  @Test func healthIs503WithAReasonOnAConfigurationErrorAndTheWatchStaysUp() throws {
    let emulator = try EmulatorProcess(in: directory, flags: ["--without-role"])
    let db = try enqueuedDatabase(in: directory, count: 10)
    let (drain, url) = try watch(db, config: emulator.configPath)
    var health: (status: Int, body: String) = (0, "")
    let unhealthy = try RunningProcess.poll {
      health = try httpGet(url + "/healthz")
      return health.status == 503
    }
    #expect(unhealthy, "\(health) \(drain.standardError)")
    let reason = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
    #expect(reason["status"] as? String == "configuration_error")
    #expect((reason["reason"] as? String)?.contains("403") == true, "\(reason)")
    let metrics = try PrometheusText(parsing: try httpGet(url + "/metrics").body)
    #expect(metrics.value("cvebuster_outbox_endpoint_up") == 0)
    #expect((metrics.value("cvebuster_outbox_requests_total", ["outcome": "config_error"]) ?? 0) >= 1)
    #expect(metrics.value("cvebuster_outbox_rows", ["state": "pending"]) == 10, "rows are given back unspent")
    #expect(drain.terminate() == 0)
  }

  @Test func aOneShotDrainWritesTheMetricsFile() throws {
    let emulator = try EmulatorProcess(in: directory)
    let db = try enqueuedDatabase(in: directory, count: 30)
    let file = directory.file("drain.prom")
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath, "--metrics-file", file])
    #expect(result.status == 0, "\(result.stderr)")
    let metrics = try PrometheusText(parsing: try String(contentsOfFile: file, encoding: .utf8))
    #expect(metrics.value("cvebuster_outbox_rows_sent_total") == 30)
    #expect(metrics.value("cvebuster_outbox_rows", ["state": "sent"]) == 30)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }.isEmpty)
  }

  @Test func metricsListenWithoutWatchIsAUsageError() throws {
    let result = try runCLI(["drain", "--db", directory.file("x.sqlite"), "--metrics-listen", "127.0.0.1:0"])
    #expect(result.status == 64)
  }
}
