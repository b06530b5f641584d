import ArgumentParser
import OutboxStore

/// `retry`: give dead rows another chance.
struct RetryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "retry",
    abstract: "Move dead rows back to pending, with fresh attempts.",
    discussion: """
      Dead rows were rejected by the service for their content, or ran out of attempts. After \
      fixing the cause (for example the DCR, or the service's outage), move them back; the next \
      drain sends them. Select rows with the key options, or all dead rows with --all.

      Example: cvebuster-outbox retry --machine web-01 --dry-run
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var key: KeyFilterOptions

  @Flag(help: "Every dead row.")
  var all = false

  @Flag(help: "Say how many rows would move; change nothing.")
  var dryRun = false

  func validate() throws {
    if all == !key.isEmpty {
      throw ValidationError("give either --all or at least one of --vuln-id, --machine, --last-modified")
    }
  }

  func run() throws {
    let outbox = try openOutbox(global, create: false)
    do {
      if dryRun {
        let count = try outbox.countFindings(matching: key.filter(state: .dead, limit: 0))
        StandardOutput.write("dry run: would move \(count) dead row(s) back to pending; nothing changed\n")
        return
      }
      let moved = try outbox.retryDead(matching: key.filter(state: .dead, limit: 0))
      StandardOutput.write("moved \(moved) dead row(s) back to pending\n")
    } catch let error as OutboxError {
      throw fail(error.exitStatus, error.description)
    }
  }
}
