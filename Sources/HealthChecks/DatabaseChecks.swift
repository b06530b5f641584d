import Foundation
import OutboxStore

/// The outbox checks: opens (never creating it), migration version, `quick_check`, state counts,
/// key pairs, and the queue.
public struct DatabaseChecks {
  public let path: String
  /// Pending rows older than this make the queue check warn (default one day).
  public var stalePendingMillis: Int64 = 86_400_000

  public init(path: String) {
    self.path = path
  }

  /// The results in order: open, schema, integrity, state counts, key pairs, queue.
  public func run(now: Int64 = Outbox.now()) -> [CheckResult] {
    let outbox: Outbox
    do {
      // Read-only: doctor never migrates, locks or changes the file it checks.
      outbox = try Outbox(path: path, options: .reading)
    } catch {
      let open: CheckResult
      if case .needsMigration = error {
        open = .warn(
          "database.open", "database opens", error.description,
          fix: "run any write command (`cvebuster-outbox drain` or `enqueue`) to upgrade it")
      } else if case .notFound = error {
        open = .warn(
          "database.open", "database opens", "no outbox database at \(path) yet",
          fix: "the first `enqueue` creates it; if the scanner already enqueues, --db or CVEBUSTER_OUTBOX_DB point elsewhere")
      } else {
        open = .fail(
          "database.open", "database opens", error.description, fix: nil,
          error.isConfigurationProblem ? .configuration : .local)
      }
      let reason = open.status == .warn ? "the database is not ready" : "the database did not open"
      return [open]
        + [
          ("database.schema", "migration version"), ("database.integrity", "quick_check"),
          ("database.counts", "state counts"), ("database.keys", "key pairs"), ("queue", "queue"),
        ]
        .map { CheckResult.skipped($0.0, $0.1, because: reason) }
    }
    var results: [CheckResult] = [.pass("database.open", "database opens", path)]
    do {
      let version = try outbox.schemaVersion()
      let latest = Outbox.latestSchemaVersion
      results.append(.pass("database.schema", "migration version", "\(version) (this build's latest: \(latest))"))
    } catch {
      results.append(.fail("database.schema", "migration version", error.description, fix: nil, .local))
    }
    do {
      let problems = try outbox.quickCheck()
      if problems.isEmpty {
        results.append(.pass("database.integrity", "quick_check", "ok"))
      } else {
        results.append(
          .fail(
            "database.integrity", "quick_check", problems.prefix(5).joined(separator: "; "),
            fix: "stop drains, copy the file aside, and restore a backup (or `sqlite3 \(path) .recover`)", .local))
      }
    } catch {
      results.append(.fail("database.integrity", "quick_check", error.description, fix: nil, .local))
    }
    results.append(stateCountCheck(outbox))
    results.append(keyPairCheck(outbox))
    results.append(queueCheck(outbox, now: now))
    return results
  }

  /// `status` reads `delivery_counts`; a row changed by hand at a `sqlite3` prompt puts it out of step.
  private func stateCountCheck(_ outbox: Outbox) -> CheckResult {
    do {
      let check = try outbox.checkStateCounts()
      let states = DeliveryState.allCases
      if check.matches {
        return .pass("database.counts", "state counts", states.map { "\($0) \(check.counted[$0] ?? 0)" }.joined(separator: ", "))
      }
      let differing = states.filter { check.stored[$0] != check.counted[$0] }.map {
        "\($0): stored \(check.stored[$0] ?? 0), counted \(check.counted[$0] ?? 0)"
      }
      return .warn(
        "database.counts", "state counts", "status shows stale counts (" + differing.joined(separator: "; ") + ")",
        fix: "rows were changed outside cvebuster-outbox; recount with `sqlite3 '\(path)' \"\(Outbox.recountSQL)\"`")
    } catch {
      return .fail("database.counts", "state counts", error.description, fix: nil, .local)
    }
  }

  /// Enqueue finds keys through their pairs; pair tables changed by hand can hide a key.
  private func keyPairCheck(_ outbox: Outbox) -> CheckResult {
    let check: KeyPairCheck
    do {
      check = try outbox.checkKeyPairs()
    } catch {
      return .fail("database.keys", "key pairs", error.description, fix: nil, .local)
    }
    let repair = "`sqlite3 '\(path)' \"\(Outbox.repairKeyPairsSQL)\"`"
    if check.rowsMayLackPairs {
      return .fail(
        "database.keys", "key pairs", "\(check.pairs) lookup pairs for \(check.rows) rows: enqueue would store some keys twice",
        fix: "stop enqueues and drains, copy the file aside, then repair with \(repair)", .local)
    }
    if check.matches {
      return .pass("database.keys", "key pairs", "\(check.pairs) for \(check.rows) rows, \(check.stale) stale")
    }
    let differing = [
      ("fresh", check.storedFresh, check.countedFresh), ("recent", check.storedRecent, check.countedRecent),
      ("stale", check.stale, check.pairs - check.rows),
    ].filter { $0.1 != $0.2 }.map { "\($0.0): stored \($0.1), counted \($0.2)" }
    return .warn(
      "database.keys", "key pairs", "counts out of step (" + differing.joined(separator: "; ") + ")",
      fix: "the pair tables were changed outside cvebuster-outbox; recount with \(repair)")
  }

  private func queueCheck(_ outbox: Outbox, now: Int64) -> CheckResult {
    let status: OutboxStatus
    do {
      status = try outbox.status()
    } catch {
      return .fail("queue", "queue", error.description, fix: nil, .local)
    }
    var detail = "\(status.pending) pending, \(status.sending) sending, \(status.dead) dead"
    var ageMillis: Int64 = 0
    if let oldest = status.oldestPendingEnqueuedAt {
      ageMillis = max(0, now - oldest)
      detail += "; oldest pending enqueued \(Self.age(millis: ageMillis)) ago"
    }
    if status.dead > 0 {
      return .warn(
        "queue", "queue", detail,
        fix: "see why with `cvebuster-outbox inspect --state dead`; after fixing, `cvebuster-outbox retry`")
    }
    if ageMillis > stalePendingMillis {
      return .warn("queue", "queue", detail, fix: "no drain has sent them: check the timer or cron job and run `cvebuster-outbox drain`")
    }
    return .pass("queue", "queue", detail)
  }

  /// "3d 4h", "12m 5s", "40s".
  static func age(millis: Int64) -> String {
    let seconds = millis / 1000
    let days = seconds / 86_400
    let hours = seconds % 86_400 / 3600
    let minutes = seconds % 3600 / 60
    if days > 0 { return "\(days)d \(hours)h" }
    if hours > 0 { return "\(hours)h \(minutes)m" }
    if minutes > 0 { return "\(minutes)m \(seconds % 60)s" }
    return "\(seconds)s"
  }
}

extension OutboxError {
  /// The SQLite library is too old: the installation, not the data.
  var isConfigurationProblem: Bool {
    if case .libraryTooOld = self { return true }
    return false
  }
}
