import Ingestion
import Testing

@Suite(.timeLimit(.minutes(10))) struct ClassificationTests {
  static func response(_ status: Int, _ body: String = "", headers: [String: String] = [:]) -> HTTPResponse {
    HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
  }

  @Test func successAndThrottling() {
    #expect(ResponseClassifier.classify(Self.response(204), now: 0) == .delivered)
    #expect(
      ResponseClassifier.classify(Self.response(429, headers: ["retry-after": "12"]), now: 0)
        == .throttled(retryAfterMillis: 12_000))
    #expect(ResponseClassifier.classify(Self.response(503), now: 0) == .throttled(retryAfterMillis: nil))
  }

  @Test(arguments: [408, 500, 502, 504])
  func transientStatuses(status: Int) {
    guard case .transient(let reason, _, _) = ResponseClassifier.classify(Self.response(status), now: 0) else {
      Issue.record("HTTP \(status) should be transient")
      return
    }
    #expect(reason.contains("\(status)"))
  }

  @Test func contentErrorsCarryTheServiceMessage() {
    let body =
      #"{"error":{"code":"RecordsTimeRangeIsMoreThan30Minutes","message":"The time duration between DataEndTime and DataStartTime should be within the range of 0 to 30 minutes."}}"#
    #expect(
      ResponseClassifier.classify(Self.response(400, body), now: 0)
        == .rejected(
          message: "HTTP 400: RecordsTimeRangeIsMoreThan30Minutes: The time duration between DataEndTime and "
            + "DataStartTime should be within the range of 0 to 30 minutes."))
    let tooLarge = #"{"error":{"code":"ContentLengthLimitExceeded","message":"Maximum allowed content length: 1048576 bytes (1 MB)."}}"#
    guard case .tooLarge(let message) = ResponseClassifier.classify(Self.response(413, tooLarge), now: 0) else {
      Issue.record("413 should be tooLarge")
      return
    }
    #expect(message.contains("ContentLengthLimitExceeded"))
  }

  @Test(arguments: [(401, "audience"), (403, "Monitoring Metrics Publisher"), (404, "dcr_immutable_id"), (405, "405")])
  func configurationErrorsSayWhatToFix(status: Int, hint: String) {
    guard case .configuration(let message) = ResponseClassifier.classify(Self.response(status), now: 0) else {
      Issue.record("HTTP \(status) should be a configuration error")
      return
    }
    #expect(message.contains(hint))
  }

  @Test func errorCodeHeaderIsUsedWithoutABody() {
    #expect(
      ResponseClassifier.serviceMessage(Self.response(403, headers: ["x-ms-error-code": "OperationFailed"]))
        == "OperationFailed")
  }

  @Test func transportErrorsByKind() {
    let refused = TransportError(kind: .connect, code: 7, message: "Failed to connect", host: "127.0.0.1:1")
    #expect(
      ResponseClassifier.classify(refused)
        == .transient(reason: refused.description, retryAfterMillis: nil, bodyUnsent: true))
    let tls = TransportError(kind: .tls, code: 60, message: "SSL certificate problem", host: "x")
    guard case .configuration(let message) = ResponseClassifier.classify(tls) else {
      Issue.record("TLS failure should be a configuration error")
      return
    }
    #expect(message.contains("ca_bundle"))
  }
}
