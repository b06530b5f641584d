import CCurl

/// libcurl process-wide setup, done once.
private let curlGlobal: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

/// Collects one response's status line, headers and body from libcurl's callbacks.
private final class ResponseSink {
  var headers: [String: String] = [:]
  var body: [UInt8] = []
  var bodyLimit = 4 << 20

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
  /// - Throws: ``TransportError`` when no HTTP response arrived.
  public func perform(_ request: HTTPRequest) throws(TransportError) -> HTTPResponse {
    curl_easy_reset(handle)
    sink.headers = [:]
    sink.body = []
    var list: UnsafeMutablePointer<curl_slist>? = nil
    for line in request.headers + ["Expect:"] { list = curl_slist_append(list, line) }
    defer { curl_slist_free_all(list) }
    let host = Self.host(of: request.url)

    let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorBuffer in
      errorBuffer[0] = 0
      let body = request.body ?? []
      return body.withUnsafeBytes { bodyBytes in
        let h = handle
        _ = cvebuster_curl_setopt_string(h, CURLOPT_URL, request.url)
        _ = cvebuster_curl_setopt_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer.baseAddress)
        _ = cvebuster_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        _ = cvebuster_curl_setopt_string(h, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = cvebuster_curl_setopt_long(h, CURLOPT_FOLLOWLOCATION, 0)
        _ = cvebuster_curl_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 1)
        _ = cvebuster_curl_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 2)
        _ = cvebuster_curl_setopt_long(h, CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
        if let ca = options.caBundle { _ = cvebuster_curl_setopt_string(h, CURLOPT_CAINFO, ca) }
        if options.bypassProxy { _ = cvebuster_curl_setopt_string(h, CURLOPT_NOPROXY, "*") }
        _ = cvebuster_curl_setopt_long(h, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        _ = cvebuster_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMillis)
        _ = cvebuster_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, options.totalTimeoutMillis)
        _ = cvebuster_curl_setopt_long(h, CURLOPT_TCP_KEEPALIVE, 1)
        _ = cvebuster_curl_setopt_string(h, CURLOPT_USERAGENT, options.userAgent)
        _ = cvebuster_curl_setopt_slist(h, CURLOPT_HTTPHEADER, list)
        if let abort = options.abort {
          _ = cvebuster_curl_setopt_long(h, CURLOPT_NOPROGRESS, 0)
          _ = cvebuster_curl_setopt_xferinfo_function(h, abortCheck)
          _ = cvebuster_curl_setopt_pointer(h, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(abort).toOpaque())
        }
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        _ = cvebuster_curl_setopt_write_function(h, writeBody)
        _ = cvebuster_curl_setopt_pointer(h, CURLOPT_WRITEDATA, sinkPointer)
        _ = cvebuster_curl_setopt_header_function(h, writeHeader)
        _ = cvebuster_curl_setopt_pointer(h, CURLOPT_HEADERDATA, sinkPointer)
        switch request.method {
        case "GET": _ = cvebuster_curl_setopt_long(h, CURLOPT_HTTPGET, 1)
        case "POST":
          _ = cvebuster_curl_setopt_long(h, CURLOPT_POST, 1)
          _ = cvebuster_curl_setopt_off_t(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bodyBytes.count))
          _ = cvebuster_curl_setopt_pointer(
            h, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bodyBytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
        default: _ = cvebuster_curl_setopt_string(h, CURLOPT_CUSTOMREQUEST, request.method)
        }
        return curl_easy_perform(h)
      }
    }
    guard code == CURLE_OK else {
      let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
      throw TransportError(
        kind: Self.kind(of: code), code: Int(code.rawValue), message: Redactor.maskShapes(text), host: host)
    }
    var status = 0
    _ = cvebuster_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
    var seconds = 0.0
    _ = cvebuster_curl_getinfo_double(handle, CURLINFO_TOTAL_TIME, &seconds)
    return HTTPResponse(status: status, headers: sink.headers, body: sink.body, elapsedMillis: Int(seconds * 1000))
  }

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
