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
  /// The upsert at the heart of de-duplication: a new key is inserted; a known key with a different
  /// content hash becomes a new revision and goes back to `pending` (a row being sent keeps its
  /// lease, and the fenced acknowledgement sends it round again); an identical one changes nothing.
  static let upsertSQL = """
    INSERT INTO findings (vuln_id, machine_name, last_modified, payload, content_hash,
                          next_attempt_at, enqueued_at, updated_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6)
    ON CONFLICT (vuln_id, machine_name, last_modified) DO UPDATE SET
      payload = excluded.payload,
      content_hash = excluded.content_hash,
      revision = revision + 1,
      state = CASE state WHEN 'sending' THEN 'sending' ELSE 'pending' END,
      attempts = CASE state WHEN 'sending' THEN attempts ELSE 0 END,
      next_attempt_at = excluded.next_attempt_at,
      updated_at = excluded.updated_at,
      sent_at = NULL,
      last_error = NULL
    WHERE content_hash IS NOT excluded.content_hash
    RETURNING revision
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
    let statement = try connection.prepare(Self.upsertSQL)
    var counts = EnqueueCounts()
    for finding in findings {
      try statement.bind(
        .text(finding.vulnId), .text(finding.machineName), .text(finding.lastModified),
        .textBytes(finding.payload), .blob(finding.contentHash), .integer(now))
      switch try statement.firstRow({ $0.int64(0) }) {
      case .none: counts.unchanged += 1
      case .some(1): counts.new += 1
      case .some: counts.updated += 1
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
