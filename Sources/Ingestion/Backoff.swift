/// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
/// the wait before retry *n* is uniform in `0 ... min(cap, base · 2^(n-1))`.
public struct Backoff: Sendable, Equatable {
  /// The ceiling of the first retry's window, milliseconds.
  public var baseMillis: Int64
  /// The largest window, milliseconds.
  public var capMillis: Int64

  public init(baseMillis: Int64 = 1_000, capMillis: Int64 = 300_000) {
    precondition(baseMillis > 0 && capMillis >= baseMillis, "backoff needs 0 < base <= cap")
    self.baseMillis = baseMillis
    self.capMillis = capMillis
  }

  /// The upper bound of the jitter window for the `attempt`-th failed attempt (1-based).
  public func windowMillis(attempt: Int) -> Int64 {
    let shift = max(0, min(attempt - 1, 40))
    let (scaled, overflow) = baseMillis.multipliedReportingOverflow(by: Int64(1) << shift)
    return overflow ? capMillis : min(capMillis, scaled)
  }

  /// A wait drawn uniformly from `0 ... windowMillis(attempt:)`.
  public func delayMillis(attempt: Int, using generator: inout some RandomNumberGenerator) -> Int64 {
    Int64.random(in: 0...windowMillis(attempt: attempt), using: &generator)
  }

  /// A wait drawn with the system generator.
  public func delayMillis(attempt: Int) -> Int64 {
    var generator = SystemRandomNumberGenerator()
    return delayMillis(attempt: attempt, using: &generator)
  }
}
