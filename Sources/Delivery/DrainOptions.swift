import Ingestion

/// How a drain run behaves. Defaults suit a cron one-shot against the real service.
public struct DrainOptions: Sendable {
  /// Requests in flight at once (each on its own thread with its own connection).
  public var concurrency = 4
  /// Largest uncompressed body; never above ``ClientConfiguration/bodyLimit``.
  public var maxBodyBytes = ClientConfiguration.bodyLimit
  /// Rows leased per claim transaction.
  public var claimRows = 8_000
  /// How long a claim holds its rows; must exceed the HTTP timeout with margin.
  public var leaseMillis: Int64 = 300_000
  /// Attempts before a row goes `dead`.
  public var maxAttempts = 12
  /// Wait before retrying transient failures without `Retry-After`.
  public var backoff = Backoff(baseMillis: 1_000, capMillis: 300_000)
  /// The longest `Retry-After` honoured before giving rows back for a later run.
  public var maxRetryAfterMillis: Int64 = 3_600_000
  /// Stop after this many rows have been sent (nil: no bound).
  public var maxRows: Int?
  /// Stop claiming after this long (nil: no bound). In-flight requests finish.
  public var maxDurationMillis: Int64?
  /// A one-shot drain waits in-process for retries due within this long instead of ending.
  public var retryWaitMillis: Int64 = 60_000
  /// Consecutive failed requests (no success between) that count as an endpoint-wide outage.
  public var outageThreshold = 8
  /// Gzip implementation and level (chosen by measurement; see docs/delivery.md).
  public var compressor = CompressorKind.libdeflate
  public var compressionLevel: Int32 = 6
  /// HTTP settings for the ingestion requests.
  public var transport = TransportOptions()

  public init() {}
}

/// Why a drain run ended.
public enum DrainStop: Sendable, Equatable {
  /// Nothing ready to send is left.
  case drained
  /// `maxRows` reached.
  case maxRows
  /// `maxDuration` reached.
  case maxDuration
  /// Rows this run gave back are due only after `until` (Unix ms), past the in-process wait.
  case deferred(until: Int64)
  /// Asked to stop (SIGTERM/SIGINT); in-flight work was finished or given back.
  case interrupted
  /// The endpoint failed repeatedly; rows stay pending for a later run.
  case outage(String)
  /// Authentication or authorization or addressing is wrong; leases were given back unspent.
  case configuration(String)
}

/// What a drain run did.
public struct DrainReport: Sendable {
  public var stop: DrainStop = .drained
  public var sentRows = 0
  /// Rows that went `dead` in this run (rejected content, too large, out of attempts).
  public var deadRows = 0
  /// Rows given back for a later try.
  public var retriedRows = 0
  public var requests = 0
  public var rawBytes = 0
  public var wireBytes = 0
  /// Acknowledgements that changed fewer rows than sent (the lease was lost to another drain).
  public var fencedRows = 0
  public var elapsedMillis: Int64 = 0

  public init() {}
}

/// One finished request, for the log line the CLI prints per batch.
public struct BatchEvent: Sendable {
  public var clientRequestID: String
  /// The service's `x-ms-request-id` (what Microsoft support asks for), when it answered.
  public var requestID: String?
  public var rows: Int
  public var rawBytes: Int
  public var wireBytes: Int
  public var status: Int?
  public var outcome: String
  public var millis: Int
  /// The service's or transport's explanation for anything but success (credentials masked).
  public var error: String?
}
