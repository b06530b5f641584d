import SQLite

/// How many rows each delivery state gained (or, negative, lost) in one transaction.
///
/// `delivery_counts` holds one row per state so `status` reads four numbers instead of counting
/// millions. Every statement that changes a row's state adds its effect here, and the sum is
/// written by ``Outbox/apply(_:)`` in the same transaction, so a crash loses both or neither.
struct StateDelta: Equatable {
  var pending = 0
  var sending = 0
  var sent = 0
  var dead = 0

  var isZero: Bool { pending == 0 && sending == 0 && sent == 0 && dead == 0 }

  /// `rows` rows moved from `from` to `to`; nil means the row was created or deleted.
  mutating func move(_ rows: Int, from: DeliveryState?, to: DeliveryState?) {
    guard rows != 0, from != to else { return }
    if let from { self[from] -= rows }
    if let to { self[to] += rows }
  }

  subscript(state: DeliveryState) -> Int {
    get {
      switch state {
      case .pending: pending
      case .sending: sending
      case .sent: sent
      case .dead: dead
      }
    }
    set {
      switch state {
      case .pending: pending = newValue
      case .sending: sending = newValue
      case .sent: sent = newValue
      case .dead: dead = newValue
      }
    }
  }
}

/// Rows per state as stored in `delivery_counts` and as counted row by row, for `doctor` and tests.
public struct StateCountCheck: Sendable, Equatable {
  public var stored: [DeliveryState: Int]
  public var counted: [DeliveryState: Int]
  public var matches: Bool { stored == counted }
}

extension Outbox {
  /// Adds `delta` to `delivery_counts`. Call inside the transaction that made the changes.
  func apply(_ delta: StateDelta) throws(SQLiteError) {
    guard !delta.isZero else { return }
    try connection.prepare(
      """
      UPDATE delivery_counts SET rows = rows + CASE state
        WHEN 'pending' THEN ?1 WHEN 'sending' THEN ?2 WHEN 'sent' THEN ?3 WHEN 'dead' THEN ?4 END
      """
    )
    .bind(
      .integer(Int64(delta.pending)), .integer(Int64(delta.sending)), .integer(Int64(delta.sent)),
      .integer(Int64(delta.dead))
    )
    .run()
  }

  /// Runs an UPDATE whose `RETURNING state` lists each changed row's new state, and records that
  /// every one of them left `from`.
  func runCountingStates(_ statement: Statement, from: DeliveryState, into delta: inout StateDelta)
    throws(SQLiteError) -> Int
  {
    var changed = 0
    try statement.forEachRow { row in
      changed += 1
      delta.move(1, from: from, to: DeliveryState(rawValue: row.text(0) ?? ""))
    }
    return changed
  }

  /// The four counts `status` shows, read from `delivery_counts`.
  func storedStateCounts() throws(SQLiteError) -> [DeliveryState: Int] {
    var counts = Dictionary(uniqueKeysWithValues: DeliveryState.allCases.map { ($0, 0) })
    try connection.prepare("SELECT state, rows FROM delivery_counts").forEachRow { row in
      if let state = DeliveryState(rawValue: row.text(0) ?? "") { counts[state] = row.int(1) }
    }
    return counts
  }

  /// Compares `delivery_counts` with a full count of `finding_delivery` (reads every row: for
  /// `doctor` and tests, not for `status`).
  public func checkStateCounts() throws(OutboxError) -> StateCountCheck {
    do {
      var counted = Dictionary(uniqueKeysWithValues: DeliveryState.allCases.map { ($0, 0) })
      try connection.prepare("SELECT state, count(*) FROM finding_delivery GROUP BY state").forEachRow { row in
        if let state = DeliveryState(rawValue: row.text(0) ?? "") { counted[state] = row.int(1) }
      }
      return StateCountCheck(stored: try storedStateCounts(), counted: counted)
    } catch {
      throw OutboxError.from(error, path: path)
    }
  }

  /// The statement ``recountStates()`` runs, for `doctor` to print as a fix.
  public static let recountSQL =
    "UPDATE delivery_counts SET rows = (SELECT count(*) FROM finding_delivery WHERE state = delivery_counts.state)"

  /// Rewrites `delivery_counts` from a full count: the repair for a database whose rows were
  /// changed by hand at a `sqlite3` prompt.
  /// - Returns: the check as it was before the repair.
  @discardableResult
  public func recountStates() throws(OutboxError) -> StateCountCheck {
    try write {
      let before = try checkStateCounts()
      try connection.execute(Self.recountSQL)
      return before
    }
  }
}
