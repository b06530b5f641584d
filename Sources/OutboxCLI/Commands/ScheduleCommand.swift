import ArgumentParser
import Foundation
import Operator

/// `cvebuster-outbox schedule`: run drains unattended, with systemd or cron.
public struct ScheduleCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "schedule",
    abstract: "Print or install a systemd timer, a watch service or a crontab line for drains.",
    discussion: """
      `schedule systemd` prints a hardened service and timer pair that runs `drain` on a \
      schedule (or, with --watch, one service running `drain --watch`); with --install it writes \
      them to the unit directory and prints the systemctl commands to run. `schedule cron` \
      prints a crontab line guarded by `flock -n`, so a drain still running when the next one \
      is due makes the next one skip. Example: `sudo cvebuster-outbox schedule systemd \
      --interval 15min --install`.
      """,
    subcommands: [ScheduleSystemdCommand.self, ScheduleCronCommand.self])

  public init() {}

  /// The absolute path of the running executable: what the units should start.
  static var ownExecutable: String {
    if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      return resolved
    }
    let argument = CommandLine.arguments.first ?? "cvebuster-outbox"
    return URL(fileURLWithPath: argument).standardizedFileURL.path
  }
}

/// Reports a `ScheduleError` as a usage error (exit 64) with its message.
func usage(_ error: ScheduleError) -> ValidationError {
  ValidationError(error.description)
}
