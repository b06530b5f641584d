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
  /// Write transactions committed for this input (one per `chunkSize` records; one with `--strict`).
  public var transactions = 0
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
  /// At most this many findings validated ahead of the writer, per hand-over between the two
  /// threads (two hand-overs are in memory at once: about 2 MB each).
  static let handOverRows = 2_000

  /// Hand-overs of equal size, at most `handOverRows`, that add up to one transaction's `chunkSize`.
  static func handOverSize(chunkSize: Int) -> Int {
    let parts = (chunkSize + handOverRows - 1) / handOverRows
    return (chunkSize + parts - 1) / parts
  }

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
    let (validator, handOverRows) = (self.validator, Self.handOverSize(chunkSize: chunkSize))
    let reader = try JoinedThread {
      var producer = ChunkProducer(
        reader: RecordReader(fileDescriptor: fileDescriptor, source: source), validator: validator,
        chunkSize: handOverRows, channel: channel)
      producer.run()
    }
    defer {
      channel.cancel()
      reader.join()
    }

    var summary = InputSummary(source: source)
    var counts = EnqueueCounts()
    /// Stores one hand-over chunk in `transaction`; returns the records it held.
    func store(_ chunk: Chunk, in transaction: EnqueueTransaction) throws -> Int {
      for rejection in chunk.rejections { onReject(rejection) }
      summary.rejected += chunk.rejections.count
      if !chunk.findings.isEmpty { counts += try transaction.insert(chunk.findings, refreshAfter: refreshAfter) }
      return chunk.findings.count + chunk.rejections.count
    }
    if strict {
      do {
        try outbox.withEnqueueTransaction { transaction in
          while let chunk = try channel.take() { _ = try store(chunk, in: transaction) }
          if summary.rejected > 0 { throw StrictRollback() }
        }
        summary.counts = counts
        summary.transactions = 1
      } catch is StrictRollback {
        summary.rolledBack = true
      }
    } else {
      // A transaction spans several hand-over chunks: fewer commits (each rewrites the index
      // pages it dirtied) without holding more findings in memory. A transaction begins only once
      // its first chunk has arrived, so an input that ends on a chunk boundary commits no empty one.
      var next = try channel.take()
      while let first = next {
        try outbox.withEnqueueTransaction { transaction in
          var (chunk, rows) = (first, 0)
          while true {
            rows += try store(chunk, in: transaction)
            guard rows < chunkSize, let more = try channel.take() else { break }
            chunk = more
          }
        }
        summary.transactions += 1
        next = try channel.take()
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
