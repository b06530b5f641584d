import Delivery
import Foundation
import Ingestion
import Synchronization

/// One answer of the fake ingestion endpoint.
enum FakeAnswer: Sendable {
  /// An HTTP response (header names lower case), classified by the production ``ResponseClassifier``.
  case http(Int, headers: [String: String] = [:], body: String = "")
  /// The connection broke after the body went out (libcurl's error 56).
  case reset
  /// The token endpoint failed (`transient`) or refused the credential: the body never left.
  case tokenFailure(transient: Bool)

  static let accepted = FakeAnswer.http(204)

  /// A 400 naming rows, as the service words it.
  static func rowErrors(_ message: String) -> FakeAnswer {
    .http(400, body: #"{"error":{"code":"InvalidArgument","message":"\#(message)"}}"#)
  }
}

/// One request the fake endpoint received.
struct FakeRequest: Sendable {
  /// 0-based, in arrival order.
  let index: Int
  let clientRequestID: String
  /// Each row's `VulnId`, in body order.
  let vulnIds: [String]
  let rawBytes: Int
  /// The drain clock's time when the request arrived.
  let at: Int64
}

/// An in-memory Logs Ingestion endpoint for ``Drainer``: `respond` answers each request (and
/// may act first, as taking the lease away), and every request is recorded.
final class FakeEndpoint: Sendable {
  private let log = Mutex<[FakeRequest]>([])
  private let respond: @Sendable (FakeRequest) -> FakeAnswer

  init(_ respond: @escaping @Sendable (FakeRequest) -> FakeAnswer) { self.respond = respond }

  /// Answers the first requests from `script`, in order, and every later one with `then`.
  convenience init(script: [FakeAnswer], then: FakeAnswer = .accepted) {
    self.init { request in request.index < script.count ? script[request.index] : then }
  }

  /// Every request received so far, in arrival order.
  var requests: [FakeRequest] { log.withLock { $0 } }

  /// The drainer's transport factory: one ``FakeTransport`` per worker, all reaching this endpoint.
  var transport: TransportFactory { { _ in FakeTransport(endpoint: self) } }

  fileprivate func receive(gzipBody: [UInt8], clientRequestID: String, now: () -> Int64) -> UploadResult {
    let raw = (try? gunzip(gzipBody, limit: 2_000_000)) ?? []
    let rows = (try? JSONSerialization.jsonObject(with: Data(raw))) as? [[String: Any]] ?? []
    let request = log.withLock { log in
      let request = FakeRequest(
        index: log.count, clientRequestID: clientRequestID, vulnIds: rows.map { $0["VulnId"] as? String ?? "?" },
        rawBytes: raw.count, at: now())
      log.append(request)
      return request
    }
    switch respond(request) {
    case .http(let status, let headers, let body):
      let response = HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
      return UploadResult(
        outcome: ResponseClassifier.classify(response, now: now()), status: status, requestID: "fake-\(request.index)",
        elapsedMillis: 1, refreshedToken: false)
    case .reset:
      let error = TransportError(
        kind: .broken, code: 56, message: "Recv failure: Connection reset by peer", host: "fake", transmissions: 1)
      return UploadResult(
        outcome: ResponseClassifier.classify(error), status: nil, requestID: nil, elapsedMillis: 1, refreshedToken: false)
    case .tokenFailure(let transient):
      let error = AuthenticationError(
        isTransient: transient, status: transient ? 503 : 401, aadsts: transient ? nil : 7_000_215,
        message: transient ? "token endpoint unavailable" : "invalid client secret")
      return UploadResult(
        outcome: UploadOutcome(tokenFailure: error), status: nil, requestID: nil, elapsedMillis: 0,
        refreshedToken: false, transmissions: 0)
    }
  }
}

/// One worker's connection to a ``FakeEndpoint``.
final class FakeTransport: IngestionTransport {
  private let endpoint: FakeEndpoint

  init(endpoint: FakeEndpoint) { self.endpoint = endpoint }

  func upload(gzipBody: [UInt8], clientRequestID: String, now: () -> Int64) -> UploadResult {
    endpoint.receive(gzipBody: gzipBody, clientRequestID: clientRequestID, now: now)
  }
}
