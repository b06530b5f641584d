import Findings
import Foundation
import Ingestion

/// The Logs Ingestion endpoint twin: checks a request in the service's order, applies the DCR
/// to its rows, stores them (or only counts them in sink mode) and keeps the stats.
final class IngestionEndpoint: Sendable {
  let settings: EmulatorSettings
  let tokens: TokenStore
  let faults: FaultInjector
  let shaper: RowShaper
  let workspace: Workspace?
  let stats: Locked<EmulatorStats>
  let rejection: RowRejection
  private let seenKeys = Locked(Set<String>())
  /// The outage under way, if any (`--outage`, ended by `POST /_emulator/outage/end`).
  let outage: Locked<FaultPlan.Outage?>

  init(settings: EmulatorSettings, tokens: TokenStore, shaper: RowShaper, workspace: Workspace?, stats: Locked<EmulatorStats>) {
    self.settings = settings
    self.tokens = tokens
    self.shaper = shaper
    self.workspace = workspace
    self.stats = stats
    rejection = RowRejection(markers: settings.rejectRowsContaining)
    outage = Locked(settings.faults.outage)
    faults = FaultInjector(
      plan: settings.faults, requestsPerMinute: settings.throttleRequestsPerMinute,
      bytesPerMinute: settings.throttleBytesPerMinute)
  }

  /// Answers one request; the caller adds `x-ms-request-id` and the client request id echo.
  func handle(_ request: IngestionRequest, requestId: String) async -> IngestionOutcome {
    stats.withLock { $0.requestsReceived += 1 }
    var decision = faults.next()
    switch outage.withLock({ $0 }) {
    case .status500: decision = .status(500, kind: "outage")
    case .status503: decision = .status(503, kind: "outage")
    case .reset: decision = .reset
    case nil: break
    }
    if settings.faults.latencyMilliseconds > 0 {
      try? await Task.sleep(for: .milliseconds(settings.faults.latencyMilliseconds))
    }
    stats.withLock { $0.bytesReceivedWire += request.wireBytes }
    switch decision {
    case .reset:
      count(fault: "reset")
      return .dropConnection
    case .throttled(let retryAfter):
      count(fault: "throttle")
      return .respond(IngestionErrors.throttled(retryAfter: retryAfter))
    case .status(let status, let kind):
      count(fault: kind)
      return .respond(injected(status))
    case .none, .lostAck:
      break
    }
    let outcome = validateAndIngest(request, requestId: requestId)
    if decision == .lostAck, case .respond(let response) = outcome, response.status == 204 {
      count(fault: "lost_ack")
      return settings.faults.lostAckAnswers500 ? .respond(injected(500)) : .dropConnection
    }
    return outcome
  }

  private func injected(_ status: Int) -> EndpointResponse {
    switch status {
    case 429: return IngestionErrors.throttled(retryAfter: settings.faults.retryAfterSeconds)
    case 500: return IngestionErrors.response(500, "InternalServerError", "An internal error occurred (injected by the emulator).")
    default:
      return IngestionErrors.response(
        503, "ServiceUnavailable", "The service is temporarily unavailable (injected by the emulator).",
        extraHeaders: [("Retry-After", String(settings.faults.retryAfterSeconds))])
    }
  }

  private func count(fault kind: String) {
    stats.withLock {
      $0.faultsInjected[kind, default: 0] += 1
    }
  }

  private func validateAndIngest(_ request: IngestionRequest, requestId: String) -> IngestionOutcome {
    let identity = settings.identity
    guard let version = request.apiVersion else {
      return .respond(
        IngestionErrors.response(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."))
    }
    guard IngestionErrors.apiVersions.contains(version) else {
      return .respond(
        IngestionErrors.response(
          400, "InvalidApiVersionParameter",
          "The api-version '\(version)' is invalid. The supported versions are '\(IngestionErrors.apiVersions.sorted().joined(separator: ","))'."))
    }
    if let problem = tokens.check(authorization: request.authorization) {
      let challenge = [("WWW-Authenticate", "Bearer authorization_uri=\"https://login.microsoftonline.com/\(identity.tenantId)\"")]
      switch problem {
      case .missing:
        return .respond(
          IngestionErrors.response(
            401, "InvalidAuthenticationToken", "The request has no valid bearer token in its Authorization header.", extraHeaders: challenge))
      case .unknown:
        return .respond(
          IngestionErrors.response(
            401, "InvalidAuthenticationToken", "The access token is invalid (not issued by this emulator instance).", extraHeaders: challenge))
      case .expired:
        return .respond(
          IngestionErrors.response(401, "ExpiredAuthenticationToken", "The access token has expired. Get a new token and retry.", extraHeaders: challenge))
      case .wrongAudience(let audience):
        return .respond(
          IngestionErrors.response(
            401, "InvalidAudience",
            "The access token audience '\(audience)' is invalid; tokens for the Logs Ingestion API need scope https://monitor.azure.com//.default.",
            extraHeaders: challenge))
      }
    }
    guard request.dcrId == identity.dcrImmutableId else {
      return .respond(IngestionErrors.response(404, "NotFound", "Data collection rule with immutable Id '\(request.dcrId)' not found."))
    }
    guard settings.roleAssigned else {
      return .respond(
        IngestionErrors.response(
          403, "OperationFailed",
          "The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '\(request.dcrId)' PipelineAccessResult: AccessGranted: False, IsRbacPresent: False, IsDcrDceBindingValid: , DcrArmId: , Message: "
        ))
    }
    guard request.stream == settings.stream.streamName else {
      return .respond(
        IngestionErrors.response(
          400, "InvalidStream",
          "Stream '\(request.stream)' is not declared in data collection rule '\(request.dcrId)'; it declares '\(settings.stream.streamName)'."))
    }
    guard request.wireBytes <= settings.maxWireBytes else { return .respond(IngestionErrors.tooLarge()) }
    let mediaType = request.contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    guard mediaType == "application/json" else {
      return .respond(
        IngestionErrors.response(
          415, "UnsupportedMediaType",
          "Content-Type '\(request.contentType ?? "")' is not supported; send application/json."))
    }
    var body = request.body
    switch request.contentEncoding?.lowercased().trimmingCharacters(in: .whitespaces) {
    case nil, "", "identity": break
    case "gzip":
      do {
        body = try gunzip(body, limit: settings.maxDecompressedBytes)
      } catch {
        return .respond(
          IngestionErrors.response(400, "InvalidContentEncoding", "Content-Encoding is gzip but the body does not decompress (\(error.description))."))
      }
    case let other?:
      return .respond(IngestionErrors.response(400, "UnsupportedContentEncoding", "Content-Encoding '\(other)' is not supported; send gzip or no encoding."))
    }
    stats.withLock { $0.bytesDecompressed += body.count }
    faults.recordBytes(body.count)
    guard !body.isEmpty else { return .respond(EndpointResponse(status: 500)) }
    if let refusal = rejection.check(body) { return .respond(refusal) }
    return settings.sink ? count(body) : ingest(body, requestId: requestId)
  }

  private func count(_ body: [UInt8]) -> IngestionOutcome {
    let rows = body.withUnsafeBufferPointer { JSONArrayCounter.countElements($0) }
    stats.withLock { stats in
      if let rows {
        stats.rowsReceived += rows
        stats.rowsCounted += rows
      } else {
        stats.droppedBodies += 1
      }
    }
    return .respond(EndpointResponse(status: 204))
  }

  private func ingest(_ body: [UInt8], requestId: String) -> IngestionOutcome {
    let receivedAt = Timestamp(secondsSince1970: Date().timeIntervalSince1970)
    let parsed = body.withUnsafeBufferPointer { try? JSONParser.parse($0, options: .ingestionBody) }
    guard case .array(let elements) = parsed else {
      // The service answers 204 for a body that is not a JSON array, and ingests nothing.
      stats.withLock { $0.droppedBodies += 1 }
      return .respond(EndpointResponse(status: 204))
    }
    let batch = shaper.shape(elements, receivedAt: receivedAt)
    do {
      try workspace?.store(batch.rows, requestId: requestId, receivedAt: receivedAt.iso8601)
    } catch {
      FileHandle.standardError.write(Data("emulator: \(error)\n".utf8))
      return .respond(IngestionErrors.response(500, "InternalServerError", "The emulator could not store the rows: \(error)"))
    }
    let duplicates = seenKeys.withLock { seen in
      batch.naturalKeys.reduce(0) { $0 + (seen.insert($1).inserted ? 0 : 1) }
    }
    stats.withLock { stats in
      stats.add(batch.counts)
      stats.rowsStored += batch.rows.count
      stats.duplicateRows += duplicates
    }
    return .respond(EndpointResponse(status: 204))
  }
}

extension JSONParser.Options {
  /// How the emulator reads a request body: up to 512 levels deep, and a member named twice in
  /// one row is accepted rather than failing the whole body (the row shaper keeps the last one).
  static let ingestionBody = JSONParser.Options(maximumDepth: 512, rejectsDuplicateNames: false)
}
