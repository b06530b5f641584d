import Findings
import OutboxStore

/// A record that was not enqueued, with every reason and its original bytes (for `--rejects`).
public struct Rejection: Sendable {
  public let location: RecordLocation
  public let errors: [FieldError]
  public let bytes: [UInt8]
}

/// What enqueuing one input did.
public struct InputSummary: Sendable {
  public let source: String
  public var counts = EnqueueCounts()
  public var rejected = 0
  /// `--strict` only: the input had rejections, so none of its records were stored.
  public var rolledBack = false
}

/// Streams records from an input, validates them and stores them in chunks: one IMMEDIATE
/// transaction per `chunkSize` records, so a concurrent `enqueue` or `drain` waits
/// only for one chunk and a killed enqueue leaves whole chunks behind.
///
/// Reading and validating run on a second thread while this one writes the previous chunk, so
/// both cores work. The store writes each chunk in key-hash order, so its inserts walk the key
/// index in order instead of touching its pages at random.
public struct EnqueuePipeline {
  public let outbox: Outbox
  public let validator: FindingValidator
  public var chunkSize: Int
  /// All or nothing per input: one transaction, rolled back if any record is rejected.
  public var strict: Bool
  /// Milliseconds after which a delivered, unchanged finding is queued again (nil: never).
  public var refreshAfter: Int64?
  /// Findings validated ahead of the writer, per hand-over between the two threads.
  static let handOverRows = 5_000

  public init(
    outbox: Outbox, validator: FindingValidator = FindingValidator(), chunkSize: Int = 20_000, strict: Bool = false,
    refreshAfter: Int64? = nil
  ) {
    self.outbox = outbox
    self.refreshAfter = refreshAfter
    self.validator = validator
    self.chunkSize = chunkSize
    self.strict = strict
  }

  /// Reads `fileDescriptor` to the end. `onReject` sees each rejected record, in input order.
  ///
  /// The reader thread is joined before this returns or throws, so the caller may close the
  /// descriptor as soon as it returns: nothing reads it afterwards.
  /// - Throws: `OutboxError` from the store, ``InputReadError`` when the input cannot be read,
  ///   ``ThreadStartError`` when no reader thread can be started.
  public func enqueue(fileDescriptor: Int32, source: String, onReject: (Rejection) -> Void) throws -> InputSummary {
    let channel = ChunkChannel()
    let (validator, chunkSize) = (self.validator, min(self.chunkSize, Self.handOverRows))
    let reader = try JoinedThread {
      var producer = ChunkProducer(
        reader: RecordReader(fileDescriptor: fileDescriptor, source: source), validator: validator,
        chunkSize: chunkSize, channel: channel)
      producer.run()
    }
    defer {
      channel.cancel()
      reader.join()
    }

    var summary = InputSummary(source: source)
    var counts = EnqueueCounts()
    /// Takes chunks into `transaction` until `limit` records are in it; true at the end of input.
    func fill(_ transaction: EnqueueTransaction, limit: Int) throws -> Bool {
      var rows = 0
      while rows < limit {
        guard let chunk = try channel.take() else { return true }
        for rejection in chunk.rejections { onReject(rejection) }
        summary.rejected += chunk.rejections.count
        if !chunk.findings.isEmpty { counts += try transaction.insert(chunk.findings, refreshAfter: refreshAfter) }
        rows += chunk.findings.count + chunk.rejections.count
      }
      return false
    }
    if strict {
      do {
        try outbox.withEnqueueTransaction { transaction in
          _ = try fill(transaction, limit: .max)
          if summary.rejected > 0 { throw StrictRollback() }
        }
        summary.counts = counts
      } catch is StrictRollback {
        summary.rolledBack = true
      }
    } else {
      // A transaction spans several hand-over chunks: fewer commits (each rewrites the index
      // pages it dirtied) without holding more findings in memory.
      var finished = false
      while !finished {
        try outbox.withEnqueueTransaction { finished = try fill($0, limit: chunkSize) }
      }
      summary.counts = counts
    }
    return summary
  }
}

private struct StrictRollback: Error {}

/// Reads and validates on the reader thread, which alone owns it, handing chunks to `channel`.
private struct ChunkProducer {
  var reader: RecordReader
  let validator: FindingValidator
  let chunkSize: Int
  let channel: ChunkChannel

  mutating func run() {
    var chunk = Chunk()
    chunk.findings.reserveCapacity(chunkSize)
    do throws(InputReadError) {
      while !channel.isCancelled, let event = try reader.next() {
        switch event {
        case .record(let location, let bytes):
          switch validator.validate(bytes: bytes) {
          case .success(let finding): chunk.findings.append(StorableFinding(finding))
          case .failure(let rejection):
            chunk.rejections.append(Rejection(location: location, errors: rejection.errors, bytes: bytes))
          }
        case .malformed(let location, let reason, let bytes):
          chunk.rejections.append(Rejection(location: location, errors: [FieldError(field: nil, reason: reason)], bytes: bytes))
        }
        if chunk.findings.count >= chunkSize || chunk.rejections.count >= chunkSize {
          guard channel.put(chunk) else { return }
          chunk = Chunk()
          chunk.findings.reserveCapacity(chunkSize)
        }
      }
      if !chunk.findings.isEmpty || !chunk.rejections.isEmpty { _ = channel.put(chunk) }
      channel.finish(throwing: nil)
    } catch {
      channel.finish(throwing: error)
    }
  }
}
