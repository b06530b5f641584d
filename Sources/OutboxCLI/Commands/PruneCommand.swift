import ArgumentParser
import OutboxStore

/// `prune`: retention for delivered and dead rows.
struct PruneCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "prune",
    abstract: "Delete or compact delivered rows, and delete old dead rows; never touches pending or sending rows.",
    discussion: """
      A delivered row is also the outbox's memory of what was sent: while it exists, enqueuing \
      the same finding again is a no-op. So the retention you choose is the de-duplication \
      window. --compact keeps that memory (key and content hash) and drops only the payload; \
      without it the rows are deleted. Request records (batches) older than the same retention \
      are deleted too. A deleted row leaves its key-lookup pair behind; once such pairs are a \
      fifth of all, prune sweeps them out in key order. Works in short transactions (about 40 ms each), so a running \
      enqueue or drain waits no longer than that.

      Example: cvebuster-outbox prune --sent-older-than 30d --compact --dead-older-than 90d
      """)

  @OptionGroup var global: GlobalOptions

  @Option(help: ArgumentHelp("Rows delivered longer ago than this (e.g. 7d, 12h).", valueName: "age"))
  var sentOlderThan: DurationArgument?

  @Option(help: ArgumentHelp("Dead rows last changed longer ago than this.", valueName: "age"))
  var deadOlderThan: DurationArgument?

  @Flag(help: "Keep delivered rows' keys and hashes; drop only their payload.")
  var compact = false

  @Flag(help: "Say exactly what would be deleted or compacted; change nothing.")
  var dryRun = false

  func validate() throws {
    if sentOlderThan == nil && deadOlderThan == nil {
      throw ValidationError("give --sent-older-than, --dead-older-than, or both")
    }
    if compact && sentOlderThan == nil { throw ValidationError("--compact applies to --sent-older-than") }
  }

  func run() throws {
    // NORMAL: no fsync per short transaction; a deletion lost to power loss is redone next time.
    let outbox = try openOutbox(global, create: false, synchronous: .normal)
    let now = Outbox.now()
    do {
      let (sentBefore, deadBefore) = (sentOlderThan.map { now - $0.millis }, deadOlderThan.map { now - $0.millis })
      let counts =
        dryRun
        ? try outbox.pruneCounts(sentBefore: sentBefore, deadBefore: deadBefore, compact: compact)
        : try outbox.prune(sentBefore: sentBefore, deadBefore: deadBefore, compact: compact)
      if dryRun {
        StandardOutput.write(
          """
          dry run: would \(compact ? "compact \(counts.compactedSent)" : "delete \(counts.deletedSent)") sent row(s), \
          delete \(counts.deletedDead) dead row(s) and \(counts.deletedBatches) request record(s)\
          \(counts.sweptKeys > 0 ? ", and sweep \(counts.sweptKeys) stale key pair(s)" : ""); nothing changed

          """)
        return
      }
      StandardOutput.write(
        """
        sent rows \(compact ? "compacted \(counts.compactedSent)" : "deleted \(counts.deletedSent)"), \
        dead rows deleted \(counts.deletedDead), request records deleted \(counts.deletedBatches)\
        \(counts.sweptKeys > 0 ? ", stale key pairs swept \(counts.sweptKeys)" : "")

        """)
    } catch {
      throw fail(error.exitStatus, error.description)
    }
  }
}
