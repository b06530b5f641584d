import SQLite

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A finding's place in the delivery life cycle.
public enum DeliveryState: String, Sendable, CaseIterable, Codable {
  case pending, sending, sent, dead
}

/// Counts and times for `status`.
public struct OutboxStatus: Sendable, Codable, Equatable {
  public var pending = 0
  public var sending = 0
  public var sent = 0
  public var dead = 0
  /// Enqueue time (ms) of the oldest pending row, the first enqueued of those still pending.
  public var oldestPendingEnqueuedAt: Int64?
  /// Most recent delivery (ms), if any.
  public var lastSentAt: Int64?
  /// Database file plus its write-ahead log, in bytes.
  public var databaseBytes: Int64 = 0

  public init() {}
}

/// One outbox row as `inspect` shows it.
public struct FindingRecord: Sendable, Codable, Equatable {
  public let id: Int64
  public let vulnId: String
  public let machineName: String
  public let lastModified: String
  public let state: DeliveryState
  public let revision: Int64
  public let attempts: Int
  public let nextAttemptAt: Int64
  public let leaseOwner: String?
  public let leaseExpiresAt: Int64?
  public let enqueuedAt: Int64
  public let updatedAt: Int64
  public let sentAt: Int64?
  public let batchID: Int64?
  public let lastError: String?
  /// The canonical JSON sent; nil once `prune --compact` dropped it.
  public let payload: String?
}

/// Which rows `inspect` and `retry` act on. Nil fields match everything.
public struct FindingFilter: Sendable {
  public var state: DeliveryState?
  public var vulnId: String?
  public var machineName: String?
  public var lastModified: String?
  public var limit: Int

  public init(state: DeliveryState? = nil, vulnId: String? = nil, machineName: String? = nil, lastModified: String? = nil, limit: Int = 50) {
    self.state = state
    self.vulnId = vulnId
    self.machineName = machineName
    self.lastModified = lastModified
    self.limit = limit
  }

  /// The condition on the `findings` view, written so that SQLite can use an index where one
  /// helps at millions of rows: a full key goes through the key pairs; `dead` and `sending`
  /// (usually few rows) are spelled as literals, so their partial indexes apply. `pending` and
  /// `sent` stay parameters: a walk in id order, stopped by the limit, beats sorting millions.
  var whereClause: (sql: String, values: [SQLValue]) {
    var conditions: [String] = []
    var values: [SQLValue] = []
    switch state {
    case let state? where state == .dead || state == .sending:
      conditions.append("state = '\(state.rawValue)'")
    case let state?:
      conditions.append("state = ?")
      values.append(.text(state.rawValue))
    case nil:
      break
    }
    if let vulnId, let machineName, let lastModified {
      conditions.append("id IN (\(Outbox.pairIDsSQL(keyHash: "?")))")
      let keyHash = StoredPayload.keyHash(vulnId: vulnId, machineName: machineName, lastModified: lastModified)
      values += Outbox.pairTables.map { _ in .integer(keyHash) }
    }
    if let vulnId {
      conditions.append("vuln_id = ?")
      values.append(.text(vulnId))
    }
    if let machineName {
      conditions.append("machine_name = ?")
      values.append(.text(machineName))
    }
    if let lastModified {
      conditions.append("last_modified = ?")
      values.append(.text(lastModified))
    }
    return (conditions.isEmpty ? "1" : conditions.joined(separator: " AND "), values)
  }
}

/// What `prune` removed.
public struct PruneCounts: Sendable, Codable, Equatable {
  public var deletedSent = 0
  public var compactedSent = 0
  public var deletedDead = 0
  public var deletedBatches = 0
  /// Lookup pairs of deleted rows removed from `finding_keys` (see `Outbox.sweepStaleKeys`).
  public var sweptKeys = 0

  public init() {}
}

extension Outbox {
  /// Counts per state (from `delivery_counts`), oldest pending, last sent, size on disk: a
  /// handful of index lookups, however many rows the outbox holds.
  public func status() throws(OutboxError) -> OutboxStatus {
    do {
      var status = OutboxStatus()
      let counts = try storedStateCounts()
      status.pending = counts[.pending] ?? 0
      status.sending = counts[.sending] ?? 0
      status.sent = counts[.sent] ?? 0
      status.dead = counts[.dead] ?? 0
      // Ids follow enqueue order, so the lowest pending id is the oldest pending row.
      status.oldestPendingEnqueuedAt =
        try connection.prepare(
          """
          SELECT enqueued_at FROM finding_content
          WHERE id = (SELECT id FROM finding_delivery INDEXED BY delivery_pending WHERE state = 'pending'
                      ORDER BY id LIMIT 1)
          """
        ).firstRow { $0.optionalInt64(0) } ?? nil
      status.lastSentAt =
        try connection.prepare(
          "SELECT max(sent_at) FROM finding_delivery WHERE state = 'sent'"
        ).firstRow { $0.optionalInt64(0) } ?? nil
      let pages = try connection.scalarInt("PRAGMA page_count") * connection.scalarInt("PRAGMA page_size")
      var info = stat()
      let walBytes = stat(path + "-wal", &info) == 0 ? Int64(info.st_size) : 0
      status.databaseBytes = pages + walBytes
      return status
    } catch {
      throw OutboxError.from(error, path: path)
    }
  }

  /// Rows matching `filter`, oldest first.
  public func findings(matching filter: FindingFilter) throws(OutboxError) -> [FindingRecord] {
    let (condition, values) = filter.whereClause
    var records: [FindingRecord] = []
    do {
      try connection.prepare(
        """
        SELECT id, vuln_id, machine_name, last_modified, state, revision, attempts, next_attempt_at, lease_owner,
               lease_expires_at, enqueued_at, updated_at, sent_at, batch_id, last_error, payload
        FROM findings WHERE \(condition) ORDER BY id LIMIT ?
        """
      )
      .bind(values + [.integer(Int64(filter.limit))])
      .forEachRow { row in
        records.append(
          FindingRecord(
            id: row.int64(0), vulnId: row.text(1) ?? "", machineName: row.text(2) ?? "", lastModified: row.text(3) ?? "",
            state: DeliveryState(rawValue: row.text(4) ?? "") ?? .pending, revision: row.int64(5), attempts: row.int(6),
            nextAttemptAt: row.int64(7), leaseOwner: row.text(8), leaseExpiresAt: row.optionalInt64(9),
            enqueuedAt: row.int64(10), updatedAt: row.int64(11), sentAt: row.optionalInt64(12),
            batchID: row.optionalInt64(13), lastError: row.text(14), payload: row.text(15)))
      }
    } catch {
      throw OutboxError.from(error, path: path)
    }
    return records
  }

  /// Moves `dead` rows matching `filter` (its state is ignored) back to `pending` with fresh attempts.
  public func retryDead(matching filter: FindingFilter, now: Int64 = Outbox.now()) throws(OutboxError) -> Int {
    var deadOnly = filter
    deadOnly.state = .dead
    let (condition, values) = deadOnly.whereClause
    return try write {
      try connection.prepare(
        """
        UPDATE finding_delivery SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?, last_error = NULL
        WHERE id IN (SELECT id FROM findings WHERE \(condition))
        """
      )
      .bind([.integer(now), .integer(now)] + values)
      .run()
      let changed = connection.changes
      var delta = StateDelta()
      delta.move(changed, from: .dead, to: .pending)
      try apply(delta)
      return changed
    }
  }
}

// MARK: - Read-only counts for `--dry-run`

extension Outbox {
  /// How many rows match `filter` (its limit ignored): what `retryDead(matching:)` would move.
  public func countFindings(matching filter: FindingFilter) throws(OutboxError) -> Int {
    let (condition, values) = filter.whereClause
    do {
      return Int(
        try connection.prepare("SELECT count(*) FROM findings WHERE \(condition)").bind(values)
          .firstRow { $0.int64(0) } ?? 0)
    } catch {
      throw OutboxError.from(error, path: path)
    }
  }

  /// What `prune` with the same arguments would change, counted without changing anything.
  public func pruneCounts(sentBefore: Int64?, deadBefore: Int64?, compact: Bool) throws(OutboxError) -> PruneCounts {
    var counts = PruneCounts()
    func count(_ sql: String, _ cutoff: Int64) throws(SQLiteError) -> Int {
      Int(try connection.prepare(sql).bind(.integer(cutoff)).firstRow { $0.int64(0) } ?? 0)
    }
    do {
      if let sentBefore {
        if compact {
          counts.compactedSent = try count(
            """
            SELECT count(*) FROM finding_delivery AS d JOIN finding_content AS c ON c.id = d.id
            WHERE d.state = 'sent' AND d.sent_at < ? AND c.payload IS NOT NULL
            """, sentBefore)
        } else {
          counts.deletedSent = try count(
            "SELECT count(*) FROM finding_delivery WHERE state = 'sent' AND sent_at < ?", sentBefore)
        }
        counts.deletedBatches = try count("SELECT count(*) FROM batches WHERE finished_at < ?", sentBefore)
      }
      if let deadBefore {
        counts.deletedDead = try count(
          "SELECT count(*) FROM finding_delivery WHERE state = 'dead' AND updated_at < ?", deadBefore)
      }
      let (stale, rows) = try keySweepBacklog()
      let deleted = counts.deletedSent + counts.deletedDead
      if Self.sweepIsDue(stale: stale + deleted, rows: rows - deleted) { counts.sweptKeys = stale + deleted }
      return counts
    } catch {
      throw OutboxError.from(error, path: path)
    }
  }
}
