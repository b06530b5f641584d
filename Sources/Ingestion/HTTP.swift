import Synchronization

/// One HTTP request. Header lines are `Name: value`.
public struct HTTPRequest: Sendable {
  public var method: String
  public var url: String
  public var headers: [String]
  public var body: [UInt8]?

  public init(method: String, url: String, headers: [String] = [], body: [UInt8]? = nil) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
  }
}

/// One HTTP response; header names are lower-cased, the last value of a repeated header wins.
public struct HTTPResponse: Sendable {
  public var status: Int
  public var headers: [String: String]
  public var body: [UInt8]
  /// Wall time of the exchange as libcurl measured it, milliseconds.
  public var elapsedMillis: Int
  /// How many times the request went on the wire: 2 when libcurl re-sent it on a fresh
  /// connection after a reused one died before answering.
  public var transmissions: Int

  public init(
    status: Int, headers: [String: String] = [:], body: [UInt8] = [], elapsedMillis: Int = 0, transmissions: Int = 1
  ) {
    self.status = status
    self.headers = headers
    self.body = body
    self.elapsedMillis = elapsedMillis
    self.transmissions = transmissions
  }

  /// The body as UTF-8 text (lossy).
  public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A request that got no HTTP response.
public struct TransportError: Error, Sendable, CustomStringConvertible {
  /// What kind of failure, for the retry decision.
  public enum Kind: Sendable {
    /// DNS, refused or unreachable: the endpoint is not there (may be an outage).
    case connect
    /// No answer in time.
    case timeout
    /// The connection broke while sending or receiving.
    case broken
    /// The certificate or TLS handshake failed: a configuration problem, not retried.
    case tls
    /// Anything else libcurl reports.
    case other
  }

  public let kind: Kind
  /// libcurl's result code.
  public let code: Int
  /// libcurl's message, with credentials masked.
  public let message: String
  /// The host the request went to.
  public let host: String
  /// How many times the request went on the wire before it failed (0: never sent).
  public let transmissions: Int

  public init(kind: Kind, code: Int, message: String, host: String, transmissions: Int = 0) {
    self.kind = kind
    self.code = code
    self.message = message
    self.host = host
    self.transmissions = transmissions
  }

  public var description: String { "\(host): \(message) (curl error \(code))" }
}

/// Settings shared by every request of a session.
public struct TransportOptions: Sendable {
  public var connectTimeoutMillis: Int = 10_000
  public var totalTimeoutMillis: Int = 120_000
  /// Extra CA bundle (PEM) for private CAs; verification stays on.
  public var caBundle: String?
  /// Ignore proxy environment variables (IMDS must be reached directly). Plain `http://`
  /// requests bypass proxies whatever this says.
  public var bypassProxy: Bool = false
  /// The protocols libcurl may use (CURLOPT_PROTOCOLS_STR); redirects are never followed.
  public var protocols: String = "http,https"
  public var userAgent: String = "cvebuster-outbox/0.1"
  /// When set, a transfer under way ends (as a transport error) soon after ``TransferAbort/abort()``.
  public var abort: TransferAbort?

  public init() {}
}

/// Ends transfers under way from another thread: a drain past its shutdown grace uses it.
public final class TransferAbort: Sendable {
  private let flag = Atomic<Bool>(false)

  public init() {}

  /// Makes every transfer using this object stop at its next progress check (within a second).
  public func abort() { flag.store(true, ordering: .relaxed) }

  public var isAborted: Bool { flag.load(ordering: .relaxed) }
}
