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
    let outbox = try openOutbox(global, create: false)
    let status: OutboxStatus
    do {
      status = try outbox.status()
    } catch {
      throw fail(error.exitStatus, error.description)
    }
    let now = Outbox.now()
    let oldestAge = status.oldestPendingEnqueuedAt.map { max(0, (now - $0) / 1000) }
    if json {
      try StandardOutput.writeJSON(StatusReport(
        database: outbox.path, pending: status.pending, sending: status.sending, sent: status.sent, dead: status.dead,
        oldestPendingAt: status.oldestPendingEnqueuedAt.map(Formatting.timestamp), oldestPendingAgeSeconds: oldestAge,
        lastSentAt: status.lastSentAt.map(Formatting.timestamp), databaseBytes: status.databaseBytes))
      return
    }
    StandardOutput.write(Formatting.table(header: ["state", "rows"], rows: [
      ["pending", "\(status.pending)"], ["sending", "\(status.sending)"],
      ["sent", "\(status.sent)"], ["dead", "\(status.dead)"],
    ]))
    StandardOutput.write("""

      oldest pending: \(oldestAge.map { Formatting.age(seconds: $0) + " old (" + Formatting.timestamp(status.oldestPendingEnqueuedAt) + ")" } ?? "none")
      last sent:      \(Formatting.timestamp(status.lastSentAt))
      database:       \(outbox.path) (\(Formatting.bytes(status.databaseBytes)))

      """)
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
}
