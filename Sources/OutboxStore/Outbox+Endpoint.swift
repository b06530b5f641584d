import SQLite

/// What the outbox remembers about one ingestion endpoint between runs (`endpoint_state`).
public struct EndpointState: Sendable, Equatable, Codable {
  /// The ingestion URL without its query string.
  public var endpoint: String
  /// Transient failures (408, 429, 5xx, connection, token) since the last success.
  public var consecutiveFailures = 0
  /// When the current run of failures began.
  public var failingSince: Int64?
  public var lastError: String?
  /// No request before this time (backoff, or the service's Retry-After), Unix ms.
  public var nextTryAt: Int64 = 0
  public var lastSuccessAt: Int64?
  /// A body limit below the documented one, learned from a 413, and when it was learned.
  public var maxBodyBytes: Int?
  public var learnedAt: Int64?

  public init(endpoint: String) {
    self.endpoint = endpoint
  }

  /// True while failures are remembered: a drain probes with one request before sending more.
  public var isFailing: Bool { consecutiveFailures > 0 }
}

extension Outbox {
  /// The remembered state of `endpoint`, or a fresh (healthy) one.
  public func endpointState(_ endpoint: String) throws(OutboxError) -> EndpointState {
    do {
      return try connection.prepare(
        """
        SELECT consecutive_failures, failing_since, last_error, next_try_at, last_success_at, max_body_bytes, learned_at
        FROM endpoint_state WHERE endpoint = ?
        """
      )
      .bind(.text(endpoint))
      .firstRow { row in
        var state = EndpointState(endpoint: endpoint)
        state.consecutiveFailures = row.int(0)
        state.failingSince = row.optionalInt64(1)
        state.lastError = row.text(2)
        state.nextTryAt = row.int64(3)
        state.lastSuccessAt = row.optionalInt64(4)
        state.maxBodyBytes = row.optionalInt64(5).map(Int.init)
        state.learnedAt = row.optionalInt64(6)
        return state
      } ?? EndpointState(endpoint: endpoint)
    } catch {
      throw OutboxError.from(error, path: path)
    }
  }

  /// Every endpoint the outbox has sent to, most recently changed first (for `status`).
  public func endpointStates() throws(OutboxError) -> [EndpointState] {
    var endpoints: [String] = []
    do {
      try connection.prepare("SELECT endpoint FROM endpoint_state ORDER BY updated_at DESC").forEachRow {
        endpoints.append($0.text(0) ?? "")
      }
    } catch {
      throw OutboxError.from(error, path: path)
    }
    var states: [EndpointState] = []
    for endpoint in endpoints { states.append(try endpointState(endpoint)) }
    return states
  }

  /// Stores `state` (one small row; its own short transaction).
  public func saveEndpointState(_ state: EndpointState, now: Int64) throws(OutboxError) {
    try write {
      try connection.prepare(
        """
        INSERT INTO endpoint_state (endpoint, consecutive_failures, failing_since, last_error, next_try_at,
                                    last_success_at, max_body_bytes, learned_at, updated_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
        ON CONFLICT (endpoint) DO UPDATE SET
          consecutive_failures = ?2, failing_since = ?3, last_error = ?4, next_try_at = ?5, last_success_at = ?6,
          max_body_bytes = ?7, learned_at = ?8, updated_at = ?9
        """
      )
      .bind(
        .text(state.endpoint), .integer(Int64(state.consecutiveFailures)), .optional(state.failingSince),
        .optional(state.lastError), .integer(state.nextTryAt), .optional(state.lastSuccessAt),
        .optional(state.maxBodyBytes.map(Int64.init)), .optional(state.learnedAt), .integer(now)
      )
      .run()
    }
  }
}
