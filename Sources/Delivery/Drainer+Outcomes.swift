import Ingestion
import OutboxStore

extension Drainer {
  /// Records one request's outcome: a `batches` row, then the rows' new states, fenced on the lease.
  func record(_ result: SendResult) throws(OutboxError) {
    let rows = result.job.rows
    let now = clock()
    func batch(_ outcome: BatchOutcome, _ error: String?) throws(OutboxError) -> Int64 {
      try outbox.recordBatch(
        BatchRecord(
          clientRequestID: result.clientRequestID, requestID: result.upload.requestID, leaseOwner: owner,
          rows: rows.count, rawBytes: result.rawBytes, wireBytes: result.wireBytes, httpStatus: result.upload.status,
          outcome: outcome, error: error, startedAt: result.startedAt, finishedAt: result.finishedAt))
    }
    var error: String?
    var outcomeName: String
    report.requests += 1
    report.rawBytes += result.rawBytes
    report.wireBytes += result.wireBytes
    switch result.upload.outcome {
    case .delivered:
      outcomeName = BatchOutcome.delivered.rawValue
      let id = try batch(.delivered, nil)
      let changed = try outbox.markSent(rows, batchID: id, now: now)
      report.sentRows += changed
      report.fencedRows += rows.count - changed
      consecutiveFailures = 0
    case .throttled(let retryAfter):
      outcomeName = BatchOutcome.retry.rawValue
      error = "throttled (HTTP \(result.upload.status ?? 0))"
      _ = try batch(.retry, error)
      let wait = retryAfter ?? options.backoff.delayMillis(attempt: rows.map(\.attempts).max() ?? 1)
      try giveBack(rows, retryAt: now + min(wait, options.maxRetryAfterMillis), error: error, refund: true)
      try countFailure(error!)
    case .transient(let reason, let retryAfter, let bodyUnsent):
      outcomeName = BatchOutcome.retry.rawValue
      error = reason
      _ = try batch(.retry, reason)
      let wait = retryAfter ?? options.backoff.delayMillis(attempt: rows.map(\.attempts).max() ?? 1)
      try giveBack(rows, retryAt: now + min(wait, options.maxRetryAfterMillis), error: reason, refund: bodyUnsent)
      try countFailure(reason)
    case .tooLarge(let message), .rejected(let message):
      error = message
      consecutiveFailures = 0
      if rows.count == 1 {
        outcomeName = BatchOutcome.rejected.rawValue
        let id = try batch(.rejected, message)
        report.deadRows += try outbox.markDead(rows, error: message, batchID: id, now: now)
      } else {
        // Split (413) or bisect (400): each half goes again under the same lease.
        outcomeName = BatchOutcome.split.rawValue
        _ = try batch(.split, message)
        let middle = rows.count / 2
        if stop == nil {
          pool.submit(SendJob(rows: Array(rows[..<middle])))
          pool.submit(SendJob(rows: Array(rows[middle...])))
        } else {
          try giveBack(rows, retryAt: now, error: message, refund: true)
        }
      }
    case .configuration(let message):
      outcomeName = BatchOutcome.configError.rawValue
      error = message
      _ = try batch(.configError, message)
      try giveBack(rows, retryAt: now, error: message, refund: true)
      try halt(.configuration(message))
    }
    onBatch(
      BatchEvent(
        clientRequestID: result.clientRequestID, rows: rows.count, rawBytes: result.rawBytes,
        wireBytes: result.wireBytes, status: result.upload.status, outcome: outcomeName,
        millis: Int(result.finishedAt - result.startedAt), error: error))
  }

  private func giveBack(_ rows: [ClaimedFinding], retryAt: Int64, error: String?, refund: Bool) throws(OutboxError) {
    let released = try outbox.release(
      rows, retryAt: retryAt, error: error, refundAttempt: refund, maxAttempts: options.maxAttempts,
      now: clock())
    report.retriedRows += released.pending
    report.deadRows += released.dead
    if !retryTimes.contains(retryAt) { retryTimes.append(retryAt) }
  }

  private func countFailure(_ reason: String) throws(OutboxError) {
    consecutiveFailures += 1
    if consecutiveFailures >= options.outageThreshold && stop == nil {
      try halt(.outage("\(consecutiveFailures) requests in a row failed; last: \(reason)"))
    }
  }
}
