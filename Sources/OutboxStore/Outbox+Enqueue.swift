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
  // acknowledgement sends it round again); an identical one changes nothing. Keys are found
  // through their `key_hash` pairs in `fresh_keys`, `recent_keys` or `finding_keys` (see `Outbox+KeyPairs`)
  // and confirmed on the key columns (see `StoredPayload`); a pair whose row prune deleted joins
  // nothing.

  /// Inserts a new key's content (the caller looked it up first).
  static let insertContentSQL = """
    INSERT INTO finding_content (key_hash, vuln_id, machine_name, last_modified, payload, content_hash, enqueued_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
    """
  /// The lookup pair of a key just inserted; it moves into the larger pair tables later.
  static let insertKeySQL = """
    INSERT INTO fresh_keys (key_hash, id) VALUES (?1, ?2)
    """
  /// The delivery row of a key just inserted.
  static let insertDeliverySQL = """
    INSERT INTO finding_delivery (id, next_attempt_at, updated_at) VALUES (?1, ?2, ?2)
    """
  /// A known key: its id, whether its content equals the record's, whether `prune --compact`
  /// dropped its payload, whether its latest revision was delivered at or before ?6, and its state.
  static let lookupSQL = """
    SELECT c.id, c.content_hash IS ?5, c.payload IS NULL, d.state = 'sent' AND d.sent_at <= ?6, d.state
    FROM (\(pairIDsSQL(keyHash: "?1"))) AS k
    JOIN finding_content AS c ON c.id = k.id JOIN finding_delivery AS d ON d.id = c.id
    WHERE c.vuln_id = ?2 AND c.machine_name = ?3 AND c.last_modified = ?4
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

  /// Stores `findings` in one transaction, then moves recent lookup pairs if due. With
  /// `refreshAfter` (milliseconds), a known key with unchanged content whose latest revision was
  /// delivered that long ago or longer is queued again and counted `refreshed`; nil never refreshes.
  public func enqueue(_ findings: [ValidFinding], now: Int64 = Outbox.now(), refreshAfter: Int64? = nil)
    throws(OutboxError) -> EnqueueCounts
  {
    let storable = findings.map(StorableFinding.init)
    let counts: EnqueueCounts
    do {
      counts = try inEnqueueTransaction { try insert(storable, now: now, refreshAfter: refreshAfter) }
    } catch let error as SQLiteError {
      throw OutboxError.from(error, path: path)
    } catch {
      throw .localIO(path: path, detail: "\(error)")
    }
    try mergeRecentKeysIfDue()
    return counts
  }

  /// Runs `body` inside one write transaction whose inserts go through `EnqueueTransaction`;
  /// any error rolls everything back (used by `enqueue --strict`). Recent lookup pairs move
  /// after the commit, if due.
  public func withEnqueueTransaction<T>(_ body: (EnqueueTransaction) throws -> T) throws -> T {
    let result: T
    do {
      result = try inEnqueueTransaction { try body(EnqueueTransaction(outbox: self)) }
    } catch let error as SQLiteError {
      throw OutboxError.from(error, path: path)
    }
    try mergeRecentKeysIfDue()
    return result
  }

  func insert(_ findings: [StorableFinding], now: Int64, refreshAfter: Int64?) throws(SQLiteError) -> EnqueueCounts {
    let insertContent = try connection.prepare(Self.insertContentSQL)
    let insertKey = try connection.prepare(Self.insertKeySQL)
    let insertDelivery = try connection.prepare(Self.insertDeliverySQL)
    let lookup = try connection.prepare(Self.lookupSQL)
    let updateContent = try connection.prepare(Self.updateContentSQL)
    let newRevision = try connection.prepare(Self.newRevisionSQL)
    let refresh = try connection.prepare(Self.refreshSQL)
    let cutoff = SQLValue.integer(refreshAfter.map { now - $0 } ?? Int64.min)
    var counts = EnqueueCounts()
    var delta = StateDelta()
    // A key the filter never saw is new: no lookup (see `Outbox+KeyFilter`).
    let filtered = try keyFilterIsComplete()
    // In key-hash order, so one transaction's index inserts walk the index once; the sort is
    // stable, so a key given twice keeps its input order (the last one wins).
    let order = findings.indices.sorted {
      findings[$0].keyHash < findings[$1].keyHash || (findings[$0].keyHash == findings[$1].keyHash && $0 < $1)
    }
    for index in order {
      let finding = findings[index]
      let (keyHash, vulnId, machineName, lastModified) = (
        SQLValue.integer(finding.keyHash), SQLValue.text(finding.vulnId), SQLValue.text(finding.machineName),
        SQLValue.text(finding.lastModified)
      )
      let contentHash = SQLValue.blob(finding.contentHash)
      let mayBeKnown = !filtered || keyFilter.filter?.mayContain(finding.keyHash) != false
      let known =
        mayBeKnown
        ? try lookup.bind(keyHash, vulnId, machineName, lastModified, contentHash, cutoff).firstRow {
          (
            id: $0.int64(0), same: $0.int64(1) == 1, compacted: $0.int64(2) == 1, stale: $0.int64(3) == 1,
            state: DeliveryState(rawValue: $0.text(4) ?? "") ?? .pending
          )
        } : nil
      let stored = SQLValue.textBytes(finding.storedPayload)
      guard let known else {
        try insertContent.bind(keyHash, vulnId, machineName, lastModified, stored, contentHash, .integer(now)).run()
        let id = SQLValue.integer(connection.lastInsertRowID)
        try insertKey.bind(keyHash, id).run()
        try insertDelivery.bind(id, .integer(now)).run()
        keyFilterInsert(finding.keyHash)
        counts.new += 1
        delta.move(1, from: nil, to: .pending)
        continue
      }
      if !known.same {
        try updateContent.bind(.integer(known.id), stored, contentHash).run()
        try newRevision.bind(.integer(known.id), .integer(now)).run()
        counts.updated += 1
        if known.state != .sending { delta.move(1, from: known.state, to: .pending) }
        continue
      }
      if known.compacted { try updateContent.bind(.integer(known.id), stored, contentHash).run() }
      if known.stale {
        try refresh.bind(.integer(known.id), .integer(now)).run()
        counts.refreshed += 1
        delta.move(connection.changes, from: .sent, to: .pending)
      } else {
        counts.unchanged += 1
      }
    }
    try apply(delta)
    try countFreshKeys(counts.new)
    try countAddedKeys(counts.new)
    return counts
  }
}

/// Inserts inside a transaction opened by `Outbox.withEnqueueTransaction`.
public struct EnqueueTransaction {
  let outbox: Outbox

  public func insert(_ findings: [StorableFinding], now: Int64 = Outbox.now(), refreshAfter: Int64? = nil) throws
    -> EnqueueCounts
  {
    try outbox.insert(findings, now: now, refreshAfter: refreshAfter)
  }
}
