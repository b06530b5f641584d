import Findings

/// What one `enqueue` call did with its findings.
public struct EnqueueCounts: Sendable, Equatable {
  /// Keys not seen before.
  public var new = 0
  /// Known keys whose content changed: a new revision, back to pending.
  public var updated = 0
  /// Known keys with identical content: nothing to do.
  public var unchanged = 0

  public init(new: Int = 0, updated: Int = 0, unchanged: Int = 0) {
    self.new = new
    self.updated = updated
    self.unchanged = unchanged
  }

  public static func += (lhs: inout EnqueueCounts, rhs: EnqueueCounts) {
    lhs.new += rhs.new
    lhs.updated += rhs.updated
    lhs.unchanged += rhs.unchanged
  }
}

extension Outbox {
  // De-duplication: a new key is inserted; a known key with a different content hash becomes a
  // new revision and goes back to `pending` (a row being sent keeps its lease, and the fenced
  // acknowledgement sends it round again); an identical one changes nothing.

  /// Inserts a new key's content; does nothing for a known key.
  static let insertContentSQL = """
    INSERT INTO finding_content (vuln_id, machine_name, last_modified, payload, content_hash, enqueued_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6)
    ON CONFLICT (vuln_id, machine_name, last_modified) DO NOTHING
    """
  /// The delivery row of a key just inserted.
  static let insertDeliverySQL = """
    INSERT INTO finding_delivery (id, next_attempt_at, updated_at) VALUES (?1, ?2, ?2)
    """
  /// Replaces a known key's content when its hash differs; returns its id then.
  static let updateContentSQL = """
    UPDATE finding_content SET payload = ?4, content_hash = ?5
    WHERE vuln_id = ?1 AND machine_name = ?2 AND last_modified = ?3 AND content_hash IS NOT ?5
    RETURNING id
    """
  /// A new revision: pending again with fresh attempts, unless a drain holds it (then the lease stays).
  static let newRevisionSQL = """
    UPDATE finding_delivery SET
      revision = revision + 1,
      state = CASE state WHEN 'sending' THEN 'sending' ELSE 'pending' END,
      attempts = CASE state WHEN 'sending' THEN attempts ELSE 0 END,
      next_attempt_at = ?2, updated_at = ?2, sent_at = NULL, last_error = NULL
    WHERE id = ?1
    """

  /// Stores `findings` in one transaction.
  public func enqueue(_ findings: [ValidFinding], now: Int64 = Outbox.now()) throws(OutboxError) -> EnqueueCounts {
    do {
      return try connection.immediateTransaction { try insert(findings, now: now) }
    } catch let error as SQLiteError {
      throw OutboxError.from(error, path: path)
    } catch {
      throw .localIO(path: path, detail: "\(error)")
    }
  }

  /// Runs `body` inside one write transaction whose inserts go through `EnqueueTransaction`;
  /// any error rolls everything back (used by `enqueue --strict`).
  public func withEnqueueTransaction<T>(_ body: (EnqueueTransaction) throws -> T) throws -> T {
    do {
      return try connection.immediateTransaction { try body(EnqueueTransaction(outbox: self)) }
    } catch let error as SQLiteError {
      throw OutboxError.from(error, path: path)
    }
  }

  func insert(_ findings: [ValidFinding], now: Int64) throws(SQLiteError) -> EnqueueCounts {
    let insertContent = try connection.prepare(Self.insertContentSQL)
    let insertDelivery = try connection.prepare(Self.insertDeliverySQL)
    let updateContent = try connection.prepare(Self.updateContentSQL)
    let newRevision = try connection.prepare(Self.newRevisionSQL)
    var counts = EnqueueCounts()
    for finding in findings {
      let values: [SQLValue] = [
        .text(finding.vulnId), .text(finding.machineName), .text(finding.lastModified),
        .textBytes(finding.payload), .blob(finding.contentHash), .integer(now),
      ]
      try insertContent.bind(values).run()
      if connection.changes == 1 {
        try insertDelivery.bind(.integer(connection.lastInsertRowID), .integer(now)).run()
        counts.new += 1
      } else if let id = try updateContent.bind(Array(values.prefix(5))).firstRow({ $0.int64(0) }) {
        try newRevision.bind(.integer(id), .integer(now)).run()
        counts.updated += 1
      } else {
        counts.unchanged += 1
      }
    }
    return counts
  }
}

/// Inserts inside a transaction opened by `Outbox.withEnqueueTransaction`.
public struct EnqueueTransaction {
  let outbox: Outbox

  public func insert(_ findings: [ValidFinding], now: Int64 = Outbox.now()) throws -> EnqueueCounts {
    try outbox.insert(findings, now: now)
  }
}
