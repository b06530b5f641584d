import Ingestion
import OutboxStore

extension Drainer {
  /// Records one request's outcome: a `batches` row, then the rows' new states, fenced on the lease.
  func record(_ result: SendResult) throws(OutboxError) {
    let rows = result.job.rows
    let now = clock.now()
    func batchRecord(_ outcome: BatchOutcome, _ error: String?) -> BatchRecord {
      BatchRecord(
        clientRequestID: result.clientRequestID, requestID: result.upload.requestID, leaseOwner: owner,
        rows: rows.count, rawBytes: result.rawBytes, wireBytes: result.wireBytes, httpStatus: result.upload.status,
        outcome: outcome, error: error, startedAt: result.startedAt, finishedAt: result.finishedAt,
        transmissions: result.transmissions)
    }
    func batch(_ outcome: BatchOutcome, _ error: String?) throws(OutboxError) -> Int64 {
      try outbox.recordBatch(batchRecord(outcome, error))
    }
    var error: String?
    var outcomeName: String
    if case .transient(_, _, true) = result.upload.outcome {
      report.unsentRequests += 1
      report.lastUnsentReason = result.upload.outcome.reason
    } else {
      report.requests += 1
      report.rawBytes += result.rawBytes
      report.wireBytes += result.wireBytes
    }
    // A transfer this run aborted past its shutdown grace says nothing about the endpoint.
    let aborted = transferAbort.isAborted
    switch result.upload.outcome {
    case .delivered:
      outcomeName = BatchOutcome.delivered.rawValue
      let changed = try outbox.recordDelivery(batchRecord(.delivered, nil), rows: rows, now: now).changed
      report.sentRows += changed
      report.fencedRows += rows.count - changed
      settled(rows)
      failuresThisRun = 0
      threshold = max(1, options.outageThreshold)
      if gate.succeeded(now: now) { try outbox.saveEndpointState(gate.state, now: now) }
      for held in bisections.delivered(result.job) {
        report.deadRows += try outbox.markDead(
          [held.row], error: held.message, reason: .rejectedByService, batchID: held.batchID, now: now)
        settled([held.row])
      }
    case .throttled(let retryAfter):
      outcomeName = BatchOutcome.retry.rawValue
      error = "throttled (HTTP \(result.upload.status ?? 0))"
      _ = try batch(.retry, error)
      try failed(result, reason: error!, retryAfter: retryAfter, countAttempt: true, aborted: aborted)
    case .transient(let reason, let retryAfter, let bodyUnsent):
      outcomeName = BatchOutcome.retry.rawValue
      error = reason
      _ = try batch(.retry, reason)
      try failed(result, reason: reason, retryAfter: retryAfter, countAttempt: !bodyUnsent, aborted: aborted)
    case .tooLarge(let message):
      // 413 is about size alone: later bodies stay smaller; split down to single rows; a row
      // too large alone is dead.
      error = message
      gate.tooLarge(rawBytes: result.rawBytes, configured: options.maxBodyBytes, now: now)
      try outbox.saveEndpointState(gate.state, now: now)
      if rows.count == 1 {
        outcomeName = BatchOutcome.rejected.rawValue
        let id = try batch(.rejected, message)
        report.deadRows += try outbox.markDead(rows, error: message, reason: .tooLarge, batchID: id, now: now)
        settled(rows)
      } else {
        outcomeName = BatchOutcome.split.rawValue
        _ = try batch(.split, message)
        try split(result.job, bisection: nil, message: message)
      }
    case .rejected(let message):
      // 400: bisect to the rows at fault, unless the request itself is what is refused.
      error = message
      outcomeName = (rows.count == 1 ? BatchOutcome.rejected : BatchOutcome.split).rawValue
      let id = try batch(rows.count == 1 ? .rejected : .split, message)
      switch bisections.refused(result.job, message: message, batchID: id) {
      case .split(let bisection):
        try split(result.job, bisection: bisection, message: message)
      case .probeAndSplit(let bisection):
        try probeAndSplit(result.job, bisection: bisection, message: message)
      case .dead:
        report.deadRows += try outbox.markDead(rows, error: message, reason: .rejectedByService, batchID: id, now: now)
        settled(rows)
      case .hold:
        break
      case .release(let held):
        try giveBack(held, error: nil, countAttempt: false)
      case .requestRefused(let held, let refusals, let bodyRows):
        let reason =
          "the service refused every part of a \(bodyRows)-row request (\(refusals) requests, none accepted; last: "
          + "\(message)): the request looks wrong, not its rows, so no row was dead-lettered. Check "
          + "dcr_immutable_id and stream_name (Custom-…) against the deployment outputs"
        try giveBack(held, error: reason, countAttempt: false)
        try halt(.configuration(reason))
      }
    case .configuration(let message):
      outcomeName = BatchOutcome.configError.rawValue
      error = message
      _ = try batch(.configError, message)
      try giveBack(rows, error: message, countAttempt: false)
      try giveBack(bisections.settledOtherwise(result.job), error: nil, countAttempt: false)
      try halt(.configuration(message))
    }
    onBatch(
      BatchEvent(
        clientRequestID: result.clientRequestID, requestID: result.upload.requestID, rows: rows.count, rawBytes: result.rawBytes,
        wireBytes: result.wireBytes, status: result.upload.status, outcome: outcomeName,
        millis: Int(result.finishedAt - result.startedAt), error: error))
  }

  /// Sends the two halves of `job` again under the same lease (or gives them back when stopping).
  private func split(_ job: SendJob, bisection: Int?, message: String) throws(OutboxError) {
    let middle = job.rows.count / 2
    if stop == nil {
      pool.submit(SendJob(rows: Array(job.rows[..<middle]), bisection: bisection))
      pool.submit(SendJob(rows: Array(job.rows[middle...]), bisection: bisection))
    } else {
      try giveBack(job.rows, error: message, countAttempt: true)
    }
  }

  /// Sends the first and the last row of `job` alone and the two halves of the rows between
  /// them (each body still a run of consecutive ids of its lease), or gives them back when stopping.
  private func probeAndSplit(_ job: SendJob, bisection: Int, message: String) throws(OutboxError) {
    guard stop == nil else { return try giveBack(job.rows, error: message, countAttempt: true) }
    let inner = Array(job.rows.dropFirst().dropLast())
    let middle = inner.count / 2
    for part in [[job.rows[0]], [job.rows[job.rows.count - 1]], Array(inner[..<middle]), Array(inner[middle...])] {
      pool.submit(SendJob(rows: part, bisection: bisection))
    }
  }

  /// A transient failure: the rows go back (charged nothing toward dead), and the endpoint is
  /// marked failing, which holds back the queued bodies too.
  private func failed(
    _ result: SendResult, reason: String, retryAfter: Int64?, countAttempt: Bool, aborted: Bool
  ) throws(OutboxError) {
    try giveBack(result.job.rows, error: reason, countAttempt: countAttempt)
    try giveBack(bisections.settledOtherwise(result.job), error: nil, countAttempt: false)
    guard !aborted else { return }
    let now = clock.now()
    // Requests that were already on their way when the last failure was counted met the same
    // outage: they give their rows back but do not grow the backoff again.
    if result.startedAt > lastCountedFailureStart {
      failuresThisRun += 1
      lastCountedFailureStart = now
      gate.failed(reason: reason, retryAfterMillis: retryAfter, now: now, using: &random)
      try outbox.saveEndpointState(gate.state, now: now)
    } else if let retryAfter {
      gate.holdOff(retryAfterMillis: retryAfter, now: now)
      try outbox.saveEndpointState(gate.state, now: now)
    }
    // Nothing more goes out before the next try: queued bodies and the held one go back.
    var jobs = pool.cancelQueued()
    if !carry.isEmpty {
      jobs.append(SendJob(rows: carry))
      carry = []
    }
    for job in jobs {
      try giveBack(job.rows, error: nil, countAttempt: false)
      try giveBack(bisections.settledOtherwise(job), error: nil, countAttempt: false)
    }
  }
}

extension UploadOutcome {
  /// The failure's explanation, if this is a failure.
  var reason: String? {
    switch self {
    case .delivered: nil
    case .throttled(let retryAfter): "throttled" + (retryAfter.map { " (Retry-After \($0) ms)" } ?? "")
    case .transient(let reason, _, _): reason
    case .tooLarge(let message), .rejected(let message), .configuration(let message): message
    }
  }
}
