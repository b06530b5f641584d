import Findings

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
/// transaction per `chunkSize` accepted findings, so a concurrent `enqueue` or `drain` waits
/// only for one chunk and a killed enqueue leaves whole chunks behind.
public struct EnqueuePipeline {
  public let outbox: Outbox
  public let validator: FindingValidator
  public var chunkSize: Int
  /// All or nothing per input: one transaction, rolled back if any record is rejected.
  public var strict: Bool

  public init(outbox: Outbox, validator: FindingValidator = FindingValidator(), chunkSize: Int = 10_000, strict: Bool = false) {
    self.outbox = outbox
    self.validator = validator
    self.chunkSize = chunkSize
    self.strict = strict
  }

  /// Reads `fileDescriptor` to the end. `onReject` sees each rejected record as it is found.
  public func enqueue(fileDescriptor: Int32, source: String, onReject: (Rejection) -> Void) throws -> InputSummary {
    var reader = RecordReader(fileDescriptor: fileDescriptor, source: source)
    var summary = InputSummary(source: source)
    if strict {
      do {
        try outbox.withEnqueueTransaction { transaction in
          var counts = EnqueueCounts()
          try readAll(&reader, summary: &summary, onReject: onReject) { chunk in
            counts += try transaction.insert(chunk)
          }
          summary.counts = counts
          if summary.rejected > 0 { throw StrictRollback() }
        }
      } catch is StrictRollback {
        summary.counts = EnqueueCounts()
        summary.rolledBack = true
      }
    } else {
      var counts = EnqueueCounts()
      try readAll(&reader, summary: &summary, onReject: onReject) { chunk in
        counts += try outbox.enqueue(chunk)
      }
      summary.counts = counts
    }
    return summary
  }

  private func readAll(
    _ reader: inout RecordReader, summary: inout InputSummary, onReject: (Rejection) -> Void,
    store: ([ValidFinding]) throws -> Void
  ) throws {
    var chunk: [ValidFinding] = []
    chunk.reserveCapacity(chunkSize)
    while let event = try reader.next() {
      switch event {
      case .record(let location, let bytes):
        switch validator.validate(bytes: bytes) {
        case .success(let finding):
          chunk.append(finding)
          if chunk.count >= chunkSize {
            try store(chunk)
            chunk.removeAll(keepingCapacity: true)
          }
        case .failure(let rejection):
          summary.rejected += 1
          onReject(Rejection(location: location, errors: rejection.errors, bytes: bytes))
        }
      case .malformed(let location, let reason, let bytes):
        summary.rejected += 1
        onReject(Rejection(location: location, errors: [FieldError(field: nil, reason: reason)], bytes: bytes))
      }
    }
    if !chunk.isEmpty { try store(chunk) }
  }
}

private struct StrictRollback: Error {}
