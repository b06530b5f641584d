import Findings
import Foundation

/// The Entra ID application and DCR the emulator accepts.
public struct EmulatorIdentity: Sendable, Equatable {
  public var tenantId: String
  public var clientId: String
  public var clientSecret: String
  /// The DCR's immutable id (`dcr-` followed by 32 hex digits).
  public var dcrImmutableId: String
  /// The federated token (workload identity) accepted as `client_assertion`, compared byte for byte.
  public var federatedToken: String

  /// The federated token accepted unless another is set.
  public static let defaultFederatedToken = "emulator-federated-token-not-for-production"

  /// Fixed, documented values, so a config written once keeps working across restarts.
  public static let defaults = EmulatorIdentity(
    tenantId: "00000000-0000-4000-8000-000000000001",
    clientId: "00000000-0000-4000-8000-000000000002",
    clientSecret: "emulator-secret-not-for-production",
    dcrImmutableId: "dcr-00000000000040008000000000000003")

  public init(
    tenantId: String, clientId: String, clientSecret: String, dcrImmutableId: String,
    federatedToken: String = EmulatorIdentity.defaultFederatedToken
  ) {
    self.tenantId = tenantId
    self.clientId = clientId
    self.clientSecret = clientSecret
    self.dcrImmutableId = dcrImmutableId
    self.federatedToken = federatedToken
  }
}

/// Everything that decides how the emulator answers.
public struct EmulatorSettings: Sendable {
  /// Address to bind; loopback by default.
  public var host = "127.0.0.1"
  /// Port to bind; 0 picks a free one.
  public var port = 0
  public var identity = EmulatorIdentity.defaults
  /// Lifetime of issued tokens, in seconds.
  public var tokenLifetime = 3599
  /// Seconds since 1970 for issuing and checking tokens (a test moves it instead of waiting).
  public var tokenClock: @Sendable () -> Double = { Date().timeIntervalSince1970 }
  /// SQLite workspace file; nil keeps rows in memory.
  public var workspacePath: String?
  /// Benchmark mode: authenticate, enforce the size limit, decompress and count rows; store nothing.
  public var sink = false
  /// When false every ingestion request answers 403 (the app lacks *Monitoring Metrics Publisher*).
  public var roleAssigned = true
  /// Largest body as sent, in bytes (the service's 1 MiB).
  public var maxWireBytes = 1_048_576
  /// Largest decompressed body accepted before answering 413 (a guard against gzip bombs).
  public var maxDecompressedBytes = 64 * 1_048_576
  /// Requests per minute per DCR before 429 (sliding 60 s window); 0 = no limit.
  public var throttleRequestsPerMinute = 12_000
  /// Decompressed bytes per minute per DCR before 429; 0 = no limit.
  public var throttleBytesPerMinute = 0
  public var faults = FaultPlan()
  /// A request with a row whose JSON text contains one of these answers 400 and stores nothing.
  public var rejectRowsContaining: [String] = []
  /// The first N IMDS token requests answer `imdsFailStatus`.
  public var imdsFailFirst = 0
  /// 404, 410, 429, 500 or 503: what the first `imdsFailFirst` IMDS requests answer.
  public var imdsFailStatus = 503
  /// The stream and table the DCR declares.
  public var stream = StreamSchema.embedded
  public var table = TableSchema.embedded
  /// Installs SIGINT/SIGTERM handlers that stop the server gracefully (the CLI; not in tests).
  public var handleSignals = false

  public init() {}
}

/// Injected failures for the ingestion endpoint. Probabilities are per request, drawn in
/// arrival order from a generator seeded with `seed`, so one seed replays one sequence.
public struct FaultPlan: Sendable, Equatable {
  public var seed: UInt64 = 1
  public var probability429 = 0.0
  /// The `Retry-After` seconds sent with injected and throttling 429s.
  public var retryAfterSeconds = 1
  public var probability500 = 0.0
  public var probability503 = 0.0
  /// Close the connection without any response, before reading the request.
  public var probabilityReset = 0.0
  /// Store the rows, then drop the connection (or answer 500): the client cannot know they arrived.
  public var probabilityLostAck = 0.0
  /// Whether a lost acknowledgement answers 500 (true) or closes the connection (false).
  public var lostAckAnswers500 = false
  /// Delay added before answering every ingestion request, in milliseconds.
  public var latencyMilliseconds = 0
  /// The first N ingestion requests answer 503.
  public var failFirst = 0
  /// Every ingestion request fails this way until `POST /_emulator/outage/end`: a network or
  /// service outage of unknown length.
  public var outage: Outage?

  /// How an outage fails each request.
  public enum Outage: String, Sendable, Equatable, CaseIterable {
    case status500 = "500"
    case status503 = "503"
    case reset
  }

  public init() {}

  /// Checks that probabilities are in 0...1 and sum to at most 1.
  public func validate() throws(EmulatorError) {
    let all = [probability429, probability500, probability503, probabilityReset, probabilityLostAck]
    guard all.allSatisfy({ (0...1).contains($0) }), all.reduce(0, +) <= 1.000_000_1 else {
      throw EmulatorError(.invalidSetting, "fault probabilities must each be between 0 and 1 and add up to at most 1")
    }
    guard retryAfterSeconds >= 0, latencyMilliseconds >= 0, failFirst >= 0 else {
      throw EmulatorError(.invalidSetting, "--retry-after, --latency-ms and --fail-first must not be negative")
    }
  }
}
