import Foundation
import Ingestion
import OutboxStore

/// Makes one worker's transport; transfers under way must end soon after `abort` is aborted
/// (past the shutdown grace).
public typealias TransportFactory = @Sendable (_ abort: TransferAbort) -> any IngestionTransport

/// The drain loop: claim → pack → (workers: gzip → POST) → record each outcome, fenced.
///
/// The outbox is used only from the thread that calls ``run()``; HTTP never runs inside a
/// transaction. Rules (docs/delivery.md): only a verdict about a row's own content makes it
/// dead — a 400 that bisection isolates to it, or too large to send alone. Transient failures
/// (408, 429, 5xx, connection, token) never charge rows: they mark the endpoint failing in
/// ``EndpointGate``, which holds every worker back until the next try time and then probes with
/// one request; the state survives across runs. Configuration errors stop the run and give the
/// leases back. A stop request starts no new request and gives in-flight work a bounded grace.
public final class Drainer {
  let outbox: Outbox
  let configuration: ClientConfiguration
  let options: DrainOptions
  let clock: any WallClock
  let makeTransport: TransportFactory
  let shouldStop: @Sendable () -> Bool
  let onBatch: (BatchEvent) -> Void
  /// This run's lease owner (`host:pid:random`; `…-nolock` for a drain without the drain lock).
  public let owner: String
  /// The `endpoint_state` key: the ingestion URL without its query.
  let endpointKey: String

  var report = DrainReport()
  var stop: DrainStop?
  var gate: EndpointGate
  /// Transient failures counted against this run (the run ends at `outageThreshold`).
  var failuresThisRun = 0
  /// Failures in a row that end this run (1 while a remembered outage is being probed).
  var threshold = 1
  /// Start time of the request whose failure was counted last: requests already in flight then
  /// met the same outage and are not counted again.
  var lastCountedFailureStart: Int64 = .min
  /// Claimed rows of a partly filled last body, packed together with the next claim.
  var carry: [ClaimedFinding] = []
  /// Rows this run gave back and has not delivered or settled since.
  var givenBack = Set<Int64>()
  /// Which 400s are about rows and which about the request.
  var bisections = BisectionTracker()
  var pool: WorkerPool!
  var transferAbort = TransferAbort()
  var stopRequestedAt: Int64?
  /// The last claim found nothing ready (rows given back since make it false again).
  var exhausted = false
  var random = SystemRandomNumberGenerator()

  /// - Parameters:
  ///   - tokens: the token cache of the production transport (one per configuration by default).
  ///   - clock: now and waiting, for every time decision of the run (a test clock makes them instant).
  ///   - transport: makes each worker's transport; nil for ``LogsIngestionClient`` over libcurl.
  ///   - shouldStop: polled by the loop and the workers; true starts no new request (SIGTERM/SIGINT).
  ///   - onBatch: called on the caller's thread after each request is recorded.
  public init(
    outbox: Outbox, configuration: ClientConfiguration, options: DrainOptions, tokens: TokenCache? = nil,
    clock: any WallClock = SystemClock(), transport: TransportFactory? = nil,
    shouldStop: @escaping @Sendable () -> Bool = { false }, onBatch: @escaping (BatchEvent) -> Void = { _ in }
  ) {
    self.outbox = outbox
    self.configuration = configuration
    var options = options
    options.maxBodyBytes = min(options.maxBodyBytes, configuration.maxBodyBytes)
    options.concurrency = max(1, options.concurrency)
    self.options = options
    owner = Outbox.makeLeaseOwner(holdsDrainLock: options.holdsDrainLock)
    self.clock = clock
    if let transport {
      makeTransport = transport
    } else {
      let (tokens, transportOptions) = (tokens ?? TokenCache(configuration: configuration), options.transport)
      makeTransport = { [configuration] abort in
        var transportOptions = transportOptions
        transportOptions.abort = abort
        return LogsIngestionClient(configuration: configuration, tokens: tokens, options: transportOptions)
      }
    }
    self.shouldStop = shouldStop
    self.onBatch = onBatch
    endpointKey = String(configuration.ingestionURL.prefix { $0 != "?" })
    gate = EndpointGate(
      state: EndpointState(endpoint: endpointKey), backoff: options.endpointBackoff,
      maxRetryAfterMillis: options.maxRetryAfterMillis)
  }

  /// The endpoint's state as this run left it (for `status`, metrics and health).
  public var endpointState: EndpointState { gate.state }

  /// Drains until nothing is ready (or a bound, a stop request, an outage or a configuration error).
  /// - Throws: `OutboxError` when the database fails; rows in flight keep their lease and are
  ///   reclaimed by the next drain.
  public func run() throws(OutboxError) -> DrainReport {
    report = DrainReport()
    stop = nil
    failuresThisRun = 0
    lastCountedFailureStart = .min
    carry = []
    givenBack = []
    bisections = BisectionTracker()
    stopRequestedAt = nil
    transferAbort = TransferAbort()
    let started = clock.now()
    gate = EndpointGate(
      state: try outbox.endpointState(endpointKey), backoff: options.endpointBackoff,
      maxRetryAfterMillis: options.maxRetryAfterMillis)
    // A run that starts during a remembered outage probes once and then gives up.
    threshold = gate.isProbing ? 1 : max(1, options.outageThreshold)
    if gate.isProbing && gate.waitMillis(now: started) > 0 {
      return finish(.outage(reason: gate.state.lastError ?? "the endpoint failed", nextTryAt: gate.state.nextTryAt), started)
    }
    let (options, clock, makeTransport, abort) = (self.options, self.clock, self.makeTransport, transferAbort)
    pool = WorkerPool(count: options.concurrency, clock: clock, shouldStop: shouldStop) {
      SendWorker(transport: makeTransport(abort), options: options, clock: clock)
    }
    defer {
      transferAbort.abort()
      pool.close()
    }
    var claimed = 0
    exhausted = false
    while true {
      while stop == nil && !exhausted && mayClaim() {
        if let reason = boundReached(started: started, claimed: claimed) {
          stop = reason
          break
        }
        let limit = min(options.claimRows, options.maxRows.map { $0 - claimed } ?? .max)
        let rows = try outbox.claim(
          owner: owner, limit: limit, leaseMillis: options.leaseMillis, now: clock.now(),
          localOwnersGone: options.holdsDrainLock)
        if rows.isEmpty {
          exhausted = true
          break
        }
        claimed += rows.count
        try submit(carry + rows, holdLast: !gate.isProbing)
      }
      if (stop != nil || exhausted) && !carry.isEmpty && stop?.isFinal != true && mayClaim() {
        let rows = carry
        carry = []
        try submit(rows, holdLast: false)
      }
      if pool.outstanding > 0 {
        if let result = pool.nextResult(timeoutMillis: 100) { try record(result) }
        try checkStopRequest()
        continue
      }
      if stop != nil { break }
      if gate.isProbing {
        // Failing: wait for the next try in-process only while it is near and the run has
        // failures to spare; otherwise leave the rows pending for a later run.
        let wait = gate.waitMillis(now: clock.now())
        if failuresThisRun >= threshold || wait > options.retryWaitMillis
          || boundReached(started: started, claimed: claimed) != nil
        {
          try halt(.outage(reason: gate.state.lastError ?? "the endpoint failed", nextTryAt: gate.state.nextTryAt))
          break
        }
        if !sleep(until: clock.now() + wait) {
          try halt(.interrupted)
          break
        }
        exhausted = false
        continue
      }
      // Rows given back since the last claim are ready again: claim them.
      if !exhausted || !carry.isEmpty { continue }
      stop = .drained
      break
    }
    try releaseHeldRows()
    try outbox.retireLeases(owner: owner)
    // Remember the last delivery too, so `status` can say the endpoint is fine and since when.
    if report.sentRows > 0 { try outbox.saveEndpointState(gate.state, now: clock.now()) }
    return finish(stop ?? .drained, started)
  }

  /// Whether another body may be queued now: with every worker while healthy, one at a time
  /// (and only once the next try time has come) while the endpoint is failing.
  private func mayClaim() -> Bool {
    if gate.isProbing { return pool.outstanding == 0 && gate.waitMillis(now: clock.now()) == 0 }
    return pool.outstanding < options.concurrency + 1
  }

  private func finish(_ reason: DrainStop, _ started: Int64) -> DrainReport {
    report.stop = reason
    report.givenBackRows = givenBack.count
    report.endpoint = gate.state
    report.elapsedMillis = clock.now() - started
    return report
  }

  /// Packs `rows` into bodies and queues them; with `holdLast` the last body waits in `carry`.
  /// While probing, only the first body is queued and the rest go back unspent.
  private func submit(_ rows: [ClaimedFinding], holdLast: Bool) throws(OutboxError) {
    carry = []
    let limit = gate.bodyLimit(configured: options.maxBodyBytes, now: clock.now())
    let pieces = BodyPacker(maxBytes: limit).plan(sizes: rows.map { $0.payload.count })
    var unsent: [ClaimedFinding] = []
    var queued = 0
    for (index, piece) in pieces.enumerated() {
      switch piece {
      case .body(let range, _) where gate.isProbing && queued > 0:
        unsent += rows[range]
      case .body(let range, _) where holdLast && index == pieces.count - 1:
        carry = Array(rows[range])
      case .body(let range, _):
        pool.submit(SendJob(rows: Array(rows[range])))
        queued += 1
      case .oversize(let row, let bytes):
        let dead = try outbox.markDead(
          [rows[row]],
          error: "row is too large to send: its body would be \(bytes) bytes, over the \(limit)-byte request limit",
          reason: .tooLarge, batchID: nil, now: clock.now())
        report.deadRows += dead
      }
    }
    try giveBack(unsent, error: nil, countAttempt: false)
  }

  private func boundReached(started: Int64, claimed: Int) -> DrainStop? {
    if shouldStop() { return .interrupted }
    if let max = options.maxRows, claimed >= max { return .maxRows }
    if let max = options.maxDurationMillis, clock.now() - started >= max { return .maxDuration }
    return nil
  }

  /// Sleeps until `time`, waking every 100 ms to honour a stop request; false when stopped.
  private func sleep(until time: Int64) -> Bool {
    while clock.now() < time {
      if shouldStop() { return false }
      clock.sleep(millis: min(100, max(1, time - clock.now())))
    }
    return true
  }
}
