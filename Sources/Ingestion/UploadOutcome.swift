import Foundation

/// What one ingestion request's answer means for its rows.
public enum UploadOutcome: Sendable, Equatable {
  /// 204: the service took the body.
  case delivered
  /// 429 or 503: wait (`Retry-After` when given), then resend; the rows are not at fault.
  case throttled(retryAfterMillis: Int64?)
  /// 408, 500, 502, 504, other 5xx, or no response: back off with jitter and resend.
  /// `bodyUnsent` is true when the body never left this machine (no connection, no token):
  /// the rows were not tried, so the attempt is not counted.
  case transient(reason: String, retryAfterMillis: Int64?, bodyUnsent: Bool)
  /// 413: the body is too large; split it.
  case tooLarge(message: String)
  /// 400 (or 422): the service refused the content; bisect to find the rows at fault.
  case rejected(message: String)
  /// 401 after a token refresh, 403, 404, other 4xx, TLS failure or a refused token request:
  /// nothing will work until the configuration changes. `message` says what to fix.
  case configuration(message: String)
}

extension UploadOutcome {
  /// No token for the request: the body never left. A token endpoint or IMDS outage is
  /// transient; a refused credential is a configuration error.
  public init(tokenFailure error: AuthenticationError) {
    self =
      error.isTransient
      ? .transient(reason: error.description, retryAfterMillis: nil, bodyUnsent: true)
      : .configuration(message: error.description)
  }
}

/// Classifies an ingestion response (logs-ingestion-api.md §1 and design.md "Sending rules").
public enum ResponseClassifier {
  /// The outcome of an HTTP response from the ingestion endpoint.
  public static func classify(_ response: HTTPResponse, now: Int64, redactor: Redactor = Redactor())
    -> UploadOutcome
  {
    let status = response.status
    let retryAfter = RetryAfter.delayMillis(headers: response.headers, now: now)
    let detail = redactor.redact(serviceMessage(response))
    switch status {
    case 200...299: return .delivered
    case 429, 503: return .throttled(retryAfterMillis: retryAfter)
    case 408, 500...599:
      return .transient(
        reason: "HTTP \(status)\(detail.isEmpty ? "" : ": " + detail)", retryAfterMillis: retryAfter,
        bodyUnsent: false)
    case 413: return .tooLarge(message: "HTTP 413: \(detail)")
    case _ where (status == 400 || status == 422) && requestLevelCodes.contains(errorCode(response)):
      let propagation = errorCode(response) == "InvalidStream" ? " " + propagationNote : ""
      return .configuration(
        message: "HTTP \(status): \(detail). The service refused the request as a whole, not its rows: check "
          + "dcr_immutable_id and stream_name (Custom-…) against the deployment outputs" + propagation)
    case 400, 422: return .rejected(message: "HTTP \(status): \(detail)")
    case 401:
      return .configuration(
        message: "HTTP 401 after a token refresh: \(detail). The token's audience must match the endpoint's cloud "
          + "(scope https://monitor.azure.com/.default for public Azure)")
    case 403:
      return .configuration(
        message: "HTTP 403: \(detail). Give the app the Monitoring Metrics Publisher role on the DCR "
          + "(a new role assignment can take up to 30 minutes to apply)")
    case 404:
      return .configuration(
        message: "HTTP 404: \(detail). Check dce_endpoint, dcr_immutable_id (starts with dcr-) and stream_name "
          + "(Custom-…) against the deployment outputs" + (errorCode(response) == "NotFound" ? " " + propagationNote : ""))
    default:
      return .configuration(message: "HTTP \(status): \(detail)")
    }
  }

  /// The outcome of a request that got no response.
  public static func classify(_ error: TransportError) -> UploadOutcome {
    switch error.kind {
    case .tls:
      .configuration(
        message: "TLS failed: \(error.description). Check the endpoint's certificate, or set ca_bundle for a private CA")
    case .connect: .transient(reason: error.description, retryAfterMillis: nil, bodyUnsent: true)
    case .timeout, .broken, .other: .transient(reason: error.description, retryAfterMillis: nil, bodyUnsent: false)
    }
  }

  /// Both answers can be transient for a few minutes after the DCR was created or changed.
  static let propagationNote =
    "A DCR created or changed in the last few minutes may not have propagated yet: if it is new, wait 5–10 minutes and run again"

  /// 400 codes about the request itself (its stream, api-version or encoding), which no row
  /// can cause: bisecting would only dead-letter every row.
  static let requestLevelCodes: Set<String> = [
    "InvalidStream", "MissingApiVersionParameter", "InvalidApiVersionParameter", "InvalidContentEncoding",
    "UnsupportedContentEncoding",
  ]

  /// The service's error code: `error.code` in the body, else the `x-ms-error-code` header.
  static func errorCode(_ response: HTTPResponse) -> String {
    if let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any],
      let error = object["error"] as? [String: Any], let code = error["code"] as? String
    {
      return code
    }
    return response.headers["x-ms-error-code"] ?? ""
  }

  /// `code: message` from `{"error":{"code","message"}}` or `x-ms-error-code`, else a body excerpt.
  public static func serviceMessage(_ response: HTTPResponse) -> String {
    if let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any],
      let error = object["error"] as? [String: Any]
    {
      let code = error["code"] as? String ?? response.headers["x-ms-error-code"] ?? ""
      let message = error["message"] as? String ?? ""
      return [code, message].filter { !$0.isEmpty }.joined(separator: ": ")
    }
    if let code = response.headers["x-ms-error-code"] { return code }
    let text = response.text.trimmingWhitespace()
    return text.count > 300 ? String(text.prefix(300)) + "…" : text
  }
}
