import ArgumentParser
import OutboxStore

/// `inspect`: list outbox rows.
struct InspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "List outbox rows by state or natural key, with attempts and the last error.",
    discussion: """
      Shows the oldest rows first. Combine --state with the key options to find one finding; \
      --json prints full rows including the payload that is (or was) sent. For anything more, \
      open the database with sqlite3 and query the findings_detail view.

      Example: cvebuster-outbox inspect --state dead --limit 10
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var key: KeyFilterOptions

  @Option(help: "Only rows in this state: pending, sending, sent or dead.")
  var state: DeliveryState?

  @Option(help: "At most this many rows.")
  var limit = 50

  @Flag(help: "Print JSON (an array of rows, payload included).")
  var json = false

  func run() throws {
    let outbox = try openOutboxForReading(global)
    let records: [FindingRecord]
    do {
      records = try outbox.findings(matching: key.filter(state: state, limit: limit))
    } catch let error as OutboxError {
      throw fail(error.exitStatus, error.description)
    }
    if json {
      try StandardOutput.writeJSON(records.map(InspectRow.init))
      return
    }
    StandardOutput.write(
      Formatting.table(
        header: ["id", "state", "rev", "tries", "VulnId", "MachineName", "LastModified", "updated", "last error"],
        rows: records.map { record in
          [
            "\(record.id)", record.state.rawValue, "\(record.revision)", "\(record.attempts)", record.vulnId,
            record.machineName, record.lastModified, Formatting.timestamp(record.updatedAt),
            String((record.lastError ?? "").prefix(80)),
          ]
        }))
  }
}

/// One row of `inspect --json`: times as ISO-8601, payload as a JSON string.
struct InspectRow: Encodable {
  let id: Int64
  let vulnId, machineName, lastModified, state: String
  let revision: Int64
  let attempts: Int
  let nextAttemptAt, enqueuedAt, updatedAt: String
  let sentAt, leaseOwner, leaseExpiresAt, lastError, payload: String?
  let batchId: Int64?

  init(_ record: FindingRecord) {
    id = record.id
    vulnId = record.vulnId
    machineName = record.machineName
    lastModified = record.lastModified
    state = record.state.rawValue
    revision = record.revision
    attempts = record.attempts
    nextAttemptAt = Formatting.timestamp(record.nextAttemptAt)
    enqueuedAt = Formatting.timestamp(record.enqueuedAt)
    updatedAt = Formatting.timestamp(record.updatedAt)
    sentAt = record.sentAt.map(Formatting.timestamp)
    leaseOwner = record.leaseOwner
    leaseExpiresAt = record.leaseExpiresAt.map(Formatting.timestamp)
    lastError = record.lastError
    payload = record.payload
    batchId = record.batchID
  }
}
