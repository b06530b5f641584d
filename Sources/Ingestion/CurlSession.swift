import CCurl

/// libcurl process-wide setup, done once.
private let curlGlobal: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

/// Collects one response's status line, headers and body from libcurl's callbacks.
private final class ResponseSink {
  var headers: [String: String] = [:]
  var body: [UInt8] = []
  var bodyLimit = 4 << 20
  /// Request lines libcurl put on the wire for this perform: more than one when it re-sent the
  /// request on a fresh connection after a reused one died.
  var transmissions = 0
  /// `POST ` etc.: the start of the request line this perform sends.
  var requestLinePrefix: [UInt8] = []

  func headerOut(_ data: UnsafeBufferPointer<UInt8>) {
    if data.starts(with: requestLinePrefix) || data.starts(with: ":method".utf8) { transmissions += 1 }
  }

  func header(_ line: UnsafeBufferPointer<UInt8>) {
    if line.starts(with: "HTTP/".utf8) {
      headers.removeAll()  // a new response (after 100-continue or a proxy CONNECT)
      return
    }
    guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
    let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
    let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingWhitespace()
    headers[name] = value
  }
}

/// libcurl's progress callback: non-zero ends the transfer with CURLE_ABORTED_BY_CALLBACK.
private let abortCheck: @convention(c) (UnsafeMutableRawPointer?, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> Int32 = {
  userdata, _, _, _, _ in
  guard let userdata else { return 0 }
  return Unmanaged<TransferAbort>.fromOpaque(userdata).takeUnretainedValue().isAborted ? 1 : 0
}

private func sinkOf(_ userdata: UnsafeMutableRawPointer?) -> ResponseSink {
  Unmanaged<ResponseSink>.fromOpaque(userdata!).takeUnretainedValue()
}

private let writeBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
  data, size, count, userdata in
  let sink = sinkOf(userdata)
  let n = size * count
  if let data, sink.body.count < sink.bodyLimit {
    data.withMemoryRebound(to: UInt8.self, capacity: n) {
      sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: min(n, sink.bodyLimit - sink.body.count)))
    }
  }
  return n
}

private let writeHeader: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
  data, size, count, userdata in
  let n = size * count
  if let data {
    data.withMemoryRebound(to: UInt8.self, capacity: n) { sinkOf(userdata).header(UnsafeBufferPointer(start: $0, count: n)) }
  }
  return n
}

/// Counts request header blocks sent (CURLINFO_HEADER_OUT); everything else libcurl reports is dropped.
private let debugEvent:
  @convention(c) (
    UnsafeMutableRawPointer?, curl_infotype, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?
  ) -> Int32 = { _, type, data, size, userdata in
    if type == CURLINFO_HEADER_OUT, let data, let userdata {
      data.withMemoryRebound(to: UInt8.self, capacity: size) {
        Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
          .headerOut(UnsafeBufferPointer(start: $0, count: size))
      }
    }
    return 0
  }

/// One libcurl easy handle: keeps its connection alive between requests (and multiplexes over
/// HTTP/2 where the server offers it). Not thread-safe: give each thread its own session.
public final class CurlSession {
  private let handle: UnsafeMutableRawPointer
  private let options: TransportOptions
  private let sink = ResponseSink()
  private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

  /// A session with these options.
  public init(options: TransportOptions = TransportOptions()) {
    precondition(curlGlobal, "curl_global_init failed")
    handle = curl_easy_init()!
    self.options = options
  }

  deinit { curl_easy_cleanup(handle) }

  /// Performs `request` and returns the response, whatever its status.
  ///
  /// Plain `http://` never goes through a proxy (it is only allowed to loopback and IMDS), so a
  /// secret sent to the emulator cannot cross the network in clear text whatever `http_proxy` says.
  /// - Throws: ``TransportError`` when no HTTP response arrived, or when an option cannot be set
  ///   (a security option as `.tls`, so the caller stops instead of sending without it).
  public func perform(_ request: HTTPRequest) throws(TransportError) -> HTTPResponse {
    curl_easy_reset(handle)
    sink.headers = [:]
    sink.body = []
    sink.transmissions = 0
    sink.requestLinePrefix = Array((request.method + " ").utf8)
    var list: UnsafeMutablePointer<curl_slist>? = nil
    for line in request.headers + ["Expect:"] { list = curl_slist_append(list, line) }
    defer { curl_slist_free_all(list) }
    let host = Self.host(of: request.url)

    let (code, setupFailure): (CURLcode, TransportError?) = errorBuffer.withUnsafeMutableBufferPointer { errorBuffer in
      errorBuffer[0] = 0
      let body = request.body ?? []
      return body.withUnsafeBytes { bodyBytes in
        let setup = OptionSetter(handle: handle, host: host)
        configure(setup, request: request, errorBuffer: errorBuffer.baseAddress, list: list, body: bodyBytes)
        if let failure = setup.failure { return (CURLE_FAILED_INIT, failure) }
        return (curl_easy_perform(handle), nil)
      }
    }
    if let setupFailure { throw setupFailure }
    guard code == CURLE_OK else {
      let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
      throw TransportError(
        kind: Self.kind(of: code), code: Int(code.rawValue), message: Redactor.maskShapes(text), host: host,
        transmissions: sink.transmissions)
    }
    var status = 0
    _ = cvebuster_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
    var seconds = 0.0
    _ = cvebuster_curl_getinfo_double(handle, CURLINFO_TOTAL_TIME, &seconds)
    return HTTPResponse(
      status: status, headers: sink.headers, body: sink.body, elapsedMillis: Int(seconds * 1000),
      transmissions: max(1, sink.transmissions))
  }

  /// Sets every option of one request; the first failure is kept in `set.failure`.
  private func configure(
    _ set: OptionSetter, request: HTTPRequest, errorBuffer: UnsafeMutablePointer<CChar>?,
    list: UnsafeMutablePointer<curl_slist>?, body: UnsafeRawBufferPointer
  ) {
    let h = handle
    set(cvebuster_curl_setopt_string(h, CURLOPT_URL, request.url), "CURLOPT_URL")
    set(cvebuster_curl_setopt_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
    set(cvebuster_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1), "CURLOPT_NOSIGNAL")
    set(cvebuster_curl_setopt_string(h, CURLOPT_PROTOCOLS_STR, options.protocols), "CURLOPT_PROTOCOLS_STR", security: true)
    set(cvebuster_curl_setopt_long(h, CURLOPT_FOLLOWLOCATION, 0), "CURLOPT_FOLLOWLOCATION", security: true)
    set(cvebuster_curl_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 1), "CURLOPT_SSL_VERIFYPEER", security: true)
    set(cvebuster_curl_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 2), "CURLOPT_SSL_VERIFYHOST", security: true)
    set(
      cvebuster_curl_setopt_long(h, CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2)), "CURLOPT_SSLVERSION",
      security: true)
    if let ca = options.caBundle { set(cvebuster_curl_setopt_string(h, CURLOPT_CAINFO, ca), "CURLOPT_CAINFO", security: true) }
    if options.bypassProxy || Self.isPlainHTTP(request.url) {
      set(cvebuster_curl_setopt_string(h, CURLOPT_NOPROXY, "*"), "CURLOPT_NOPROXY", security: true)
    }
    // Without HTTP/2 support in libcurl this fails; HTTP/1.1 is then used, which is fine.
    _ = cvebuster_curl_setopt_long(h, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
    set(cvebuster_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMillis), "CURLOPT_CONNECTTIMEOUT_MS")
    set(cvebuster_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, options.totalTimeoutMillis), "CURLOPT_TIMEOUT_MS")
    set(cvebuster_curl_setopt_long(h, CURLOPT_TCP_KEEPALIVE, 1), "CURLOPT_TCP_KEEPALIVE")
    set(cvebuster_curl_setopt_string(h, CURLOPT_USERAGENT, options.userAgent), "CURLOPT_USERAGENT")
    set(cvebuster_curl_setopt_slist(h, CURLOPT_HTTPHEADER, list), "CURLOPT_HTTPHEADER")
    if let abort = options.abort {
      set(cvebuster_curl_setopt_long(h, CURLOPT_NOPROGRESS, 0), "CURLOPT_NOPROGRESS")
      set(cvebuster_curl_setopt_xferinfo_function(h, abortCheck), "CURLOPT_XFERINFOFUNCTION")
      set(
        cvebuster_curl_setopt_pointer(h, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(abort).toOpaque()),
        "CURLOPT_XFERINFODATA")
    }
    let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
    set(cvebuster_curl_setopt_write_function(h, writeBody), "CURLOPT_WRITEFUNCTION")
    set(cvebuster_curl_setopt_pointer(h, CURLOPT_WRITEDATA, sinkPointer), "CURLOPT_WRITEDATA")
    set(cvebuster_curl_setopt_header_function(h, writeHeader), "CURLOPT_HEADERFUNCTION")
    set(cvebuster_curl_setopt_pointer(h, CURLOPT_HEADERDATA, sinkPointer), "CURLOPT_HEADERDATA")
    // The debug callback sees every request header block sent, re-sends included.
    set(cvebuster_curl_setopt_debug_function(h, debugEvent), "CURLOPT_DEBUGFUNCTION")
    set(cvebuster_curl_setopt_pointer(h, CURLOPT_DEBUGDATA, sinkPointer), "CURLOPT_DEBUGDATA")
    set(cvebuster_curl_setopt_long(h, CURLOPT_VERBOSE, 1), "CURLOPT_VERBOSE")
    switch request.method {
    case "GET": set(cvebuster_curl_setopt_long(h, CURLOPT_HTTPGET, 1), "CURLOPT_HTTPGET")
    case "HEAD": set(cvebuster_curl_setopt_long(h, CURLOPT_NOBODY, 1), "CURLOPT_NOBODY")
    case "POST":
      set(cvebuster_curl_setopt_long(h, CURLOPT_POST, 1), "CURLOPT_POST")
      set(
        cvebuster_curl_setopt_off_t(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)),
        "CURLOPT_POSTFIELDSIZE_LARGE")
      set(
        cvebuster_curl_setopt_pointer(
          h, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!)),
        "CURLOPT_POSTFIELDS")
    default: set(cvebuster_curl_setopt_string(h, CURLOPT_CUSTOMREQUEST, request.method), "CURLOPT_CUSTOMREQUEST")
    }
  }

  /// True for an `http://` URL (no TLS).
  static func isPlainHTTP(_ url: String) -> Bool { url.lowercased().hasPrefix("http://") }

  static func kind(of code: CURLcode) -> TransportError.Kind {
    switch code {
    case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_PROXY: .connect
    case CURLE_OPERATION_TIMEDOUT: .timeout
    case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
      .broken
    case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
      CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      .tls
    default: .other
    }
  }

  /// The host part of a URL, for messages.
  static func host(of url: String) -> String {
    var rest = Substring(url)
    if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
    let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
    return String(rest[..<end])
  }
}

/// Checks each `curl_easy_setopt` result and keeps the first failure as a ``TransportError``.
private final class OptionSetter {
  let handle: UnsafeMutableRawPointer
  let host: String
  var failure: TransportError?

  init(handle: UnsafeMutableRawPointer, host: String) {
    self.handle = handle
    self.host = host
  }

  /// Records a failed option; a security option fails as `.tls` (a configuration error: stop).
  func callAsFunction(_ code: CURLcode, _ option: String, security: Bool = false) {
    guard code != CURLE_OK, failure == nil else { return }
    let why = String(cString: curl_easy_strerror(code))
    failure = TransportError(
      kind: security ? .tls : .other, code: Int(code.rawValue),
      message: "libcurl refused \(option) (\(why))" + (security ? "; refusing to send without it" : ""), host: host)
  }
}
