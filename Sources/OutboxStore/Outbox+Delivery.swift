#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A row a drain has leased: what to send, and what fences its acknowledgement.
public struct ClaimedFinding: Sendable, Equatable {
  public let id: Int64
  public let revision: Int64
  /// Attempts including this one.
  public let attempts: Int
  /// The canonical JSON object to send.
  public let payload: [UInt8]

  public init(id: Int64, revision: Int64, attempts: Int, payload: [UInt8]) {
    self.id = id
    self.revision = revision
    self.attempts = attempts
    self.payload = payload
  }
}

/// How a request ended, as recorded in `batches.outcome`.
public enum BatchOutcome: String, Sendable, CaseIterable {
  case delivered, retry, rejected, split
  case configError = "config_error"
}

/// One request a drain made.
public struct BatchRecord: Sendable {
  public var clientRequestID: String
  public var requestID: String?
  public var leaseOwner: String
  public var rows: Int
  public var rawBytes: Int
  public var wireBytes: Int
  public var httpStatus: Int?
  public var outcome: BatchOutcome
  public var error: String?
  public var startedAt: Int64
  public var finishedAt: Int64

  public init(
    clientRequestID: String, requestID: String?, leaseOwner: String, rows: Int, rawBytes: Int, wireBytes: Int,
    httpStatus: Int?, outcome: BatchOutcome, error: String?, startedAt: Int64, finishedAt: Int64
  ) {
    self.clientRequestID = clientRequestID
    self.requestID = requestID
    self.leaseOwner = leaseOwner
    self.rows = rows
    self.rawBytes = rawBytes
    self.wireBytes = wireBytes
    self.httpStatus = httpStatus
    self.outcome = outcome
    self.error = error
    self.startedAt = startedAt
    self.finishedAt = finishedAt
  }
}

extension Outbox {
  /// A lease owner name unique to this process: `host:pid:random`.
  public static func makeLeaseOwner() -> String {
    "\(hostName()):\(getpid()):\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
  }

  /// Leases up to `limit` ready rows to `owner` in one short IMMEDIATE transaction.
  ///
  /// First gives back expired leases and the leases of drains on this host whose process is gone
  /// (rows out of attempts go `dead`), then leases pending rows with `next_attempt_at <= now` in
  /// `(next_attempt_at, id)` order, counting the attempt now so a row that crashes its sender
  /// still runs out of attempts.
  public func claim(owner: String, limit: Int, leaseMillis: Int64, maxAttempts: Int, now: Int64) throws(OutboxError) -> [ClaimedFinding] {
    try write {
      try reclaimLeases(now: now, maxAttempts: maxAttempts)
      var claimed: [ClaimedFinding] = []
      claimed.reserveCapacity(limit)
      try connection.prepare("""
        UPDATE findings
        SET state = 'sending', lease_owner = ?1, lease_expires_at = ?2, attempts = attempts + 1, updated_at = ?3
        WHERE id IN (SELECT id FROM findings WHERE state = 'pending' AND next_attempt_at <= ?3
                     ORDER BY next_attempt_at, id LIMIT ?4)
        RETURNING id, revision, attempts, payload
        """)
        .bind(.text(owner), .integer(now + leaseMillis), .integer(now), .integer(Int64(limit)))
        .forEachRow { row in
          claimed.append(ClaimedFinding(id: row.int64(0), revision: row.int64(1), attempts: row.int(2), payload: row.bytes(3) ?? []))
        }
      claimed.sort { $0.id < $1.id }
      return claimed
    }
  }

  private func reclaimLeases(now: Int64, maxAttempts: Int) throws(SQLiteError) {
    var orphaned: [String] = []
    try connection.prepare("SELECT DISTINCT lease_owner FROM findings WHERE state = 'sending'").forEachRow { row in
      if let owner = row.text(0), Self.ownerIsGone(owner) { orphaned.append(owner) }
    }
    let giveBack = try connection.prepare("""
      UPDATE findings
      SET state = CASE WHEN attempts >= ?3 THEN 'dead' ELSE 'pending' END,
          last_error = CASE WHEN attempts >= ?3 THEN 'out of attempts (' || attempts || '): the drain sending it stopped' ELSE last_error END,
          lease_owner = NULL, lease_expires_at = NULL, updated_at = ?1
      WHERE state = 'sending' AND (lease_expires_at <= ?1 OR lease_owner = ?2)
      """)
    try giveBack.bind(.integer(now), .null, .integer(Int64(maxAttempts))).run()
    for owner in orphaned {
      try giveBack.bind(.integer(now), .text(owner), .integer(Int64(maxAttempts))).run()
    }
  }

  /// True when `owner` names a process on this host that no longer exists.
  static func ownerIsGone(_ owner: String) -> Bool {
    let parts = owner.split(separator: ":")
    guard parts.count == 3, String(parts[0]) == hostName(), let pid = pid_t(parts[1]), pid != getpid() else { return false }
    return kill(pid, 0) != 0 && errno == ESRCH
  }

  /// Inserts one `batches` row and returns its id.
  public func recordBatch(_ batch: BatchRecord) throws(OutboxError) -> Int64 {
    try write {
      try connection.prepare("""
        INSERT INTO batches (client_request_id, request_id, lease_owner, rows, raw_bytes, wire_bytes,
                             http_status, outcome, error, started_at, finished_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
        .bind(.text(batch.clientRequestID), .optional(batch.requestID), .text(batch.leaseOwner),
              .integer(Int64(batch.rows)), .integer(Int64(batch.rawBytes)), .integer(Int64(batch.wireBytes)),
              .optional(batch.httpStatus.map(Int64.init)), .text(batch.outcome.rawValue), .optional(batch.error),
              .integer(batch.startedAt), .integer(batch.finishedAt))
        .run()
      return connection.lastInsertRowID
    }
  }

  /// Marks rows delivered. Fenced: only rows still leased to `owner` change; a row whose content
  /// changed while in flight (newer revision) goes back to `pending` to send the new content.
  /// One set-based statement per request: the claimed ids and revisions travel as one JSON array.
  /// - Returns: rows changed; fewer than `rows.count` means the lease was lost.
  @discardableResult
  public func markSent(_ rows: [ClaimedFinding], owner: String, batchID: Int64, now: Int64) throws(OutboxError) -> Int {
    try write {
      try connection.prepare("""
        UPDATE findings
        SET state = CASE WHEN findings.revision = claimed.revision THEN 'sent' ELSE 'pending' END,
            sent_at = CASE WHEN findings.revision = claimed.revision THEN ?3 ELSE NULL END,
            attempts = CASE WHEN findings.revision = claimed.revision THEN attempts ELSE 0 END,
            next_attempt_at = ?3, batch_id = ?4, last_error = NULL,
            lease_owner = NULL, lease_expires_at = NULL, updated_at = ?3
        FROM (SELECT value ->> 0 AS id, value ->> 1 AS revision FROM json_each(?1)) AS claimed
        WHERE findings.id = claimed.id AND state = 'sending' AND lease_owner = ?2
        """)
        .bind(.textBytes(Self.idsAndRevisions(rows)), .text(owner), .integer(now), .integer(batchID))
        .run()
      return connection.changes
    }
  }

  /// `[[id,revision],…]` for set-based updates.
  static func idsAndRevisions(_ rows: [ClaimedFinding]) -> [UInt8] {
    var json: [UInt8] = [UInt8(ascii: "[")]
    json.reserveCapacity(rows.count * 16 + 2)
    for (index, row) in rows.enumerated() {
      if index > 0 { json.append(UInt8(ascii: ",")) }
      json.append(UInt8(ascii: "["))
      json.append(contentsOf: String(row.id).utf8)
      json.append(UInt8(ascii: ","))
      json.append(contentsOf: String(row.revision).utf8)
      json.append(UInt8(ascii: "]"))
    }
    json.append(UInt8(ascii: "]"))
    return json
  }

  /// Gives rows back for another try at `retryAt`. With `refundAttempt` (configuration errors,
  /// shutdown) the attempt is not counted; otherwise a row out of attempts goes `dead`. Fenced like `markSent`.
  @discardableResult
  public func release(
    _ rows: [ClaimedFinding], owner: String, retryAt: Int64, error: String?, refundAttempt: Bool, maxAttempts: Int, now: Int64
  ) throws(OutboxError) -> Int {
    try write {
      let statement = try connection.prepare("""
        UPDATE findings
        SET attempts = attempts - ?6,
            state = CASE WHEN ?6 = 0 AND attempts >= ?7 AND revision = ?8 THEN 'dead' ELSE 'pending' END,
            last_error = CASE WHEN ?6 = 0 AND attempts >= ?7 AND revision = ?8
                              THEN 'out of attempts (' || attempts || '); last: ' || coalesce(?5, 'unknown error')
                              ELSE ?5 END,
            next_attempt_at = ?4, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?3
        WHERE id = ?1 AND state = 'sending' AND lease_owner = ?2
        """)
      var changed = 0
      for row in rows {
        try statement.bind(
          .integer(row.id), .text(owner), .integer(now), .integer(retryAt), .optional(error),
          .integer(refundAttempt ? 1 : 0), .integer(Int64(maxAttempts)), .integer(row.revision)
        ).run()
        changed += connection.changes
      }
      return changed
    }
  }

  /// Dead-letters rows the service rejected for their content. A row whose content changed while
  /// in flight goes back to `pending` instead: the new revision deserves its own try. Fenced.
  @discardableResult
  public func markDead(_ rows: [ClaimedFinding], owner: String, error: String, batchID: Int64?, now: Int64) throws(OutboxError) -> Int {
    try write {
      let statement = try connection.prepare("""
        UPDATE findings
        SET state = CASE WHEN revision = ?5 THEN 'dead' ELSE 'pending' END,
            attempts = CASE WHEN revision = ?5 THEN attempts ELSE 0 END,
            last_error = CASE WHEN revision = ?5 THEN ?4 ELSE NULL END,
            batch_id = coalesce(?6, batch_id), next_attempt_at = ?3,
            lease_owner = NULL, lease_expires_at = NULL, updated_at = ?3
        WHERE id = ?1 AND state = 'sending' AND lease_owner = ?2
        """)
      var changed = 0
      for row in rows {
        try statement.bind(.integer(row.id), .text(owner), .integer(now), .text(error), .integer(row.revision), .optional(batchID)).run()
        changed += connection.changes
      }
      return changed
    }
  }

  /// Runs `body` in an IMMEDIATE transaction, mapping SQLite failures to `OutboxError`.
  func write<T>(_ body: () throws -> T) throws(OutboxError) -> T {
    do {
      return try connection.immediateTransaction(body)
    } catch let error as SQLiteError {
      throw OutboxError.from(error, path: path)
    } catch let error as OutboxError {
      throw error
    } catch {
      throw .localIO(path: path, detail: "\(error)")
    }
  }
}

private func hostName() -> String {
  var buffer = [UInt8](repeating: 0, count: 256)
  let ok = buffer.withUnsafeMutableBufferPointer { pointer in
    pointer.withMemoryRebound(to: CChar.self) { gethostname($0.baseAddress!, $0.count - 1) == 0 }
  }
  guard ok else { return "localhost" }
  let name = buffer.prefix { $0 != 0 }.map { $0 == UInt8(ascii: ":") ? UInt8(ascii: "_") : $0 }
  return String(decoding: name, as: UTF8.self)
}
