import Foundation
import Ingestion
import OutboxStore

/// One request's worth of leased rows.
struct SendJob: Sendable {
  let rows: [ClaimedFinding]
  /// The ``BisectionTracker`` bisection this body is part of, if any.
  var bisection: Int? = nil
}

/// What a worker made of a ``SendJob``.
struct SendResult: Sendable {
  let job: SendJob
  let upload: UploadResult
  let clientRequestID: String
  let rawBytes: Int
  let wireBytes: Int
  let startedAt: Int64
  let finishedAt: Int64
  /// Times the request went on the wire.
  var transmissions = 1
}

/// Packs, compresses and POSTs on its own thread, with its own transport and buffers.
final class SendWorker {
  private let transport: any IngestionTransport
  private let compressor: GzipCompressor
  private let order: CompressionOrder?
  private let clock: any WallClock
  private var raw: [UInt8] = []
  private var wire: [UInt8] = []

  init(transport: any IngestionTransport, options: DrainOptions, clock: any WallClock) {
    self.transport = transport
    compressor = GzipCompressor(kind: options.compressor, level: options.compressionLevel)
    order = options.rowOrder
    self.clock = clock
    raw.reserveCapacity(options.maxBodyBytes)
  }

  func process(_ job: SendJob) -> SendResult {
    let started = clock.now()
    let requestID = LogsIngestionClient.newClientRequestID()
    if let order {
      let rows = job.rows
      BodyPacker.encode(order.indices(of: rows.lazy.map(\.payload)).lazy.map { rows[$0].payload }, into: &raw)
    } else {
      BodyPacker.encode(job.rows.lazy.map(\.payload), into: &raw)
    }
    let upload: UploadResult
    do {
      try compressor.compress(raw, into: &wire)
      upload = transport.upload(gzipBody: wire, clientRequestID: requestID, now: clock.now)
    } catch {
      upload = UploadResult(
        outcome: .transient(reason: error.description, retryAfterMillis: nil, bodyUnsent: true),
        status: nil, requestID: nil, elapsedMillis: 0, refreshedToken: false)
    }
    return SendResult(
      job: job, upload: upload, clientRequestID: requestID, rawBytes: raw.count, wireBytes: wire.count,
      startedAt: started, finishedAt: clock.now(), transmissions: upload.transmissions)
  }
}

/// A fixed set of worker threads: jobs in, results out, both FIFO.
///
/// `@unchecked Sendable`: every mutable field is read and written only under `condition`,
/// except that ``outstanding`` is also read without it, by the drain thread, the only one that
/// changes it. Built on `NSCondition` because the waits need a timeout, which `Mutex` lacks.
final class WorkerPool: @unchecked Sendable {
  private let condition = NSCondition()
  private var jobs: [SendJob] = []
  private var results: [SendResult] = []
  private var closed = false
  private var running = 0
  /// Polled before a worker takes a job: once true, no new request starts (SIGTERM).
  private let shouldStop: @Sendable () -> Bool
  /// Times ``nextResult(timeoutMillis:)``: a test clock lets the drain's waits pass at once.
  private let clock: any WallClock
  /// Jobs submitted whose results have not been taken yet.
  private(set) var outstanding = 0

  init(
    count: Int, clock: any WallClock, shouldStop: @escaping @Sendable () -> Bool,
    makeWorker: @escaping @Sendable () -> SendWorker
  ) {
    self.shouldStop = shouldStop
    self.clock = clock
    running = count
    for index in 0..<count {
      let thread = Thread { [self] in
        let worker = makeWorker()
        while let job = self.take() {
          let result = worker.process(job)
          self.condition.lock()
          self.results.append(result)
          self.condition.broadcast()
          self.condition.unlock()
        }
        self.condition.lock()
        self.running -= 1
        self.condition.broadcast()
        self.condition.unlock()
      }
      thread.name = "drain-worker-\(index)"
      thread.stackSize = 1 << 20
      thread.start()
    }
  }

  private func take() -> SendJob? {
    condition.lock()
    defer { condition.unlock() }
    while !closed && (jobs.isEmpty || shouldStop()) {
      // Woken by submit and close; the timeout notices a stop request that came as a signal.
      // Real time on purpose: this poll measures nothing, and idle workers must not move a test clock.
      _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1))
    }
    guard !closed else { return nil }
    // The queue holds at most a few jobs (concurrency + 1, one claim's bodies, splits): removeFirst is cheap,
    // and it drops the pool's reference to the rows at once.
    return jobs.removeFirst()
  }

  func submit(_ job: SendJob) {
    condition.lock()
    jobs.append(job)
    outstanding += 1
    condition.broadcast()
    condition.unlock()
  }

  /// The next finished result, waiting at most `timeoutMillis` for one; nil when nothing is
  /// outstanding or none arrived in time.
  func nextResult(timeoutMillis: Int) -> SendResult? {
    condition.lock()
    defer { condition.unlock() }
    guard outstanding > 0 else { return nil }
    let deadline = clock.now() + Int64(timeoutMillis)
    while results.isEmpty {
      let left = deadline - clock.now()
      if left <= 0 { return nil }
      _ = clock.wait(condition, millis: left)
    }
    outstanding -= 1
    return results.removeFirst()
  }

  /// Removes and returns the jobs no worker has started.
  func cancelQueued() -> [SendJob] {
    condition.lock()
    defer { condition.unlock() }
    let cancelled = jobs
    jobs.removeAll()
    outstanding -= cancelled.count
    return cancelled
  }

  /// Lets the threads exit once their current job is done, and waits until every one has
  /// (queued jobs must have been cancelled or finished first).
  func close() {
    condition.lock()
    closed = true
    condition.broadcast()
    while running > 0 { condition.wait() }
    condition.unlock()
  }
}
