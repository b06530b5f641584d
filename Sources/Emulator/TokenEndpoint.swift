import Findings
import Foundation

/// A response from one of the emulator's endpoints, independent of the HTTP library.
struct EndpointResponse: Sendable {
  var status: Int
  var headers: [(String, String)] = []
  var body: Data = Data()

  /// A JSON answer (keys sorted, so answers are byte-stable), with `extraHeaders` after the content type.
  static func json(_ status: Int, _ document: [String: Any], extraHeaders: [(String, String)] = []) -> EndpointResponse {
    let body = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
    return EndpointResponse(
      status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + extraHeaders, body: body)
  }
}

/// The Entra ID v2.0 token endpoint twin: `POST /{tenant}/oauth2/v2.0/token` with client
/// credentials: a secret, or a federated token (workload identity) as a jwt-bearer client assertion.
struct TokenEndpoint: Sendable {
  let identity: EmulatorIdentity
  let tokens: TokenStore

  /// Answers a token request whose form body is `body` (client secret in the form or HTTP Basic).
  func respond(tenant: String, contentType: String?, authorization: String?, body: [UInt8]) -> (EndpointResponse, issued: Bool) {
    guard tenant == identity.tenantId else {
      return (
        error(
          400, "invalid_request", 90002,
          "Tenant '\(tenant)' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
        ), false
      )
    }
    guard contentType?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
      return (error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."), false)
    }
    var form = TokenEndpoint.parseForm(String(decoding: body, as: UTF8.self))
    if let authorization, authorization.lowercased().hasPrefix("basic "),
      let decoded = Data(base64Encoded: String(authorization.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
      let colon = decoded.firstIndex(of: ":")
    {
      form["client_id"] = form["client_id"] ?? String(decoded[..<colon]).removingPercentEncoding
      form["client_secret"] = form["client_secret"] ?? String(decoded[decoded.index(after: colon)...]).removingPercentEncoding
    }
    guard let grant = form["grant_type"] else {
      return (error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."), false)
    }
    guard grant == "client_credentials" else {
      return (error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '\(grant)'."), false)
    }
    guard let clientId = form["client_id"], !clientId.isEmpty else {
      return (error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'."), false)
    }
    guard clientId == identity.clientId else {
      return (
        error(
          400, "unauthorized_client", 700016,
          "Application with identifier '\(clientId)' was not found in the directory '\(tenant)'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        ), false
      )
    }
    if form["client_assertion_type"] != nil || form["client_assertion"] != nil {
      if let refusal = checkAssertion(type: form["client_assertion_type"], assertion: form["client_assertion"]) {
        return (refusal, false)
      }
    } else {
      guard let secret = form["client_secret"] else {
        return (
          error(
            401, "invalid_client", 7_000_216,
            "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."), false
        )
      }
      guard secret == identity.clientSecret else {
        return (
          error(
            401, "invalid_client", 7_000_215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(clientId)'."
          ), false
        )
      }
    }
    guard let scope = form["scope"], scope.hasSuffix("/.default"), scope.count > "/.default".count else {
      return (
        error(
          400, "invalid_scope", 70011,
          "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope \(form["scope"] ?? "") is not valid."
        ), false
      )
    }
    var audience = String(scope.dropLast("/.default".count))
    while audience.hasSuffix("/") { audience.removeLast() }
    let (token, lifetime) = tokens.issue(audience: audience, clientId: clientId)
    let document: [String: Any] = [
      "token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token,
    ]
    return (.json(200, document, extraHeaders: [("Cache-Control", "no-store, no-cache")]), true)
  }

  /// The answer for a client assertion that is not accepted, or nil for the emulator's federated token.
  /// The assertion is a credential: it never appears in an answer (only the claims a JWT names).
  private func checkAssertion(type: String?, assertion: String?) -> EndpointResponse? {
    guard type == TokenEndpoint.jwtBearerAssertionType else {
      return error(400, "invalid_request", 90011, "Unexpected client assertion type.")
    }
    guard let assertion, !assertion.isEmpty else {
      return error(
        401, "invalid_client", 7_000_216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")
    }
    guard assertion != identity.federatedToken else { return nil }
    let claims = TokenEndpoint.jwtClaims(assertion)
    func claim(_ name: String) -> String {
      switch claims[name] {
      case let text as String: text
      case let list as [Any]: list.map { "\($0)" }.joined(separator: ",")
      default: ""
      }
    }
    return error(
      400, "invalid_request", 70021,
      "No matching federated identity record found for presented assertion. Assertion Issuer: '\(claim("iss"))'. "
        + "Assertion Subject: '\(claim("sub"))'. Assertion Audience: '\(claim("aud"))'.")
  }

  /// RFC 7521's assertion type for a JWT client assertion.
  static let jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

  /// The payload claims of a JWT (unverified), or none when `text` is not one.
  static func jwtClaims(_ text: String) -> [String: Any] {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3 else { return [:] }
    var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    guard let data = Data(base64Encoded: base64),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { return [:] }
    return object
  }

  /// Entra's error shape: `error`, `error_description` ending in trace and correlation ids, `error_codes`, …
  private func error(_ status: Int, _ code: String, _ aadsts: Int, _ message: String) -> EndpointResponse {
    let trace = UUID().uuidString.lowercased()
    let correlation = UUID().uuidString.lowercased()
    let timestamp = UTCTimestamp.format(Int64(Date().timeIntervalSince1970)).replacingOccurrences(of: "T", with: " ")
    let document: [String: Any] = [
      "error": code,
      "error_description": "AADSTS\(aadsts): \(message)\r\nTrace ID: \(trace)\r\nCorrelation ID: \(correlation)\r\nTimestamp: \(timestamp)",
      "error_codes": [aadsts],
      "timestamp": timestamp,
      "trace_id": trace,
      "correlation_id": correlation,
      "error_uri": "https://login.microsoftonline.com/error?code=\(aadsts)",
    ]
    return .json(status, document)
  }

  /// `application/x-www-form-urlencoded` to a dictionary (first value of a repeated name wins).
  static func parseForm(_ text: String) -> [String: String] {
    var form: [String: String] = [:]
    for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      func decode(_ part: Substring) -> String {
        String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
      }
      let name = decode(parts[0])
      if form[name] == nil { form[name] = parts.count > 1 ? decode(parts[1]) : "" }
    }
    return form
  }
}
