import Foundation

/// The result of one upload: its outcome plus what goes into the `batches` row.
public struct UploadResult: Sendable {
  public var outcome: UploadOutcome
  /// The last HTTP status seen, nil when no response arrived.
  public var status: Int?
  /// The service's `x-ms-request-id`, for support.
  public var requestID: String?
  public var elapsedMillis: Int
  /// Whether a 401 made the client refresh the token and resend.
  public var refreshedToken: Bool
  /// How many times the body went on the wire for this upload: libcurl's silent re-sends on a
  /// fresh connection (after a reused one died) and the resend after a 401 included; 0 when
  /// it never left (no token, no connection). Record it: the server may have seen each one.
  public var transmissions: Int

  public init(
    outcome: UploadOutcome, status: Int?, requestID: String?, elapsedMillis: Int, refreshedToken: Bool,
    transmissions: Int = 1
  ) {
    self.outcome = outcome
    self.status = status
    self.requestID = requestID
    self.elapsedMillis = elapsedMillis
    self.refreshedToken = refreshedToken
    self.transmissions = transmissions
  }
}

/// Sends gzip JSON bodies to one DCR stream. One per worker thread (it owns a ``CurlSession``);
/// the ``TokenCache`` is shared.
public final class LogsIngestionClient {
  public let configuration: ClientConfiguration
  private let tokens: TokenCache
  private let session: CurlSession
  private let redactor: Redactor
  private let url: String

  public init(configuration: ClientConfiguration, tokens: TokenCache, options: TransportOptions = TransportOptions()) {
    self.configuration = configuration
    self.tokens = tokens
    var options = options
    options.caBundle = configuration.caBundle
    self.session = CurlSession(options: options)
    self.redactor = Redactor(secrets: configuration.secrets)
    self.url = configuration.ingestionURL
  }

  /// POSTs one gzip body with `x-ms-client-request-id: clientRequestID`. A 401 refreshes the
  /// token and resends once. Never throws: every failure is an ``UploadOutcome``.
  public func upload(gzipBody: [UInt8], clientRequestID: String, now: () -> Int64) -> UploadResult {
    var refreshed = false
    var sent = 0
    while true {
      let token: Secret
      do {
        token = try tokens.token(now: now())
      } catch {
        return UploadResult(
          outcome: UploadOutcome(tokenFailure: error), status: nil, requestID: nil, elapsedMillis: 0, refreshedToken: refreshed, transmissions: sent)
      }
      let request = HTTPRequest(
        method: "POST", url: url,
        headers: [
          "Authorization: Bearer \(token.revealed)", "Content-Type: application/json", "Content-Encoding: gzip",
          "Accept: application/json", "x-ms-client-request-id: \(clientRequestID)",
        ],
        body: gzipBody)
      let response: HTTPResponse
      do {
        response = try session.perform(request)
      } catch {
        var tokenRedactor = redactor
        tokenRedactor.add(token)
        let outcome = ResponseClassifier.classify(
          TransportError(kind: error.kind, code: error.code, message: tokenRedactor.redact(error.message), host: error.host))
        return UploadResult(
          outcome: outcome, status: nil, requestID: nil, elapsedMillis: 0, refreshedToken: refreshed,
          transmissions: sent + error.transmissions)
      }
      sent += response.transmissions
      if response.status == 401 && !refreshed {
        tokens.invalidate(token)
        refreshed = true
        continue
      }
      var tokenRedactor = redactor
      tokenRedactor.add(token)
      return UploadResult(
        outcome: ResponseClassifier.classify(response, now: now(), redactor: tokenRedactor), status: response.status,
        requestID: response.headers["x-ms-request-id"], elapsedMillis: response.elapsedMillis,
        refreshedToken: refreshed, transmissions: sent)
    }
  }

  /// A new random client request id (UUID, lower case).
  public static func newClientRequestID() -> String { UUID().uuidString.lowercased() }
}
