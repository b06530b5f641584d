import Findings
import SQLite

/// What one `enqueue` call did with its findings.
public struct EnqueueCounts: Sendable, Equatable {
  /// Keys not seen before.
  public var new = 0
  /// Known keys whose content changed: a new revision, back to pending.
  public var updated = 0
  /// Known keys with identical content: nothing to do.
  public var unchanged = 0
  /// Known keys with identical content whose delivery is older than the refresh interval:
  /// queued again so the table holds their current state.
  public var refreshed = 0

  public init(new: Int = 0, updated: Int = 0, unchanged: Int = 0, refreshed: Int = 0) {
    self.new = new
    self.updated = updated
    self.unchanged = unchanged
    self.refreshed = refreshed
  }

  public static func += (lhs: inout EnqueueCounts, rhs: EnqueueCounts) {
    lhs.new += rhs.new
    lhs.updated += rhs.updated
    lhs.unchanged += rhs.unchanged
    lhs.refreshed += rhs.refreshed
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
  /// A known key: its id, whether its content equals the record's, whether `prune --compact`
  /// dropped its payload, and whether its latest revision was delivered at or before ?5.
  static let lookupSQL = """
    SELECT c.id, c.content_hash IS ?4, c.payload IS NULL, d.state = 'sent' AND d.sent_at <= ?5
    FROM finding_content AS c JOIN finding_delivery AS d ON d.id = c.id
    WHERE c.vuln_id = ?1 AND c.machine_name = ?2 AND c.last_modified = ?3
    """
  /// Stores a known key's content (new content, or the payload of a compacted key).
  static let updateContentSQL = """
    UPDATE finding_content SET payload = ?2, content_hash = ?3 WHERE id = ?1
    """
  /// Refresh: a delivered key whose content is unchanged is queued again (same revision).
  /// `sent_at` stays: it is when the key was last delivered.
  static let refreshSQL = """
    UPDATE finding_delivery SET state = 'pending', attempts = 0, next_attempt_at = ?2, updated_at = ?2,
      last_error = NULL
    WHERE id = ?1 AND state = 'sent'
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

  /// Stores `findings` in one transaction. With `refreshAfter` (milliseconds), a known key with
  /// unchanged content whose latest revision was delivered that long ago or longer is queued
  /// again and counted `refreshed`; nil never refreshes.
  public func enqueue(_ findings: [ValidFinding], now: Int64 = Outbox.now(), refreshAfter: Int64? = nil)
    throws(OutboxError) -> EnqueueCounts
  {
    do {
      return try connection.immediateTransaction { try insert(findings, now: now, refreshAfter: refreshAfter) }
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

  func insert(_ findings: [ValidFinding], now: Int64, refreshAfter: Int64?) throws(SQLiteError) -> EnqueueCounts {
    let insertContent = try connection.prepare(Self.insertContentSQL)
    let insertDelivery = try connection.prepare(Self.insertDeliverySQL)
    let lookup = try connection.prepare(Self.lookupSQL)
    let updateContent = try connection.prepare(Self.updateContentSQL)
    let newRevision = try connection.prepare(Self.newRevisionSQL)
    let refresh = try connection.prepare(Self.refreshSQL)
    let cutoff = refreshAfter.map { now - $0 } ?? Int64.min
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
        continue
      }
      let known = try lookup.bind(values[0], values[1], values[2], values[4], .integer(cutoff)).firstRow {
        (id: $0.int64(0), same: $0.int64(1) == 1, compacted: $0.int64(2) == 1, stale: $0.int64(3) == 1)
      }
      guard let known else { continue }
      if !known.same {
        try updateContent.bind(.integer(known.id), values[3], values[4]).run()
        try newRevision.bind(.integer(known.id), .integer(now)).run()
        counts.updated += 1
        continue
      }
      if known.compacted { try updateContent.bind(.integer(known.id), values[3], values[4]).run() }
      if known.stale {
        try refresh.bind(.integer(known.id), .integer(now)).run()
        counts.refreshed += 1
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

  public func insert(_ findings: [ValidFinding], now: Int64 = Outbox.now(), refreshAfter: Int64? = nil) throws -> EnqueueCounts {
    try outbox.insert(findings, now: now, refreshAfter: refreshAfter)
  }
}
