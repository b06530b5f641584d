import ArgumentParser
import OutboxStore

/// `status`: how much is waiting, how old, what was last sent.
struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show counts per delivery state, the oldest pending row, the last delivery and the database size.",
    discussion: """
      A quick health view for operators and monitoring. With --json the same facts are printed as \
      one JSON object (times as ISO-8601 UTC), for scripts and alerting. Exit 74 if the database \
      is missing or unusable.

      Example: cvebuster-outbox status --json | jq .pending
      """)

  @OptionGroup var global: GlobalOptions

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  func run() throws {
    let outbox = try openOutboxForReading(global)
    let status: OutboxStatus
    let endpoints: [EndpointState]
    do {
      status = try outbox.status()
      endpoints = try outbox.endpointStates()
    } catch {
      throw fail(error.exitStatus, error.description)
    }
    let now = Outbox.now()
    let oldestAge = status.oldestPendingEnqueuedAt.map { max(0, (now - $0) / 1000) }
    if json {
      try StandardOutput.writeJSON(
        StatusReport(
          database: outbox.path, pending: status.pending, sending: status.sending, sent: status.sent, dead: status.dead,
          oldestPendingAt: status.oldestPendingEnqueuedAt.map(Formatting.timestamp), oldestPendingAgeSeconds: oldestAge,
          lastSentAt: status.lastSentAt.map(Formatting.timestamp), databaseBytes: status.databaseBytes,
          endpoints: endpoints.map { EndpointReport($0, now: now) }))
      return
    }
    StandardOutput.write(
      Formatting.table(
        header: ["state", "rows"],
        rows: [
          ["pending", "\(status.pending)"], ["sending", "\(status.sending)"],
          ["sent", "\(status.sent)"], ["dead", "\(status.dead)"],
        ]))
    StandardOutput.write(
      """

      oldest pending: \(oldestAge.map { Formatting.age(seconds: $0) + " old (" + Formatting.timestamp(status.oldestPendingEnqueuedAt) + ")" } ?? "none")
      last sent:      \(Formatting.timestamp(status.lastSentAt))
      database:       \(outbox.path) (\(Formatting.bytes(status.databaseBytes)))

      """)
    for endpoint in endpoints {
      StandardOutput.write("endpoint:       \(endpoint.endpoint)\n                \(Self.describe(endpoint, now: now))\n")
    }
  }
}

extension StatusCommand {
  /// "ok, last delivery …", or "failing since … (N failures in a row; last: …); next try …".
  static func describe(_ state: EndpointState, now: Int64) -> String {
    guard state.isFailing else {
      return "ok" + (state.lastSuccessAt.map { ", last delivery " + Formatting.timestamp($0) } ?? "")
    }
    let next = state.nextTryAt > now ? Formatting.timestamp(state.nextTryAt) : "now"
    return "failing since \(Formatting.timestamp(state.failingSince)) (\(state.consecutiveFailures) failures in a row; "
      + "last: \(state.lastError ?? "unknown")); next try \(next)"
  }
}

/// One endpoint in `status --json`.
struct EndpointReport: Encodable {
  let endpoint: String
  let failing: Bool
  let consecutiveFailures: Int
  let failingSince: String?
  let lastError: String?
  let nextTryAt: String?
  let lastSuccessAt: String?
  /// A body limit learned from a 413, while it applies.
  let learnedMaxBodyBytes: Int?

  init(_ state: EndpointState, now: Int64) {
    endpoint = state.endpoint
    failing = state.isFailing
    consecutiveFailures = state.consecutiveFailures
    failingSince = state.failingSince.map(Formatting.timestamp)
    lastError = state.lastError
    nextTryAt = state.nextTryAt > now ? Formatting.timestamp(state.nextTryAt) : nil
    lastSuccessAt = state.lastSuccessAt.map(Formatting.timestamp)
    learnedMaxBodyBytes = state.learnedAt.map { now - $0 < 86_400_000 } == true ? state.maxBodyBytes : nil
  }
}

/// `status --json` output.
struct StatusReport: Encodable {
  let database: String
  let pending, sending, sent, dead: Int
  let oldestPendingAt: String?
  let oldestPendingAgeSeconds: Int64?
  let lastSentAt: String?
  let databaseBytes: Int64
  let endpoints: [EndpointReport]
}
