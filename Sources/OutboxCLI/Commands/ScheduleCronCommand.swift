import ArgumentParser
import Foundation
import Operator

/// `cvebuster-outbox schedule cron`: a crontab line for scheduled drains.
struct ScheduleCronCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cron",
    abstract: "Print a crontab line that drains on a schedule and never overlaps itself.",
    discussion: """
      The line runs `drain` under `flock -n` on a lock file, so a run that starts while the \
      previous one is still sending exits at once instead of competing with it, and appends \
      everything the drain logs to a log file. The line names the database explicitly: the one \
      --db, $CVEBUSTER_OUTBOX_DB or the default gives when you run this, so cron drains the \
      outbox your `enqueue` fills. Lock and log files default to $XDG_STATE_HOME/cvebuster-outbox \
      (~/.local/state/cvebuster-outbox). --interval takes hourly, daily, a period that divides \
      an hour or a day (15min, 6h), or five cron fields. Example: \
      `(crontab -l 2>/dev/null; cvebuster-outbox schedule cron --interval 15min) | crontab -`.
      """)

  @Option(help: "When to drain: hourly, daily, 15min, 6h, or five cron fields. Default: hourly.")
  var interval = "hourly"

  @Option(help: "The cvebuster-outbox executable cron runs (default: this one).", completion: .file())
  var binary: String?

  /// `--db` and `--config`: the database and configuration the scheduled drain uses.
  @OptionGroup var global: GlobalOptions

  @Option(help: "The lock file that keeps runs from overlapping.", completion: .file())
  var lockFile: String?

  @Option(help: "The file the drain's output is appended to.", completion: .file())
  var logFile: String?

  /// `$XDG_STATE_HOME/cvebuster-outbox`, or `~/.local/state/cvebuster-outbox`.
  static var stateDirectory: String {
    let environment = ProcessInfo.processInfo.environment
    if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
      return state + "/cvebuster-outbox"
    }
    let home = environment["HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? NSHomeDirectory()
    return home + "/.local/state/cvebuster-outbox"
  }

  func entry() throws -> CronEntry {
    let state = Self.stateDirectory
    do {
      return try CronEntry(
        interval: interval, binary: binary ?? ScheduleCommand.ownExecutable, configFile: global.config,
        database: global.databasePath,
        lockFile: lockFile ?? state + "/drain.lock", logFile: logFile ?? state + "/drain.log")
    } catch {
      throw usage(error)
    }
  }

  func validate() throws {
    _ = try entry()
  }

  func run() throws {
    let entry = try entry()
    print(entry.line)
    let directories = Set([entry.lockFile, entry.logFile].map { URL(fileURLWithPath: $0).deletingLastPathComponent().path })
    Diagnostics.write(
      """
      # Create the directories first: mkdir -p \(directories.sorted().map(ShellQuoting.quote).joined(separator: " "))
      # Then add the line with `crontab -e`, or: (crontab -l 2>/dev/null; cvebuster-outbox schedule cron ...) | crontab -

      """)
  }
}
