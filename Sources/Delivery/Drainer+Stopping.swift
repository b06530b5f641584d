import Ingestion
import OutboxStore

extension Drainer {
  /// On a stop request: queued work goes back at once; requests under way get
  /// `shutdownGraceMillis` to finish, then are aborted and their rows given back.
  func checkStopRequest() throws(OutboxError) {
    guard shouldStop() else { return }
    let now = clock.now()
    if stopRequestedAt == nil {
      stopRequestedAt = now
      try halt(.interrupted)
    } else if let at = stopRequestedAt, now - at >= options.shutdownGraceMillis, !transferAbort.isAborted {
      transferAbort.abort()
    }
  }

  /// Stops the run: jobs no worker has started, the held last body and the rows a bisection
  /// held go back to `pending` unspent.
  func halt(_ reason: DrainStop) throws(OutboxError) {
    if stop == nil || stop?.isFinal != true { stop = reason }
    var jobs = pool?.cancelQueued() ?? []
    if !carry.isEmpty {
      jobs.append(SendJob(rows: carry))
      carry = []
    }
    jobs.append(SendJob(rows: bisections.takeAllHeld()))
    let note: String? =
      switch reason {
      case .configuration(let message): message
      case .outage(let reason, _): "endpoint unavailable: " + reason
      default: nil
      }
    for job in jobs where !job.rows.isEmpty {
      try giveBack(job.rows, error: note, countAttempt: false)
    }
  }

  /// Gives back the rows a bisection held when the run ends.
  func releaseHeldRows() throws(OutboxError) {
    try giveBack(bisections.takeAllHeld(), error: nil, countAttempt: false)
  }

  /// Rows back to `pending`, ready at once (the endpoint gate, not the row, says when to send).
  func giveBack(_ rows: [ClaimedFinding], error: String?, countAttempt: Bool) throws(OutboxError) {
    guard !rows.isEmpty else { return }
    try outbox.release(rows, retryAt: clock.now(), error: error, countAttempt: countAttempt, now: clock.now())
    for row in rows { givenBack.insert(row.id) }
    exhausted = false  // they are ready again
  }

  /// Rows that reached a final state this run.
  func settled(_ rows: [ClaimedFinding]) {
    guard !givenBack.isEmpty else { return }
    for row in rows { givenBack.remove(row.id) }
  }
}

extension DrainStop {
  /// A stop that a later, milder one (the end of input) must not overwrite.
  var isFinal: Bool {
    switch self {
    case .configuration, .outage, .interrupted: true
    case .drained, .maxRows, .maxDuration: false
    }
  }
}
