import Foundation
import Ingestion
import OutboxStore

/// The drain loop: claim → pack → (workers: gzip → POST) → record each outcome, fenced.
///
/// The outbox is used only from the thread that calls ``run()``; HTTP never runs inside a
/// transaction. Sending rules are design.md's: Retry-After honoured, full-jitter backoff,
/// 413 split, 400 bisected down to the rows at fault, configuration errors stop the run and
/// give leases back unspent, an endpoint-wide outage ends the run with rows pending.
public final class Drainer {
  let outbox: Outbox
  let configuration: ClientConfiguration
  let options: DrainOptions
  let tokens: TokenCache
  let clock: @Sendable () -> Int64
  let shouldStop: () -> Bool
  let onBatch: (BatchEvent) -> Void
  /// This run's lease owner (`host:pid:random`).
  public let owner = Outbox.makeLeaseOwner()

  var report = DrainReport()
  var stop: DrainStop?
  var consecutiveFailures = 0
  /// Times at which rows this run gave back become ready again.
  var retryTimes: [Int64] = []
  /// Claimed rows of a partly filled last body, packed together with the next claim.
  var carry: [ClaimedFinding] = []
  /// Which 400s are about rows and which about the request.
  var bisections = BisectionTracker()
  var pool: WorkerPool!

  /// - Parameters:
  ///   - shouldStop: polled between steps; true stops claiming (SIGTERM/SIGINT).
  ///   - onBatch: called on the caller's thread after each request is recorded.
  public init(
    outbox: Outbox, configuration: ClientConfiguration, options: DrainOptions, tokens: TokenCache? = nil,
    clock: @escaping @Sendable () -> Int64 = { Outbox.now() }, shouldStop: @escaping () -> Bool = { false },
    onBatch: @escaping (BatchEvent) -> Void = { _ in }
  ) {
    self.outbox = outbox
    self.configuration = configuration
    var options = options
    options.maxBodyBytes = min(options.maxBodyBytes, configuration.maxBodyBytes)
    options.concurrency = max(1, options.concurrency)
    self.options = options
    self.tokens = tokens ?? TokenCache(configuration: configuration)
    self.clock = clock
    self.shouldStop = shouldStop
    self.onBatch = onBatch
  }

  /// Drains until nothing is ready (or a bound, a stop request, an outage or a configuration error).
  /// - Throws: `OutboxError` when the database fails; rows in flight keep their lease and are
  ///   reclaimed after it expires.
  public func run() throws(OutboxError) -> DrainReport {
    report = DrainReport()
    stop = nil
    consecutiveFailures = 0
    retryTimes = []
    carry = []
    bisections = BisectionTracker()
    let started = clock()
    let (configuration, tokens, options, clock) = (self.configuration, self.tokens, self.options, self.clock)
    pool = WorkerPool(count: options.concurrency) {
      SendWorker(configuration: configuration, tokens: tokens, options: options, clock: clock)
    }
    defer { pool.close() }
    let packer = BodyPacker(maxBytes: options.maxBodyBytes)
    var claimed = 0
    var exhausted = false
    while true {
      while stop == nil && !exhausted && pool.outstanding < options.concurrency + 1 {
        if let reason = boundReached(started: started, claimed: claimed) {
          stop = reason
          break
        }
        let limit = min(options.claimRows, options.maxRows.map { $0 - claimed } ?? .max)
        let rows = try outbox.claim(
          owner: owner, limit: limit, leaseMillis: options.leaseMillis, maxAttempts: options.maxAttempts, now: clock())
        if rows.isEmpty {
          exhausted = true
          break
        }
        claimed += rows.count
        try submit(carry + rows, packer: packer, holdLast: true)
      }
      if (stop != nil || exhausted) && !carry.isEmpty {
        let rows = carry
        carry = []
        try submit(rows, packer: packer, holdLast: false)
      }
      if let result = pool.nextResult() {
        try record(result)
        if stop == nil && shouldStop() { try halt(.interrupted) }
        continue
      }
      if stop != nil { break }
      if exhausted {
        // Nothing was ready at the last claim, so every row due by now was already taken.
        let now = clock()
        retryTimes.removeAll { $0 <= now }
        if let next = retryTimes.min() {
          guard next - now <= options.retryWaitMillis, boundReached(started: started, claimed: claimed) == nil else {
            stop = .deferred(until: next)
            break
          }
          if sleep(until: next) {
            exhausted = false
            continue
          }
          stop = .interrupted
          break
        }
      }
      stop = stop ?? (exhausted ? .drained : .interrupted)
      break
    }
    report.stop = stop ?? .drained
    try releaseHeldRows()
    try outbox.retireLeases(owner: owner)
    report.elapsedMillis = clock() - started
    return report
  }

  /// Packs `rows` into bodies and queues them; with `holdLast` the last body waits in `carry`.
  private func submit(_ rows: [ClaimedFinding], packer: BodyPacker, holdLast: Bool) throws(OutboxError) {
    carry = []
    let pieces = packer.plan(sizes: rows.map(\.payload.count))
    for (index, piece) in pieces.enumerated() {
      switch piece {
      case .body(let range, _) where holdLast && index == pieces.count - 1:
        carry = Array(rows[range])
      case .body(let range, _):
        pool.submit(SendJob(rows: Array(rows[range])))
      case .oversize(let row, let bytes):
        report.deadRows += try outbox.markDead(
          [rows[row]],
          error: "row is too large to send: its body would be \(bytes) bytes, over the \(options.maxBodyBytes)-byte "
            + "request limit", batchID: nil, now: clock())
      }
    }
  }

  private func boundReached(started: Int64, claimed: Int) -> DrainStop? {
    if shouldStop() { return .interrupted }
    if let max = options.maxRows, claimed >= max { return .maxRows }
    if let max = options.maxDurationMillis, clock() - started >= max { return .maxDuration }
    return nil
  }

  /// Sleeps until `time`, waking every 100 ms to honour a stop request; false when stopped.
  private func sleep(until time: Int64) -> Bool {
    while clock() < time {
      if shouldStop() { return false }
      usleep(UInt32(min(100, max(1, time - clock()))) * 1000)
    }
    return true
  }

  /// Stops the run: jobs no worker has started go back to `pending` without spending an attempt.
  func halt(_ reason: DrainStop) throws(OutboxError) {
    if stop == nil { stop = reason }
    let note: String? =
      switch reason {
      case .configuration(let message): message
      case .outage(let message): "endpoint unavailable: " + message
      default: nil
      }
    var jobs = pool.cancelQueued()
    if !carry.isEmpty {
      jobs.append(SendJob(rows: carry))
      carry = []
    }
    jobs.append(SendJob(rows: bisections.takeAllHeld()))
    for job in jobs where !job.rows.isEmpty {
      report.retriedRows += try outbox.release(
        job.rows, retryAt: clock(), error: note, refundAttempt: true, maxAttempts: options.maxAttempts,
        now: clock()
      ).pending
    }
  }
}
