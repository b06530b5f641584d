import Foundation

/// The drain's time: now in Unix milliseconds, and waiting for time to pass.
///
/// Production uses ``SystemClock``. Tests inject a clock that jumps instead of waiting, so a
/// drain rule about time (backoff, Retry-After, the outage wait, the shutdown grace, lease
/// expiry) is tested in milliseconds.
public protocol WallClock: Sendable {
  /// Now, Unix milliseconds.
  func now() -> Int64
  /// Returns once `millis` have passed on this clock.
  func sleep(millis: Int64)
  /// Waits on `condition`, which the caller holds locked, until it is signalled or `millis`
  /// have passed on this clock.
  /// - Returns: false when the time passed without a signal (spurious wake-ups return true).
  func wait(_ condition: NSCondition, millis: Int64) -> Bool
}

/// The real time: `CLOCK_REALTIME` and real waits.
public struct SystemClock: WallClock {
  public init() {}

  public func now() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
  }

  public func sleep(millis: Int64) {
    guard millis > 0 else { return }
    usleep(UInt32(min(millis, 60_000)) * 1000)
  }

  public func wait(_ condition: NSCondition, millis: Int64) -> Bool {
    condition.wait(until: Date(timeIntervalSinceNow: Double(max(0, millis)) / 1000))
  }
}
