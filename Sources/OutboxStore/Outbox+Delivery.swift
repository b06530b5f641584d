import SQLite

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Outbox {
  /// A lease owner name unique to this process: `host:pid:random`, with `-nolock` appended for
  /// a drain that does not hold the drain lock (the lock holder must not take its leases over).
  public static func makeLeaseOwner(holdsDrainLock: Bool = true) -> String {
    "\(Self.hostName()):\(getpid()):\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
      + (holdsDrainLock ? "" : Self.locklessSuffix)
  }

  static let locklessSuffix = "-nolock"
  private static var noBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }

  /// Leases up to `limit` ready rows to `owner` in one short IMMEDIATE transaction.
  ///
  /// First gives back expired leases and the leases of drains that are provably gone, then records
  /// a new lease and puts pending rows with `next_attempt_at <= now` under it in id order (a row
  /// given back for a later try keeps its place and is passed over until its time). No attempt is counted here: a drain killed before its request
  /// left spends nothing (attempts are counted when a request's outcome is recorded).
  /// - Parameter localOwnersGone: the caller holds the database's drain lock, so no other drain on
  ///   this host is running and every lease another owner on this host holds is orphaned. The lock
  ///   is a `flock` the kernel drops when its holder exits, which a zombie cannot fake.
  /// - Returns: the claimed rows in id order, all under one new lease.
  public func claim(owner: String, limit: Int, leaseMillis: Int64, now: Int64, localOwnersGone: Bool = false)
    throws(OutboxError) -> [ClaimedFinding]
  {
    try write {
      var delta = StateDelta()
      let claimed = try leaseReadyRows(
        owner: owner, limit: limit, leaseMillis: leaseMillis, now: now, localOwnersGone: localOwnersGone, delta: &delta)
      try apply(delta)
      return claimed
    }
  }

  /// The body of `claim`, inside its transaction; `delta` gets every state change it makes.
  private func leaseReadyRows(
    owner: String, limit: Int, leaseMillis: Int64, now: Int64, localOwnersGone: Bool, delta: inout StateDelta
  ) throws(SQLiteError) -> [ClaimedFinding] {
    try reclaimLeases(now: now, localOwnersGone: localOwnersGone ? owner : nil, delta: &delta)
    let leaseID =
      try connection.prepare("INSERT INTO leases (owner, expires_at, claimed_at) VALUES (?, ?, ?) RETURNING id")
      .bind(.text(owner), .integer(now + leaseMillis), .integer(now))
      .firstRow { $0.int64(0) } ?? 0
    try connection.prepare(
      """
      UPDATE finding_delivery
      SET state = 'sending', lease_id = ?1, sending_revision = revision, updated_at = ?2
      WHERE id IN (SELECT id FROM finding_delivery INDEXED BY delivery_pending
                   WHERE state = 'pending' AND next_attempt_at <= ?2 ORDER BY id LIMIT ?3)
      """
    )
    .bind(.integer(leaseID), .integer(now), .integer(Int64(limit)))
    .run()
    delta.move(connection.changes, from: .pending, to: .sending)
    guard connection.changes > 0 else {
      try connection.prepare("DELETE FROM leases WHERE id = ?").bind(.integer(leaseID)).run()
      return []
    }
    // Read back through the lease index, in id order (cheaper than RETURNING with a subquery).
    var claimed: [ClaimedFinding] = []
    claimed.reserveCapacity(connection.changes)
    var unsendable: [ClaimedFinding] = []
    try connection.prepare(
      """
      SELECT d.id, d.revision, d.attempts, c.payload, c.vuln_id, c.machine_name, c.last_modified
      FROM finding_delivery AS d JOIN finding_content AS c ON c.id = d.id
      WHERE d.state = 'sending' AND d.lease_id = ?1
      ORDER BY d.id
      """
    )
    .bind(.integer(leaseID))
    .forEachRow { row in
      let payload = row.withBytes(3) { stored -> [UInt8] in
        guard let stored, !stored.isEmpty else { return [] }
        return row.withBytes(4) { vulnId in
          row.withBytes(5) { machineName in
            row.withBytes(6) { lastModified in
              StoredPayload.wireForm(
                vulnId: vulnId ?? Self.noBytes, machineName: machineName ?? Self.noBytes,
                lastModified: lastModified ?? Self.noBytes, stored: stored)
            }
          }
        }
      }
      let finding = ClaimedFinding(
        id: row.int64(0), revision: row.int64(1), leaseID: leaseID, attempts: row.int(2), payload: payload)
      if finding.payload.isEmpty { unsendable.append(finding) } else { claimed.append(finding) }
    }
    if !unsendable.isEmpty {
      // A compacted row that became pending again has nothing to send: say so, never send "".
      _ = try settleDead(
        unsendable, error: "no payload stored (compacted by prune --compact); enqueue the finding again",
        reason: .invalidContent, batchID: nil, now: now, countAttempt: false, delta: &delta)
    }
    return claimed
  }

  /// Gives back the rows of expired leases and of leases whose owner is provably gone, and
  /// deletes those leases: their ids are never reused, so a late acknowledgement changes nothing.
  /// Rows go back to `pending` unspent: a drain that stopped says nothing about their content.
  /// - Parameter localOwnersGone: the owner holding the drain lock; every other lease of this host ended.
  private func reclaimLeases(now: Int64, localOwnersGone lockHolder: String?, delta: inout StateDelta)
    throws(SQLiteError)
  {
    var ended: [Int64] = []
    let host = Self.hostName()
    try connection.prepare("SELECT id, owner, expires_at FROM leases").forEachRow { row in
      let owner = row.text(1) ?? ""
      let gone: Bool
      if row.int64(2) <= now {
        gone = true
      } else if let lockHolder {
        gone =
          owner != lockHolder && owner.hasPrefix(host + ":")
          && (!owner.hasSuffix(Self.locklessSuffix) || Self.ownerIsGone(owner))
      } else {
        gone = Self.ownerIsGone(owner)
      }
      if gone { ended.append(row.int64(0)) }
    }
    guard !ended.isEmpty else { return }
    let leaseList = Array("[\(ended.map(String.init).joined(separator: ","))]".utf8)
    try connection.prepare(
      """
      UPDATE finding_delivery
      SET state = 'pending', lease_id = NULL, sending_revision = NULL, next_attempt_at = min(next_attempt_at, ?2),
          updated_at = ?2
      WHERE state = 'sending' AND lease_id IN (SELECT value FROM json_each(?1))
      """
    )
    .bind(.textBytes(leaseList), .integer(now))
    .run()
    delta.move(connection.changes, from: .sending, to: .pending)
    try connection.prepare("DELETE FROM leases WHERE id IN (SELECT value FROM json_each(?1))")
      .bind(.textBytes(leaseList)).run()
  }

  /// Deletes `owner`'s leases that no longer hold any row (a drain calls this when it finishes).
  public func retireLeases(owner: String) throws(OutboxError) {
    try write {
      try connection.prepare(
        """
        DELETE FROM leases
        WHERE owner = ? AND NOT EXISTS (
          SELECT 1 FROM finding_delivery WHERE state = 'sending' AND lease_id = leases.id)
        """
      )
      .bind(.text(owner)).run()
    }
  }

  /// True when `owner` names a process on this host that no longer exists. Only a fallback for
  /// drains run without the drain lock: a zombie still answers `kill(pid, 0)`.
  static func ownerIsGone(_ owner: String) -> Bool {
    let parts = owner.split(separator: ":")
    guard parts.count == 3, String(parts[0]) == Self.hostName(), let pid = pid_t(parts[1]), pid != getpid() else { return false }
    return kill(pid, 0) != 0 && errno == ESRCH
  }

  /// The claimed rows as one JSON parameter, `[[id,lease],…]`: every outcome is one set-based
  /// statement per request, joined to this list on the primary key. The revision each row was
  /// claimed with is `sending_revision` in the row itself.
  static let claimedRows = """
    (SELECT value ->> 0 AS id, value ->> 1 AS lease_id FROM json_each(?1)) AS claimed
    """

  /// Gives rows back for another try at `retryAt`, never dead: a failure of the request says
  /// nothing about its rows. With `countAttempt` (the service may have seen the request) the
  /// attempt is recorded, for the record only. Fenced like `markSent`.
  /// - Returns: rows now pending; fewer than `rows.count` means a lease was lost.
  @discardableResult
  public func release(_ rows: [ClaimedFinding], retryAt: Int64, error: String?, countAttempt: Bool, now: Int64)
    throws(OutboxError) -> Int
  {
    try write {
      try connection.prepare(
        """
        UPDATE finding_delivery
        SET attempts = attempts + ?4, state = 'pending', last_error = coalesce(?3, last_error),
            next_attempt_at = ?2, lease_id = NULL, sending_revision = NULL, updated_at = ?5
        FROM \(Self.claimedRows)
        WHERE finding_delivery.id = claimed.id AND finding_delivery.lease_id = claimed.lease_id
        """
      )
      .bind(
        .textBytes(Self.claimedJSON(rows)), .integer(retryAt), .optional(error),
        .integer(countAttempt ? 1 : 0), .integer(now)
      )
      .run()
      let changed = connection.changes
      var delta = StateDelta()
      delta.move(changed, from: .sending, to: .pending)
      try apply(delta)
      return changed
    }
  }

  /// Dead-letters rows for a verdict about their own content (`reason`). A row whose content
  /// changed while in flight goes back to `pending` instead: the new revision deserves its own
  /// try. Fenced.
  @discardableResult
  public func markDead(_ rows: [ClaimedFinding], error: String, reason: DeadReason, batchID: Int64?, now: Int64)
    throws(OutboxError) -> Int
  {
    try write {
      var delta = StateDelta()
      let changed = try settleDead(
        rows, error: error, reason: reason, batchID: batchID, now: now, countAttempt: true, delta: &delta)
      try apply(delta)
      return changed
    }
  }

  private func settleDead(
    _ rows: [ClaimedFinding], error: String, reason: DeadReason, batchID: Int64?, now: Int64, countAttempt: Bool,
    delta: inout StateDelta
  ) throws(SQLiteError) -> Int {
    try runCountingStates(
      connection.prepare(
        """
        UPDATE finding_delivery
        SET state = CASE WHEN revision = sending_revision THEN 'dead' ELSE 'pending' END,
            attempts = CASE WHEN revision = sending_revision THEN attempts + ?6 ELSE 0 END,
            last_error = CASE WHEN revision = sending_revision THEN ?3 ELSE NULL END,
            dead_reason = CASE WHEN revision = sending_revision THEN ?5 END,
            batch_id = coalesce(?4, batch_id), next_attempt_at = ?2, lease_id = NULL, sending_revision = NULL,
            updated_at = ?2
        FROM \(Self.claimedRows)
        WHERE finding_delivery.id = claimed.id AND finding_delivery.lease_id = claimed.lease_id
        RETURNING state
        """
      )
      .bind(
        .textBytes(Self.claimedJSON(rows)), .integer(now), .text(error), .optional(batchID),
        .text(reason.rawValue), .integer(countAttempt ? 1 : 0)),
      from: .sending, into: &delta)
  }

  /// `[[id,lease],…]` for the outcome statements.
  static func claimedJSON(_ rows: [ClaimedFinding]) -> [UInt8] {
    var json: [UInt8] = [UInt8(ascii: "[")]
    json.reserveCapacity(rows.count * 24 + 2)
    for (index, row) in rows.enumerated() {
      json.append(contentsOf: index == 0 ? "[".utf8 : ",[".utf8)
      json.append(contentsOf: String(row.id).utf8)
      json.append(UInt8(ascii: ","))
      json.append(contentsOf: String(row.leaseID).utf8)
      json.append(UInt8(ascii: "]"))
    }
    json.append(UInt8(ascii: "]"))
    return json
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

extension Outbox {
  /// This host's name as lease owners spell it (`:` replaced).
  static func hostName() -> String {
    var buffer = [UInt8](repeating: 0, count: 256)
    let ok = buffer.withUnsafeMutableBufferPointer { pointer in
      pointer.withMemoryRebound(to: CChar.self) { gethostname($0.baseAddress!, $0.count - 1) == 0 }
    }
    guard ok else { return "localhost" }
    let name = buffer.prefix { $0 != 0 }.map { $0 == UInt8(ascii: ":") ? UInt8(ascii: "_") : $0 }
    return String(decoding: name, as: UTF8.self)
  }
}
