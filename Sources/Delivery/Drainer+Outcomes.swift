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
      for held in bisections.delivered(result.job) {
        report.deadRows += try outbox.markDead([held.row], error: held.message, batchID: held.batchID, now: now)
      }
    case .throttled(let retryAfter):
      outcomeName = BatchOutcome.retry.rawValue
      error = "throttled (HTTP \(result.upload.status ?? 0))"
      _ = try batch(.retry, error)
      let wait = retryAfter ?? options.backoff.delayMillis(attempt: rows.map(\.attempts).max() ?? 1)
      try giveBack(rows, retryAt: now + min(wait, options.maxRetryAfterMillis), error: error, refund: true)
      try giveBack(bisections.settledOtherwise(result.job), retryAt: now, error: nil, refund: true)
      try countFailure(error!)
    case .transient(let reason, let retryAfter, let bodyUnsent):
      outcomeName = BatchOutcome.retry.rawValue
      error = reason
      _ = try batch(.retry, reason)
      let wait = retryAfter ?? options.backoff.delayMillis(attempt: rows.map(\.attempts).max() ?? 1)
      try giveBack(rows, retryAt: now + min(wait, options.maxRetryAfterMillis), error: reason, refund: bodyUnsent)
      try giveBack(bisections.settledOtherwise(result.job), retryAt: now, error: nil, refund: true)
      try countFailure(reason)
    case .tooLarge(let message):
      // 413 is about size alone: split down to single rows; a row too large alone is dead.
      error = message
      consecutiveFailures = 0
      if rows.count == 1 {
        outcomeName = BatchOutcome.rejected.rawValue
        let id = try batch(.rejected, message)
        report.deadRows += try outbox.markDead(rows, error: message, batchID: id, now: now)
      } else {
        outcomeName = BatchOutcome.split.rawValue
        _ = try batch(.split, message)
        try split(result.job, bisection: nil, message: message, now: now)
      }
    case .rejected(let message):
      // 400: bisect to the rows at fault, unless the request itself is what is refused.
      error = message
      consecutiveFailures = 0
      outcomeName = (rows.count == 1 ? BatchOutcome.rejected : BatchOutcome.split).rawValue
      let id = try batch(rows.count == 1 ? .rejected : .split, message)
      switch bisections.refused(result.job, message: message, batchID: id) {
      case .split(let bisection):
        try split(result.job, bisection: bisection, message: message, now: now)
      case .dead:
        report.deadRows += try outbox.markDead(rows, error: message, batchID: id, now: now)
      case .hold:
        break
      case .release(let held):
        try giveBack(held, retryAt: now, error: nil, refund: true)
      case .requestRefused(let held, let refusals, let bodyRows):
        let reason =
          "the service refused every part of a \(bodyRows)-row request (\(refusals) requests, none accepted; last: "
          + "\(message)): the request looks wrong, not its rows, so no row was dead-lettered. Check "
          + "dcr_immutable_id and stream_name (Custom-…) against the deployment outputs"
        try giveBack(held, retryAt: now, error: reason, refund: true)
        try halt(.configuration(reason))
      }
    case .configuration(let message):
      outcomeName = BatchOutcome.configError.rawValue
      error = message
      _ = try batch(.configError, message)
      try giveBack(rows, retryAt: now, error: message, refund: true)
      try giveBack(bisections.settledOtherwise(result.job), retryAt: now, error: nil, refund: true)
      try halt(.configuration(message))
    }
    onBatch(
      BatchEvent(
        clientRequestID: result.clientRequestID, requestID: result.upload.requestID, rows: rows.count, rawBytes: result.rawBytes,
        wireBytes: result.wireBytes, status: result.upload.status, outcome: outcomeName,
        millis: Int(result.finishedAt - result.startedAt), error: error))
  }

  /// Sends the two halves of `job` again under the same lease (or gives them back when stopping).
  private func split(_ job: SendJob, bisection: Int?, message: String, now: Int64) throws(OutboxError) {
    let middle = job.rows.count / 2
    if stop == nil {
      pool.submit(SendJob(rows: Array(job.rows[..<middle]), bisection: bisection))
      pool.submit(SendJob(rows: Array(job.rows[middle...]), bisection: bisection))
    } else {
      try giveBack(job.rows, retryAt: now, error: message, refund: true)
    }
  }

  /// Gives back the rows a bisection held when the run ends.
  func releaseHeldRows() throws(OutboxError) {
    try giveBack(bisections.takeAllHeld(), retryAt: clock(), error: nil, refund: true)
  }

  private func giveBack(_ rows: [ClaimedFinding], retryAt: Int64, error: String?, refund: Bool) throws(OutboxError) {
    guard !rows.isEmpty else { return }
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
