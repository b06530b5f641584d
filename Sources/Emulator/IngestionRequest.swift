import Findings

/// One ingestion request as the server read it.
struct IngestionRequest: Sendable {
  var dcrId: String
  var stream: String
  var apiVersion: String?
  var authorization: String?
  var contentType: String?
  var contentEncoding: String?
  var clientRequestId: String?
  /// The body as sent, cut at the wire limit + 1 byte (the rest is only counted).
  var body: [UInt8]
  /// The body's full length as sent.
  var wireBytes: Int
}

/// What to do with the connection after an ingestion request.
enum IngestionOutcome: Sendable {
  case respond(EndpointResponse)
  /// Close the connection without a response (an injected reset or lost acknowledgement).
  case dropConnection
}

/// The Logs Ingestion API's error bodies and headers.
enum IngestionErrors {
  static let apiVersions: Set<String> = ["2021-11-01-preview", "2023-01-01", "2023-04-01-preview"]

  /// `{"error":{"code","message"}}` with `x-ms-error-code`.
  static func response(_ status: Int, _ code: String, _ message: String, extraHeaders: [(String, String)] = []) -> EndpointResponse {
    let body = "{\"error\":{\"code\":\(CanonicalJSONWriter.quoted(code)),\"message\":\(CanonicalJSONWriter.quoted(message))}}"
    return EndpointResponse(
      status: status,
      headers: [("Content-Type", "application/json; charset=utf-8"), ("x-ms-error-code", code)] + extraHeaders,
      body: .init(body.utf8))
  }

  static func tooLarge() -> EndpointResponse {
    response(
      413, "ContentLengthLimitExceeded",
      "Maximum allowed content length: 1048576 bytes (1 MB). Provided content length: more than 1048576 bytes.")
  }

  static func throttled(retryAfter: Int) -> EndpointResponse {
    response(
      429, "TooManyRequests",
      "Request rate or data volume for the data collection rule is above its limit. Retry after \(retryAfter) seconds.",
      extraHeaders: [("Retry-After", String(retryAfter))])
  }
}
