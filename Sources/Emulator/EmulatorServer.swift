import Findings
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import UnixSignals

/// The emulator: an HTTP/1.1 server (Hummingbird) with the Entra ID token endpoint, the IMDS
/// token endpoint, the Logs Ingestion endpoint and `GET /_emulator/stats`.
public final class EmulatorServer: Sendable {
  public let settings: EmulatorSettings
  /// How the transform sets `TimeGenerated`.
  public let timeGeneratedRule: TimeGeneratedRule
  private let tokens: TokenStore
  private let stats = Locked(EmulatorStats())
  private let ingestion: IngestionEndpoint
  private let tokenEndpoint: TokenEndpoint
  private let imds: IMDSEndpoint

  /// Checks the settings and opens the workspace (none in sink mode).
  /// - Throws: `EmulatorError` for an unsupported transform, bad settings or an unusable workspace.
  public init(settings: EmulatorSettings) throws(EmulatorError) {
    try settings.faults.validate()
    guard settings.tokenLifetime > 0 else {
      throw EmulatorError(.invalidSetting, "--token-ttl must be at least 1 second")
    }
    guard (0...65_535).contains(settings.port) else {
      throw EmulatorError(.invalidSetting, "--port must be between 0 and 65535")
    }
    guard settings.imdsFailFirst >= 0, IMDSEndpoint.injectableStatuses.contains(settings.imdsFailStatus) else {
      throw EmulatorError(
        .invalidSetting,
        "--imds-fail-first must not be negative and --imds-fail-status must be one of "
          + IMDSEndpoint.injectableStatuses.sorted().map(String.init).joined(separator: ", "))
    }
    guard !settings.identity.federatedToken.isEmpty, !settings.rejectRowsContaining.contains("") else {
      throw EmulatorError(.invalidSetting, "--federated-token and --reject-rows-containing must not be empty")
    }
    self.settings = settings
    timeGeneratedRule = try TimeGeneratedRule(transformKql: settings.stream.transformKql, stream: settings.stream)
    tokens = TokenStore(lifetime: settings.tokenLifetime, clock: settings.tokenClock)
    let workspace = settings.sink ? nil : try Workspace(path: settings.workspacePath, table: settings.table)
    ingestion = IngestionEndpoint(
      settings: settings, tokens: tokens,
      shaper: RowShaper(stream: settings.stream, table: settings.table, rule: timeGeneratedRule),
      workspace: workspace, stats: stats)
    tokenEndpoint = TokenEndpoint(identity: settings.identity, tokens: tokens)
    imds = IMDSEndpoint(
      identity: settings.identity, tokens: tokens, failFirst: settings.imdsFailFirst, failStatus: settings.imdsFailStatus)
  }

  /// The stats document served at `/_emulator/stats`.
  public func statsJSON() -> Data {
    let snapshot = stats.withLock { $0 }
    return snapshot.json(mode: settings.sink ? "sink" : "full")
  }

  /// Serves until cancelled (or, with `handleSignals`, until SIGINT/SIGTERM), then stops gracefully.
  /// - Parameter onReady: called once with the base URL (`http://127.0.0.1:PORT`) when listening.
  public func run(onReady: @escaping @Sendable (String) async -> Void) async throws {
    var logger = Logger(label: "cvebuster-outbox.emulator") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = .critical  // cancellation at shutdown logs harmless errors
    let host = settings.host
    let app = Application(
      router: makeRouter(),
      configuration: .init(address: .hostname(host, port: settings.port)),
      onServerRunning: { channel in
        let port = channel.localAddress?.port ?? 0
        let shownHost = host.contains(":") ? "[\(host)]" : host
        await onReady("http://\(shownHost):\(port)")
      },
      logger: logger)
    try await app.runService(gracefulShutdownSignals: settings.handleSignals ? [.sigterm, .sigint] : [])
  }

  private func makeRouter() -> Router<EmulatorRequestContext> {
    let router = Router(context: EmulatorRequestContext.self)
    router.post("/dataCollectionRules/:dcr/streams/:stream") { request, context in
      try await self.ingest(request, context: context)
    }
    router.post("/:tenant/oauth2/v2.0/token") { request, context in
      let tenant = context.parameters.get("tenant") ?? ""
      let body = try await request.body.collect(upTo: 65_536)
      let (response, issued) = self.tokenEndpoint.respond(
        tenant: tenant, contentType: request.headers[.contentType],
        authorization: request.headers[.authorization], body: Array(buffer: body))
      self.stats.withLock { stats in
        stats.tokenRequestsByStatus[response.status, default: 0] += 1
        if issued { stats.tokensIssued += 1 }
      }
      return Self.httpResponse(response)
    }
    router.get("/metadata/identity/oauth2/token") { request, _ in
      let query = request.uri.queryParameters
      let (response, result) = self.imds.respond(
        IMDSRequest(
          metadata: request.headers[HTTPField.Name("Metadata")!], apiVersion: query.get("api-version"),
          resource: query.get("resource"), clientId: query.get("client_id"), objectId: query.get("object_id"),
          resourceId: query.get("msi_res_id")))
      self.stats.withLock { stats in
        stats.imdsRequestsByStatus[response.status, default: 0] += 1
        if result == .issued { stats.tokensIssued += 1 }
        if result == .injected { stats.faultsInjected["imds", default: 0] += 1 }
      }
      return Self.httpResponse(response)
    }
    router.post("/_emulator/outage/end") { _, _ in
      self.ingestion.outage.withLock { $0 = nil }
      return Self.httpResponse(EndpointResponse(status: 204))
    }
    router.get("/_emulator/stats") { _, _ in
      Self.httpResponse(EndpointResponse(status: 200, headers: [("Content-Type", "application/json")], body: self.statsJSON()))
    }
    return router
  }

  private func ingest(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
    let requestId = UUID().uuidString.lowercased()
    var body: [UInt8] = []
    var wireBytes = 0
    let keep = settings.maxWireBytes + 1
    for try await buffer in request.body {
      wireBytes += buffer.readableBytes
      if body.count < keep {
        body.append(contentsOf: buffer.readableBytesView.prefix(keep - body.count))
      }
    }
    let ingestionRequest = IngestionRequest(
      dcrId: context.parameters.get("dcr") ?? "", stream: context.parameters.get("stream") ?? "",
      apiVersion: request.uri.queryParameters.get("api-version"),
      authorization: request.headers[.authorization], contentType: request.headers[.contentType],
      contentEncoding: request.headers[.contentEncoding],
      clientRequestId: request.headers[HTTPField.Name("x-ms-client-request-id")!],
      body: body, wireBytes: wireBytes)
    switch await ingestion.handle(ingestionRequest, requestId: requestId) {
    case .dropConnection:
      stats.withLock { $0.connectionsDropped += 1 }
      await context.resetConnection()
      return Response(status: .internalServerError)
    case .respond(var response):
      stats.withLock { $0.requestsByStatus[response.status, default: 0] += 1 }
      response.headers.append(("x-ms-request-id", requestId))
      if let clientId = ingestionRequest.clientRequestId { response.headers.append(("x-ms-client-request-id", clientId)) }
      return Self.httpResponse(response)
    }
  }

  private static func httpResponse(_ response: EndpointResponse) -> Response {
    var fields = HTTPFields()
    for (name, value) in response.headers {
      if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
    }
    if response.status == 204 { return Response(status: .noContent, headers: fields) }
    return Response(
      status: HTTPResponse.Status(code: response.status), headers: fields,
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: response.body)))
  }
}
