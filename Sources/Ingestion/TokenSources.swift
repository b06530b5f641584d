import Foundation

/// Fetches a fresh token from Entra ID or IMDS. Implementations hold no mutable state.
public protocol TokenSource: Sendable {
  /// One token request over `session`.
  /// - Throws: ``AuthenticationError`` with the service's explanation.
  func fetch(session: CurlSession, now: Int64) throws(AuthenticationError) -> AccessToken
}

/// Client credentials with a secret or an assertion against `{authority}/{tenant}/oauth2/v2.0/token`.
public struct ClientCredentialSource: TokenSource {
  public enum Credential: Sendable {
    case secret(Secret)
    /// A federated token file (workload identity), read anew on each fetch.
    case federatedTokenFile(String)
  }

  public let authorityHost: URL
  public let tenantID: String
  public let clientID: String
  public let scope: String
  public let credential: Credential

  public init(authorityHost: URL, tenantID: String, clientID: String, scope: String, credential: Credential) {
    self.authorityHost = authorityHost
    self.tenantID = tenantID
    self.clientID = clientID
    self.scope = scope
    self.credential = credential
  }

  /// `{authority}/{tenant}/oauth2/v2.0/token`.
  public var tokenURL: String {
    var base = authorityHost.absoluteString
    while base.hasSuffix("/") { base.removeLast() }
    return "\(base)/\(FormEncoding.escape(tenantID))/oauth2/v2.0/token"
  }

  public func fetch(session: CurlSession, now: Int64) throws(AuthenticationError) -> AccessToken {
    var form = [("client_id", clientID), ("scope", scope), ("grant_type", "client_credentials")]
    var redactor = Redactor()
    switch credential {
    case .secret(let secret):
      SecretRedactor.register(secret)
      form.append(("client_secret", secret.revealed))
      redactor.add(secret)
    case .federatedTokenFile(let path):
      guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
        throw AuthenticationError(
          isTransient: false, status: nil, aadsts: nil, message: "cannot read the federated token file \(path)")
      }
      let assertion = Secret(String(decoding: data, as: UTF8.self))
      SecretRedactor.registerTransient(assertion.revealed)
      redactor.add(assertion)
      form.append(("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"))
      form.append(("client_assertion", assertion.revealed))
    }
    let request = HTTPRequest(
      method: "POST", url: tokenURL,
      headers: ["Content-Type: application/x-www-form-urlencoded", "Accept: application/json"],
      body: Array(FormEncoding.encode(form).utf8))
    return try TokenResponse.interpret(session: session, request: request, now: now, redactor: redactor)
  }
}

/// Managed identity through the Instance Metadata Service (Azure VMs, scale sets, Arc).
public struct ManagedIdentitySource: TokenSource {
  public let endpoint: URL
  /// `scope` without `/.default`, as IMDS wants a resource.
  public let resource: String
  /// A user-assigned identity's client id, or nil for the system-assigned one.
  public let clientID: String?
  /// Retries on 429, 5xx and no answer (IMDS throttling or restarting).
  public var retries = 5
  public var backoff = Backoff(baseMillis: 800, capMillis: 20_000)
  /// How long 404 (identity not assigned yet) and 410 (IMDS updating) are retried: Microsoft's
  /// IMDS guidance says up to 70 seconds.
  public var notReadyBudgetMillis: Int64 = 70_000
  /// Monotonic milliseconds (injectable, so tests need not wait 70 s).
  public var clock: @Sendable () -> Int64 = ManagedIdentitySource.monotonicMillis
  /// Waits this many milliseconds (injectable, with ``clock``).
  public var sleep: @Sendable (Int64) -> Void = { usleep(UInt32(min(max($0, 0), 60_000)) * 1000) }

  public init(endpoint: URL, scope: String, clientID: String?) {
    self.endpoint = endpoint
    var resource = scope
    if resource.hasSuffix("/.default") { resource.removeLast("/.default".count) }
    self.resource = resource
    self.clientID = clientID
  }

  public func fetch(session: CurlSession, now: Int64) throws(AuthenticationError) -> AccessToken {
    var base = endpoint.absoluteString
    while base.hasSuffix("/") { base.removeLast() }
    var url = "\(base)/metadata/identity/oauth2/token?api-version=2018-02-01&resource=\(FormEncoding.escape(resource))"
    if let clientID { url += "&client_id=\(FormEncoding.escape(clientID))" }
    let request = HTTPRequest(method: "GET", url: url, headers: ["Metadata: true"])
    let started = clock()
    var attempt = 0
    var notReady = 0
    while true {
      attempt += 1
      do {
        return try TokenResponse.interpret(session: session, request: request, now: now, redactor: Redactor())
      } catch let error where error.status == 404 || error.status == 410 {
        notReady += 1
        let remaining = notReadyBudgetMillis - (clock() - started)
        guard remaining > 0 else {
          throw AuthenticationError(
            isTransient: true, status: error.status, aadsts: error.aadsts,
            message: error.message + " (IMDS answered \(error.status!) for \(notReadyBudgetMillis / 1000) s, "
              + "\(notReady) tries; the identity may not be assigned to this machine yet)")
        }
        let wait = error.status == 410 ? min(2_500 * Int64(notReady), 10_000) : backoff.windowMillis(attempt: notReady)
        sleep(min(wait, remaining))
      } catch let error where error.isTransient {
        guard attempt <= retries else { throw error }
        sleep(min(backoff.delayMillis(attempt: attempt), 60_000))
      }
    }
  }

  /// CLOCK_MONOTONIC in milliseconds.
  public static func monotonicMillis() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
  }
}

/// Turns a token endpoint's answer into a token or an ``AuthenticationError``.
enum TokenResponse {
  static func interpret(session: CurlSession, request: HTTPRequest, now: Int64, redactor: Redactor)
    throws(AuthenticationError) -> AccessToken
  {
    let response: HTTPResponse
    do {
      response = try session.perform(request)
    } catch {
      throw AuthenticationError(
        isTransient: error.kind != .tls, status: nil, aadsts: nil, message: redactor.redact(error.description))
    }
    return try interpret(response: response, host: CurlSession.host(of: request.url), now: now, redactor: redactor)
  }

  /// The token in a 200 answer, or the error the answer explains (AADSTS code, first line of the description).
  static func interpret(response: HTTPResponse, host: String, now: Int64, redactor: Redactor)
    throws(AuthenticationError) -> AccessToken
  {
    if response.status == 200, let token = AccessToken.parse(response.body, now: now) { return token }
    let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
    let description = (object?["error_description"] as? String) ?? (object?["error"] as? String)
    var aadsts = (object?["error_codes"] as? [NSNumber])?.first?.intValue
    if aadsts == nil, let description, let range = description.firstRange(of: "AADSTS") {
      aadsts = Int(description[range.upperBound...].prefix(while: \.isNumber))
    }
    let firstLine = description.map { String($0.split(whereSeparator: \.isNewline).first ?? "") }
    let message =
      response.status == 200
      ? "the token response has no access_token/expires_in"
      : firstLine ?? "HTTP \(response.status) from \(host)"
    throw AuthenticationError(
      isTransient: response.status == 429 || response.status >= 500, status: response.status, aadsts: aadsts,
      message: redactor.redact(message))
  }
}
