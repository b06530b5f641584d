import Ingestion
import OutboxStore

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
  /// The wait after the endpoint's n-th consecutive transient failure without `Retry-After`
  /// (remembered across runs, so it grows across scheduled drains too).
  public var endpointBackoff = Backoff(baseMillis: 500, capMillis: 900_000)
  /// The longest `Retry-After` honoured.
  public var maxRetryAfterMillis: Int64 = 3_600_000
  /// After a stop request, how long requests under way may take before they are aborted.
  public var shutdownGraceMillis: Int64 = 15_000
  /// The caller holds the database's drain lock: leases of other drains on this host are orphaned.
  public var holdsDrainLock = false
  /// Stop after this many rows have been sent (nil: no bound).
  public var maxRows: Int?
  /// Stop claiming after this long (nil: no bound). In-flight requests finish.
  public var maxDurationMillis: Int64?
  /// A drain waits in-process for the endpoint's next try when it is due within this long.
  public var retryWaitMillis: Int64 = 60_000
  /// Transient failures in one run (no success between) after which the run ends with the
  /// endpoint failing; a run that starts with the endpoint already failing stops after one.
  public var outageThreshold = 6
  /// Gzip implementation and level (chosen by measurement; see docs/delivery.md).
  public var compressor = CompressorKind.libdeflate
  public var compressionLevel: Int32 = 5
  /// How a body's rows are ordered for the compressor; nil writes them in id order.
  public var rowOrder: CompressionOrder? = .byTitle
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
  /// Asked to stop (SIGTERM/SIGINT); in-flight work was finished or given back.
  case interrupted
  /// The endpoint is failing; rows stay pending, unspent, and no request goes out before
  /// `nextTryAt` (Unix ms).
  case outage(reason: String, nextTryAt: Int64)
  /// Authentication or authorization or addressing is wrong; leases were given back unspent.
  case configuration(String)
}

/// What a drain run did.
public struct DrainReport: Sendable {
  public var stop: DrainStop = .drained
  public var sentRows = 0
  /// Rows that went `dead` in this run (rejected for their content, or too large).
  public var deadRows = 0
  /// Distinct rows this run gave back and did not deliver: they wait for a later try.
  public var givenBackRows = 0
  /// Requests that went on the wire.
  public var requests = 0
  /// Requests that never left this host (no token, no connection), and why the last did not.
  public var unsentRequests = 0
  public var lastUnsentReason: String?
  /// The endpoint's state when the run ended.
  public var endpoint: EndpointState?
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
