import Foundation

/// One IMDS token request as the server read it.
struct IMDSRequest: Sendable {
  /// The `Metadata` header, if sent.
  var metadata: String?
  var apiVersion: String?
  var resource: String?
  /// A user-assigned identity, by client id, object id or ARM resource id.
  var clientId: String?
  var objectId: String?
  var resourceId: String?
}

/// What an IMDS request came to, for the stats.
enum IMDSResult: Sendable, Equatable {
  case issued
  case refused
  case injected
}

/// The Instance Metadata Service twin: `GET /metadata/identity/oauth2/token`. The VM's identity
/// is the emulator's application: system-assigned when no identity is named, user-assigned when
/// `client_id` names the emulator's client id. Tokens come from the same ``TokenStore`` as the
/// v2.0 token endpoint's, so the ingestion endpoint takes them alike.
final class IMDSEndpoint: Sendable {
  let identity: EmulatorIdentity
  let tokens: TokenStore
  let failFirst: Int
  let failStatus: Int
  private let served = Locked(0)

  /// API versions IMDS's identity endpoint accepts (a subset; 2018-02-01 is what SDKs send).
  static let apiVersions: Set<String> = ["2018-02-01", "2019-08-01", "2019-11-01", "2020-06-01", "2021-02-01"]
  /// Statuses `--imds-fail-status` may inject: those a client should retry.
  static let injectableStatuses: Set<Int> = [404, 410, 429, 500, 503]

  init(identity: EmulatorIdentity, tokens: TokenStore, failFirst: Int, failStatus: Int) {
    self.identity = identity
    self.tokens = tokens
    self.failFirst = failFirst
    self.failStatus = failStatus
  }

  /// Answers one request, checked in IMDS's order (injected fault first).
  func respond(_ request: IMDSRequest, now: Double = Date().timeIntervalSince1970) -> (EndpointResponse, IMDSResult) {
    let position = served.withLock { count -> Int in
      count += 1
      return count
    }
    if position <= failFirst { return (injected(), .injected) }
    guard request.metadata?.lowercased() == "true" else {
      return (error(400, "bad_request_102", "Required metadata header not specified"), .refused)
    }
    guard let version = request.apiVersion, !version.isEmpty else {
      let body: [String: Any] = [
        "error": "Bad request. api-version was not specified in the request. For more information refer to aka.ms/azureimds",
        "newest-versions": Self.apiVersions.sorted().reversed().prefix(3).map { $0 },
      ]
      return (.json(400, body), .refused)
    }
    guard Self.apiVersions.contains(version) else {
      return (error(400, "invalid_request", "Invalid api-version '\(version)'"), .refused)
    }
    guard var resource = request.resource, !resource.isEmpty else {
      return (error(400, "invalid_request", "Required audience parameter not specified"), .refused)
    }
    let named = [request.clientId, request.objectId, request.resourceId].compactMap { $0 }
    guard named.count <= 1 else {
      return (error(400, "invalid_request", "Only one of client_id, object_id or msi_res_id may be given"), .refused)
    }
    if let clientId = request.clientId, clientId != identity.clientId {
      return (error(400, "invalid_request", "Identity not found"), .refused)
    }
    if request.objectId != nil || request.resourceId != nil {
      return (error(400, "invalid_request", "Identity not found"), .refused)
    }
    while resource.hasSuffix("/") { resource.removeLast() }
    guard resource.contains("://") else {
      return (
        error(
          400, "invalid_resource",
          "AADSTS500011: The resource principal named \(resource) was not found in the tenant named \(identity.tenantId). "
            + "This can happen if the application has not been installed by the administrator of the tenant or consented "
            + "to by any user in the tenant. You might have sent your authentication request to the wrong tenant."), .refused
      )
    }
    let (token, lifetime) = tokens.issue(audience: resource, clientId: identity.clientId, now: now)
    let issuedAt = Int(now)
    let body: [String: Any] = [
      "access_token": token, "refresh_token": "", "client_id": identity.clientId,
      "expires_in": String(lifetime), "ext_expires_in": String(lifetime),
      "expires_on": String(issuedAt + lifetime), "not_before": String(issuedAt),
      "resource": request.resource ?? resource, "token_type": "Bearer",
    ]
    return (.json(200, body), .issued)
  }

  private func injected() -> EndpointResponse {
    switch failStatus {
    case 404: error(404, "not_found", "IMDS endpoint is updating (injected by the emulator)")
    case 410: error(410, "gone", "IMDS endpoint is updating (injected by the emulator)")
    case 429: error(429, "too_many_requests", "Too many requests (injected by the emulator)")
    case 500: error(500, "server_error", "Transient error (injected by the emulator)")
    default: error(503, "service_unavailable", "The service is temporarily unavailable (injected by the emulator)")
    }
  }

  /// IMDS's error shape: `{"error","error_description"}`.
  private func error(_ status: Int, _ code: String, _ description: String) -> EndpointResponse {
    .json(status, ["error": code, "error_description": description])
  }
}
