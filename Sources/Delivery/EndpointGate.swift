import Ingestion
import OutboxStore

/// Decides when the endpoint may be sent to, from what its recent requests met, and remembers it
/// across runs through the outbox's `endpoint_state` row.
///
/// Healthy, a drain sends with every worker. After a transient failure (408, 429, 5xx, connection
/// errors, a token or IMDS outage) the endpoint is *failing*: nothing is sent before `nextTryAt`
/// (the service's Retry-After, else capped exponential backoff with jitter, growing with each
/// failure across runs), and then a single probe request at a time until one succeeds. Rows are
/// never charged for any of this: only a verdict about their content makes them dead.
struct EndpointGate {
  private(set) var state: EndpointState
  let backoff: Backoff
  let maxRetryAfterMillis: Int64
  /// A learned body limit is forgotten after this long, so a service limit that grows back is used.
  static let learnedLimitLifetimeMillis: Int64 = 86_400_000

  init(state: EndpointState, backoff: Backoff, maxRetryAfterMillis: Int64) {
    self.state = state
    self.backoff = backoff
    self.maxRetryAfterMillis = maxRetryAfterMillis
  }

  /// True while failures are remembered: at most one request in flight.
  var isProbing: Bool { state.isFailing }

  /// Milliseconds until a request may be sent (0: now).
  func waitMillis(now: Int64) -> Int64 { max(0, state.nextTryAt - now) }

  /// A request was answered 2xx. Returns true when this ended a failure (worth saving at once).
  mutating func succeeded(now: Int64) -> Bool {
    let wasFailing = state.isFailing
    state.consecutiveFailures = 0
    state.failingSince = nil
    state.nextTryAt = 0
    state.lastSuccessAt = now
    return wasFailing
  }

  /// A request failed transiently; the next try waits for the backoff, or `retryAfterMillis` if longer.
  /// - Parameter generator: the jitter's source (injected by tests).
  mutating func failed(
    reason: String, retryAfterMillis: Int64?, now: Int64, using generator: inout some RandomNumberGenerator
  ) {
    state.consecutiveFailures += 1
    if state.failingSince == nil { state.failingSince = now }
    state.lastError = reason
    // Equal jitter: at least half the window, so the wait really grows with each failure, and
    // never shorter than the service's Retry-After.
    let window = backoff.windowMillis(attempt: state.consecutiveFailures)
    var wait = window / 2 + Int64.random(in: 0...(window - window / 2), using: &generator)
    if let retryAfterMillis { wait = max(wait, min(max(0, retryAfterMillis), maxRetryAfterMillis)) }
    state.nextTryAt = max(state.nextTryAt, now + wait)
  }

  /// The service asked for a pause (`Retry-After`) on a request that met an outage already
  /// counted: no request before it, without counting another failure.
  mutating func holdOff(retryAfterMillis: Int64, now: Int64) {
    state.nextTryAt = max(state.nextTryAt, now + min(max(0, retryAfterMillis), maxRetryAfterMillis))
  }

  /// The largest body to pack now: the configured one, or a smaller limit a 413 taught.
  func bodyLimit(configured: Int, now: Int64) -> Int {
    guard let learned = state.maxBodyBytes, let at = state.learnedAt, now - at < Self.learnedLimitLifetimeMillis
    else { return configured }
    return min(configured, learned)
  }

  /// A body of `rawBytes` got 413: later bodies stay at half that size (at least 1 KiB).
  mutating func tooLarge(rawBytes: Int, configured: Int, now: Int64) {
    let limit = max(1_024, rawBytes / 2)
    if limit < bodyLimit(configured: configured, now: now) {
      state.maxBodyBytes = limit
      state.learnedAt = now
    }
  }
}
