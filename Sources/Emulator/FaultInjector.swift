import FindingGenerator
import Foundation

/// What the fault plan decides for one ingestion request.
enum FaultDecision: Sendable, Equatable {
  case none
  case status(Int, kind: String)
  /// The throttle's window is full: 429 with this `Retry-After`.
  case throttled(retryAfter: Int)
  case reset
  case lostAck
}

/// Draws fault decisions in request order from a seeded SplitMix64 generator, and keeps the
/// throttle's sliding 60-second window.
final class FaultInjector: Sendable {
  private struct State {
    var generator: SplitMix64
    var requests = 0
    var window: [(time: Double, bytes: Int)] = []
    var windowStart = 0
  }

  private let plan: FaultPlan
  private let requestsPerMinute: Int
  private let bytesPerMinute: Int
  private let state: Locked<State>

  init(plan: FaultPlan, requestsPerMinute: Int, bytesPerMinute: Int) {
    self.plan = plan
    self.requestsPerMinute = requestsPerMinute
    self.bytesPerMinute = bytesPerMinute
    state = Locked(State(generator: SplitMix64(seed: plan.seed)))
  }

  /// The decision for the next ingestion request, in arrival order.
  func next(now: Double = ProcessInfo.processInfo.systemUptime) -> FaultDecision {
    state.withLock { state in
      state.requests += 1
      // Always draw, so a request's fault depends only on its position, not on earlier throttling.
      let draw = state.generator.unitInterval()
      if state.requests <= plan.failFirst { return .status(503, kind: "fail_first") }
      if let retry = throttleRetryAfter(&state, now: now) { return .throttled(retryAfter: retry) }
      var threshold = plan.probability429
      if draw < threshold { return .status(429, kind: "429") }
      threshold += plan.probability500
      if draw < threshold { return .status(500, kind: "500") }
      threshold += plan.probability503
      if draw < threshold { return .status(503, kind: "503") }
      threshold += plan.probabilityReset
      if draw < threshold { return .reset }
      threshold += plan.probabilityLostAck
      if draw < threshold { return .lostAck }
      return .none
    }
  }

  /// Records an accepted request's decompressed size in the throttle window.
  func recordBytes(_ bytes: Int) {
    guard bytesPerMinute > 0 else { return }
    state.withLock { state in
      if let last = state.window.indices.last { state.window[last].bytes += bytes }
    }
  }

  /// Seconds to wait when the window is full, else records the request and returns nil.
  private func throttleRetryAfter(_ state: inout State, now: Double) -> Int? {
    guard requestsPerMinute > 0 || bytesPerMinute > 0 else { return nil }
    while state.windowStart < state.window.count, state.window[state.windowStart].time <= now - 60 {
      state.windowStart += 1
    }
    if state.windowStart > 4096 {
      state.window.removeFirst(state.windowStart)
      state.windowStart = 0
    }
    let live = state.window[state.windowStart...]
    let overRequests = requestsPerMinute > 0 && live.count >= requestsPerMinute
    let overBytes = bytesPerMinute > 0 && live.reduce(0, { $0 + $1.bytes }) >= bytesPerMinute
    if overRequests || overBytes {
      let oldest = live.first?.time ?? now
      return max(1, Int((oldest + 60 - now).rounded(.up)))
    }
    state.window.append((now, 0))
    return nil
  }
}
