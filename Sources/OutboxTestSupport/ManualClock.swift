import Foundation
import Ingestion
import Synchronization

/// A ``WallClock`` for tests: it moves only when told to, or when someone sleeps or waits on
/// it, and then at once. A drain's backoff, Retry-After and grace waits pass in microseconds.
public final class ManualClock: WallClock {
  private let millis: Atomic<Int64>
  private let slept = Atomic<Int64>(0)
  /// How long a wait on a condition lasts in real time before the clock jumps instead: the
  /// other threads are real, and their signals must still be able to arrive.
  private let realWaitMillis: Double

  /// - Parameter start: Unix milliseconds (default: the real now, so rows enqueued now are ready).
  public init(start: Int64 = SystemClock().now(), realWaitMillis: Double = 2) {
    millis = Atomic(start)
    self.realWaitMillis = realWaitMillis
  }

  public func now() -> Int64 { millis.load(ordering: .sequentiallyConsistent) }

  /// Moves the clock forward by `delta` milliseconds.
  public func advance(by delta: Int64) {
    millis.wrappingAdd(max(0, delta), ordering: .sequentiallyConsistent)
  }

  /// Total milliseconds passed through ``sleep(millis:)``.
  public var sleptMillis: Int64 { slept.load(ordering: .sequentiallyConsistent) }

  public func sleep(millis: Int64) {
    guard millis > 0 else { return }
    slept.wrappingAdd(millis, ordering: .sequentiallyConsistent)
    advance(by: millis)
  }

  public func wait(_ condition: NSCondition, millis: Int64) -> Bool {
    if condition.wait(until: Date(timeIntervalSinceNow: realWaitMillis / 1000)) { return true }
    advance(by: millis)
    return false
  }
}
