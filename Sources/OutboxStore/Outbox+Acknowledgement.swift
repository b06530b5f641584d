import SQLite

/// Acknowledgements: the record of a request, and its rows marked delivered.
extension Outbox {
  /// Inserts one `batches` row and returns its id.
  public func recordBatch(_ batch: BatchRecord) throws(OutboxError) -> Int64 {
    try write { try insertBatch(batch) }
  }

  /// Records a delivered request and marks its rows delivered in one transaction: the request's
  /// record and its rows' state land together or not at all. Fenced as `markSent`.
  /// - Returns: the new `batches.id`, and the rows changed (fewer than `rows.count`: a lease was lost).
  public func recordDelivery(_ batch: BatchRecord, rows: [ClaimedFinding], now: Int64)
    throws(OutboxError) -> (batchID: Int64, changed: Int)
  {
    try write {
      let batchID = try insertBatch(batch)
      return (batchID, try acknowledge(rows, batchID: batchID, now: now))
    }
  }

  private func insertBatch(_ batch: BatchRecord) throws(SQLiteError) -> Int64 {
    try connection.prepare(
      """
      INSERT INTO batches (client_request_id, request_id, lease_owner, rows, raw_bytes, wire_bytes,
                           http_status, outcome, error, started_at, finished_at, transmissions)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """
    )
    .bind(
      .text(batch.clientRequestID), .optional(batch.requestID), .text(batch.leaseOwner),
      .integer(Int64(batch.rows)), .integer(Int64(batch.rawBytes)), .integer(Int64(batch.wireBytes)),
      .optional(batch.httpStatus.map(Int64.init)), .text(batch.outcome.rawValue), .optional(batch.error),
      .integer(batch.startedAt), .integer(batch.finishedAt), .integer(Int64(batch.transmissions))
    )
    .run()
    return connection.lastInsertRowID
  }

  /// Marks rows delivered. Fenced: only rows still under the lease they were claimed with
  /// change; a row whose content changed while in flight (a revision newer than the one sent)
  /// goes back to `pending` to send the new content.
  ///
  /// A drain packs each lease's rows, in id order, into consecutive bodies, so a body holds every
  /// row its lease has between its lowest and highest id: two range updates per lease, first the
  /// rows whose content changed in flight (back to `pending`; a read of the range, as a rule),
  /// then the rest (`sent`), each counted by `changes()`. Should a range ever cover more of the
  /// lease than `rows`, the updates are undone and the rows are marked one by one instead.
  /// - Returns: rows changed; fewer than `rows.count` means a lease was lost.
  @discardableResult
  public func markSent(_ rows: [ClaimedFinding], batchID: Int64, now: Int64) throws(OutboxError) -> Int {
    try write { try acknowledge(rows, batchID: batchID, now: now) }
  }

  /// The body of `markSent`, inside the caller's transaction.
  private func acknowledge(_ rows: [ClaimedFinding], batchID: Int64, now: Int64) throws(SQLiteError) -> Int {
    try connection.execute("SAVEPOINT mark_sent")
    let rangeOfLease = "id BETWEEN ?2 AND ?3 AND state = 'sending' AND lease_id = ?1"
    let changedInFlight = try connection.prepare(
      """
      UPDATE finding_delivery SET state = 'pending', sent_at = NULL, attempts = 0, \(Self.settledAssignments)
      WHERE \(rangeOfLease) AND revision != sending_revision
      """)
    let delivered = try connection.prepare(
      """
      UPDATE finding_delivery SET state = 'sent', sent_at = ?4, attempts = attempts + 1, \(Self.settledAssignments)
      WHERE \(rangeOfLease)
      """)
    var delta = StateDelta()
    var changed = 0
    for range in Self.idRanges(rows) {
      let bounds: [SQLValue] = [
        .integer(range.leaseID), .integer(range.first), .integer(range.last), .integer(now), .integer(batchID),
      ]
      try changedInFlight.bind(bounds).run()
      delta.move(connection.changes, from: .sending, to: .pending)
      changed += connection.changes
      try delivered.bind(bounds).run()
      delta.move(connection.changes, from: .sending, to: .sent)
      changed += connection.changes
    }
    if changed <= rows.count {
      try connection.execute("RELEASE mark_sent")
      try apply(delta)
      return changed
    }
    try connection.execute("ROLLBACK TO mark_sent")
    try connection.execute("RELEASE mark_sent")
    delta = StateDelta()
    changed = try runCountingStates(
      connection.prepare(
        """
        UPDATE finding_delivery \(Self.sentAssignments(now: "?2", batchID: "?3"))
        FROM \(Self.claimedRows)
        WHERE finding_delivery.id = claimed.id AND finding_delivery.lease_id = claimed.lease_id
        RETURNING state
        """
      )
      .bind(.textBytes(Self.claimedJSON(rows)), .integer(now), .integer(batchID)),
      from: .sending, into: &delta)
    try apply(delta)
    return changed
  }

  /// What every acknowledged row gets, delivered or not (?4 now, ?5 the batch).
  private static let settledAssignments = """
    next_attempt_at = ?4, batch_id = ?5, last_error = NULL, lease_id = NULL, sending_revision = NULL, updated_at = ?4
    """

  /// The SET clause of an acknowledgement: `sent`, unless the content changed while in flight.
  private static func sentAssignments(now: String, batchID: String) -> String {
    """
    SET state = CASE WHEN finding_delivery.revision = finding_delivery.sending_revision THEN 'sent' ELSE 'pending' END,
        sent_at = CASE WHEN finding_delivery.revision = finding_delivery.sending_revision THEN \(now) ELSE NULL END,
        attempts = CASE WHEN finding_delivery.revision = finding_delivery.sending_revision THEN attempts + 1 ELSE 0 END,
        next_attempt_at = \(now), batch_id = \(batchID), last_error = NULL, lease_id = NULL, sending_revision = NULL,
        updated_at = \(now)
    """
  }

  /// Each lease's lowest and highest id among `rows`.
  /// A body holds one lease's rows as a rule (two when a carried-over tail joins the next claim),
  /// so a linear search of the few ranges seen beats hashing every row.
  static func idRanges(_ rows: [ClaimedFinding]) -> [(leaseID: Int64, first: Int64, last: Int64)] {
    var ranges: [(leaseID: Int64, first: Int64, last: Int64)] = []
    var current = -1
    for row in rows {
      if current < 0 || ranges[current].leaseID != row.leaseID {
        current = ranges.firstIndex { $0.leaseID == row.leaseID } ?? -1
        if current < 0 {
          ranges.append((row.leaseID, row.id, row.id))
          current = ranges.count - 1
          continue
        }
      }
      ranges[current].first = min(ranges[current].first, row.id)
      ranges[current].last = max(ranges[current].last, row.id)
    }
    return ranges.sorted { $0.leaseID < $1.leaseID }
  }
}
