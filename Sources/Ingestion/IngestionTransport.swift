/// What a drain worker needs from HTTP: send one gzip body, learn what the answer means.
///
/// ``LogsIngestionClient`` (token, libcurl, 401 refresh) is the production conformance; tests
/// use an in-memory fake. One instance per worker thread: it need not be thread-safe.
public protocol IngestionTransport: AnyObject {
  /// POSTs one gzip JSON array with `x-ms-client-request-id: clientRequestID`.
  /// Never throws: every failure is an ``UploadOutcome`` in the result.
  /// - Parameter now: Unix milliseconds (token expiry, `Retry-After` dates).
  func upload(gzipBody: [UInt8], clientRequestID: String, now: () -> Int64) -> UploadResult
}

extension LogsIngestionClient: IngestionTransport {}
