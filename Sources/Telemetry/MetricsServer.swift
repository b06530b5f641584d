import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `GET /metrics` (Prometheus text 0.0.4) and `GET /healthz` over HTTP/1.1 (Hummingbird).
///
/// It reads only ``DrainMetrics`` and ``DrainHealth``, never the outbox: the drain thread owns
/// the database and pushes its counts into the gauges.
public final class MetricsServer: Sendable {
  public let metrics: DrainMetrics
  public let health: DrainHealth

  public init(metrics: DrainMetrics, health: DrainHealth) {
    self.metrics = metrics
    self.health = health
  }

  /// Serves on `host:port` until the task is cancelled; `onReady` gets `http://host:port`.
  public func run(host: String, port: Int, onReady: @escaping @Sendable (String) -> Void) async throws {
    var logger = Logger(label: "cvebuster-outbox.metrics")
    logger.logLevel = .critical  // cancellation at shutdown logs harmless errors
    let router = Router()
    router.get("/metrics") { _, _ in
      Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: self.metrics.exposition())))
    }
    router.get("/healthz") { _, _ in
      let report = self.health.current
      return Response(
        status: HTTPResponse.Status(code: report.httpStatus), headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: report.json)))
    }
    let app = Application(
      router: router, configuration: .init(address: .hostname(host, port: port)),
      onServerRunning: { channel in
        let shownHost = host.contains(":") ? "[\(host)]" : host
        onReady("http://\(shownHost):\(channel.localAddress?.port ?? port)")
      },
      logger: logger)
    try await app.runService(gracefulShutdownSignals: [])
  }
}
