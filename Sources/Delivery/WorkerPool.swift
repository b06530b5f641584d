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
}

/// Packs, compresses and POSTs on its own thread, with its own connection and buffers.
final class SendWorker {
  private let client: LogsIngestionClient
  private let compressor: GzipCompressor
  private let clock: @Sendable () -> Int64
  private var raw: [UInt8] = []
  private var wire: [UInt8] = []

  init(configuration: ClientConfiguration, tokens: TokenCache, options: DrainOptions, clock: @escaping @Sendable () -> Int64) {
    client = LogsIngestionClient(configuration: configuration, tokens: tokens, options: options.transport)
    compressor = GzipCompressor(kind: options.compressor, level: options.compressionLevel)
    self.clock = clock
    raw.reserveCapacity(options.maxBodyBytes)
  }

  func process(_ job: SendJob) -> SendResult {
    let started = clock()
    let requestID = LogsIngestionClient.newClientRequestID()
    BodyPacker.encode(job.rows.lazy.map(\.payload), into: &raw)
    let upload: UploadResult
    do {
      try compressor.compress(raw, into: &wire)
      upload = client.upload(gzipBody: wire, clientRequestID: requestID, now: clock)
    } catch {
      upload = UploadResult(
        outcome: .transient(reason: error.description, retryAfterMillis: nil, bodyUnsent: true),
        status: nil, requestID: nil, elapsedMillis: 0, refreshedToken: false)
    }
    return SendResult(
      job: job, upload: upload, clientRequestID: requestID, rawBytes: raw.count, wireBytes: wire.count,
      startedAt: started, finishedAt: clock())
  }
}

/// A fixed set of worker threads: jobs in, results out, both FIFO.
final class WorkerPool: @unchecked Sendable {
  private let condition = NSCondition()
  private var jobs: [SendJob] = []
  private var results: [SendResult] = []
  private var closed = false
  /// Jobs submitted whose results have not been taken yet.
  private(set) var outstanding = 0

  init(count: Int, makeWorker: @escaping @Sendable () -> SendWorker) {
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
      }
      thread.name = "drain-worker-\(index)"
      thread.stackSize = 1 << 20
      thread.start()
    }
  }

  private func take() -> SendJob? {
    condition.lock()
    defer { condition.unlock() }
    while jobs.isEmpty && !closed { condition.wait() }
    guard !jobs.isEmpty else { return nil }
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

  /// Jobs waiting for a worker.
  var queued: Int {
    condition.lock()
    defer { condition.unlock() }
    return jobs.count
  }

  /// The next finished result, waiting for one; nil when nothing is outstanding.
  func nextResult() -> SendResult? {
    condition.lock()
    defer { condition.unlock() }
    guard outstanding > 0 else { return nil }
    while results.isEmpty { condition.wait() }
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

  /// Lets the threads exit once the queue is empty.
  func close() {
    condition.lock()
    closed = true
    condition.broadcast()
    condition.unlock()
  }
}
