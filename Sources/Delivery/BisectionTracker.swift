import OutboxStore

/// Tells a 400 about some rows from a 400 about the request itself while bodies are bisected.
///
/// The service answers 400 for bad rows, and also for a request it refuses as a whole (a wrong
/// stream, say, under an error code the classifier does not know). Bisecting finds bad rows;
/// for a refusal of the request it would dead-letter every row. So, for a body of at least
/// ``minimumRows`` rows: single rows refused while no part of the body has been delivered are
/// held (still leased) instead of going dead; the first delivered part proves the request is
/// fine and the held rows go dead; ``threshold`` refusals with no delivery mean the request is
/// what the service refuses, and the run stops as a configuration error with no row dead.
///
/// Bad rows spread through a body (a few per cent, say) would refuse every half, quarter and
/// eighth too. So the first refusal of a tracked body also sends its first and last rows alone
/// (``Action/probeAndSplit(bisection:)``): a request the service refuses as a whole refuses them
/// too, while one accepted probe proves the request fine, and every row bisection isolates from
/// then on goes dead on its own verdict.
struct BisectionTracker {
  /// Smaller bodies are bisected without this bookkeeping (too few rows to tell).
  static let minimumRows = 16
  /// Refusals with no delivery that condemn the request: the body, both probes, its halves,
  /// quarters and eighths all refused.
  static let threshold = 17

  /// What the drain does with a refused body.
  enum Action: Equatable {
    /// Send both halves, tagged with this bisection (nil: untracked).
    case split(bisection: Int?)
    /// A tracked bisection starts: send the first and the last row alone, and both halves of
    /// the rows between them, all tagged with this bisection.
    case probeAndSplit(bisection: Int)
    /// The row is at fault: dead-letter it.
    case dead
    /// Keep the row leased until its bisection has a verdict.
    case hold
    /// Give these rows back unspent; no verdict on them.
    case release([ClaimedFinding])
    /// The request is refused, not its rows: give these rows back unspent and stop the run.
    case requestRefused(release: [ClaimedFinding], refusals: Int, rows: Int)
  }

  /// A refused single row waiting for its bisection's verdict, with the service's answer.
  struct HeldRow: Equatable {
    let row: ClaimedFinding
    let message: String
    let batchID: Int64
  }

  private struct Bisection {
    let rows: Int
    var outstanding = 1
    var refusals = 0
    var delivered = false
    var requestRefused = false
    var held: [HeldRow] = []
  }

  private var bisections: [Int: Bisection] = [:]
  private var nextID = 0

  /// A 400 for `job`, recorded as request `batchID` with the service's `message`.
  mutating func refused(_ job: SendJob, message: String, batchID: Int64) -> Action {
    if job.bisection == nil, let id = startIfLarge(job) {
      bisections[id]?.refusals = 1
      bisections[id]?.outstanding = 4  // two probes and two halves
      return .probeAndSplit(bisection: id)
    }
    guard let id = job.bisection, var bisection = bisections[id] else {
      return job.rows.count > 1 ? .split(bisection: nil) : .dead
    }
    defer { keep(id, bisection) }
    if bisection.requestRefused {
      bisection.outstanding -= 1
      return .release(job.rows)
    }
    bisection.refusals += 1
    if !bisection.delivered && bisection.refusals >= Self.threshold {
      bisection.requestRefused = true
      bisection.outstanding -= 1
      let release = bisection.held.map(\.row) + job.rows
      bisection.held = []
      return .requestRefused(release: release, refusals: bisection.refusals, rows: bisection.rows)
    }
    if job.rows.count > 1 {
      bisection.outstanding += 1  // one body becomes two
      return .split(bisection: id)
    }
    bisection.outstanding -= 1
    if bisection.delivered { return .dead }
    bisection.held += job.rows.map { HeldRow(row: $0, message: message, batchID: batchID) }
    if bisection.outstanding == 0 {
      // Finished with neither a delivery nor enough refusals (other parts were retried): no verdict.
      let release = bisection.held.map(\.row)
      bisection.held = []
      return .release(release)
    }
    return .hold
  }

  /// `job` was delivered: its bisection's held rows are the bad ones; dead-letter them.
  mutating func delivered(_ job: SendJob) -> [HeldRow] {
    guard let id = job.bisection, var bisection = bisections[id] else { return [] }
    defer { keep(id, bisection) }
    bisection.delivered = true
    bisection.outstanding -= 1
    let dead = bisection.held
    bisection.held = []
    return dead
  }

  /// `job` ended some other way (retried, or a configuration error): held rows with no verdict
  /// left, if it was the bisection's last outstanding body.
  mutating func settledOtherwise(_ job: SendJob) -> [ClaimedFinding] {
    guard let id = job.bisection, var bisection = bisections[id] else { return [] }
    defer { keep(id, bisection) }
    bisection.outstanding -= 1
    guard bisection.outstanding == 0 else { return [] }
    let release = bisection.held.map(\.row)
    bisection.held = []
    return release
  }

  /// Every held row (the run is stopping); they go back unspent.
  mutating func takeAllHeld() -> [ClaimedFinding] {
    var rows: [ClaimedFinding] = []
    for id in bisections.keys {
      rows += bisections[id]!.held.map(\.row)
      bisections[id]!.held = []
    }
    bisections = bisections.filter { $0.value.outstanding > 0 || $0.value.requestRefused }
    return rows
  }

  /// Stores `bisection`, or forgets it once nothing of it is outstanding or held. A condemned
  /// one is kept: the run is stopping, and any late answer must still be given back.
  private mutating func keep(_ id: Int, _ bisection: Bisection) {
    let finished = bisection.outstanding <= 0 && bisection.held.isEmpty && !bisection.requestRefused
    bisections[id] = finished ? nil : bisection
  }

  private mutating func startIfLarge(_ job: SendJob) -> Int? {
    guard job.rows.count >= Self.minimumRows else { return nil }
    nextID += 1
    bisections[nextID] = Bisection(rows: job.rows.count)
    return nextID
  }
}
