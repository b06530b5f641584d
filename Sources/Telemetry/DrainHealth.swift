import Findings
import Foundation
import Synchronization

/// What `/healthz` answers: healthy while deliveries succeed or nothing is due; not during an
/// outage or a configuration error (with a short reason).
public struct HealthReport: Sendable, Equatable {
  public enum State: String, Sendable {
    /// No pass has finished yet.
    case starting
    /// The last pass delivered or found nothing due.
    case ok
    /// Rows wait for a retry time (throttled); the endpoint answers.
    case deferred
    /// The endpoint failed repeatedly.
    case outage
    /// Authentication, permission, DCR or stream is wrong.
    case configurationError = "configuration_error"
  }

  public var state: State
  public var reason: String?
  /// Unix ms of the change to this state.
  public var since: Int64

  public var healthy: Bool { state != .outage && state != .configurationError }
  public var httpStatus: Int { healthy ? 200 : 503 }

  /// `{"status":"outage","reason":"…","since":"…"}`.
  public var json: String {
    var object: [String: Any] = ["status": state.rawValue, "healthy": healthy]
    if let reason { object["reason"] = String(reason.prefix(300)) }
    object["since"] = UTCTimestamp.format(since / 1000)
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}

/// The drain's health, from its batch outcomes and the end of each pass; thread-safe.
///
/// Hook for persistent endpoint state: call ``set(_:reason:now:)`` with what the outbox
/// remembers about the endpoint (and `DrainMetrics.setEndpointUp`).
public final class DrainHealth: Sendable {
  private let report: Mutex<HealthReport>

  public init(now: Int64 = DrainHealth.now()) {
    report = Mutex(HealthReport(state: .starting, reason: nil, since: now))
  }

  public var current: HealthReport { report.withLock { $0 } }

  /// Sets the state (keeps `since` when the state does not change).
  public func set(_ state: HealthReport.State, reason: String? = nil, now: Int64 = DrainHealth.now()) {
    report.withLock { report in
      if report.state != state { report.since = now }
      report.state = state
      report.reason = reason
    }
  }

  /// A request delivered: healthy again, whatever came before.
  public func delivered(now: Int64 = DrainHealth.now()) {
    set(.ok, now: now)
  }

  public static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
