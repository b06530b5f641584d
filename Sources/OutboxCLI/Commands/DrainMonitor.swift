import Delivery
import Dispatch
import Foundation
import Logging
import OutboxStore
import Synchronization
import Telemetry

/// Feeds the drain's batches and passes into the metrics and health, on the drain thread
/// (the only thread that uses the outbox); writes `--metrics-file` after each pass.
final class DrainMonitor: @unchecked Sendable {
  // `outbox` and `lastGauges` are used only on the drain thread; metrics and health are thread-safe.
  let metrics = DrainMetrics()
  let health = DrainHealth()
  private let outbox: Outbox
  private let metricsFile: String?
  private var lastGauges: Int64 = 0

  init(outbox: Outbox, metricsFile: String?) {
    self.outbox = outbox
    self.metricsFile = metricsFile
    metrics.setEndpointUp(true)  // nothing known to be wrong yet
    updateGauges()
  }

  /// One finished request.
  func batch(_ event: BatchEvent) {
    metrics.recordRequest(
      outcome: event.outcome, rows: event.rows, rawBytes: event.rawBytes, wireBytes: event.wireBytes,
      milliseconds: event.millis)
    switch event.outcome {
    case "delivered":
      metrics.setEndpointUp(true)
      health.delivered()
    case "rejected", "split":
      metrics.setEndpointUp(true)
    case "config_error":
      metrics.setEndpointUp(false)
      health.set(.configurationError, reason: event.error)
    default:
      // A 429 is an answer (throttled); no answer, 408 or 5xx is not.
      metrics.setEndpointUp(event.status == 429)
    }
    // Counting scans an index: at most every 2 s during a pass.
    if Outbox.now() - lastGauges >= 2_000 { updateGauges() }
  }

  /// The end of a pass: its stop reason sets the health; the gauges and the file are refreshed.
  func pass(_ report: DrainReport) {
    switch report.stop {
    case .configuration(let message):
      metrics.setEndpointUp(false)
      health.set(.configurationError, reason: message)
    case .outage(let reason, let nextTryAt):
      metrics.setEndpointUp(false)
      health.set(.outage, reason: "\(reason); next try \(Formatting.timestamp(nextTryAt))")
    case .drained, .maxRows, .maxDuration, .interrupted:
      // Nothing failed for good: healthy when it delivered or nothing was due; a pass that only
      // retried keeps what was known.
      if report.sentRows > 0 || report.requests == 0 && health.current.healthy {
        health.set(.ok)
      }
    }
    updateGauges()
    writeFile()
  }

  private func updateGauges() {
    lastGauges = Outbox.now()
    guard let status = try? outbox.status() else { return }
    let age = status.oldestPendingEnqueuedAt.map { max(0, Double(lastGauges - $0) / 1000) } ?? 0
    metrics.setOutbox(
      pending: status.pending, sending: status.sending, sent: status.sent, dead: status.dead,
      oldestPendingAgeSeconds: age)
  }

  private func writeFile() {
    guard let metricsFile else { return }
    do {
      try MetricsFile.write(metrics.exposition(), to: metricsFile)
    } catch {
      Diagnostics.warning("--metrics-file \(metricsFile): \(error)")
    }
  }
}

/// The `/metrics` + `/healthz` server on its own task while the drain runs synchronously.
final class MetricsServerThread: Sendable {
  private let task: Task<Void, Never>
  private let finished = DispatchSemaphore(value: 0)

  /// Starts listening; returns once the port is bound.
  /// - Throws: the exit code for a port that cannot be bound (74).
  init(monitor: DrainMonitor, address: ListenAddress) throws {
    let server = MetricsServer(metrics: monitor.metrics, health: monitor.health)
    let ready = DispatchSemaphore(value: 0)
    let outcome = Mutex<Result<String, any Error>?>(nil)
    let finished = self.finished
    task = Task.detached {
      do {
        try await server.run(host: address.host, port: address.port) { url in
          outcome.withLock { $0 = .success(url) }
          ready.signal()
        }
      } catch {
        outcome.withLock { if $0 == nil { $0 = .failure(error) } }
        ready.signal()
      }
      finished.signal()
    }
    _ = ready.wait(timeout: .now() + 30)
    switch outcome.withLock({ $0 }) {
    case .success(let url):
      Console.shared.log(
        .info, "metrics listening",
        [
          "url": .string(url), "metrics": .string(url + "/metrics"),
          "healthz": .string(url + "/healthz"),
        ])
    case .failure(let error):
      throw fail(.ioError, "--metrics-listen \(address): cannot listen: \(error)")
    case nil:
      task.cancel()
      throw fail(.ioError, "--metrics-listen \(address): the server did not start")
    }
  }

  /// Stops the server (bounded wait).
  func stop() {
    task.cancel()
    _ = finished.wait(timeout: .now() + 5)
  }
}
