/// A crontab line for scheduled drains that never overlap: `flock -n` skips a run while the
/// previous one still holds the lock, and everything the drain prints goes to a log file.
public struct CronEntry: Sendable {
  /// The five time fields (or a `@hourly`-style macro).
  public let schedule: String
  /// Absolute path of the `cvebuster-outbox` executable.
  public let binary: String
  /// `--config` for the drain, or nil for the tool's default.
  public let configFile: String?
  /// `CVEBUSTER_OUTBOX_DB` for the drain, or nil for the tool's default.
  public let database: String?
  public let lockFile: String
  public let logFile: String

  /// - Parameter interval: a 5-field cron expression, a `@` macro, a keyword (`hourly`) or a
  ///   period that divides an hour or a day (`15min`, `2h`).
  /// - Throws: `ScheduleError` naming the option whose value cannot be used.
  public init(
    interval: String, binary: String, configFile: String?, database: String?, lockFile: String, logFile: String
  ) throws(ScheduleError) {
    schedule = try Self.schedule(for: interval)
    self.binary = try SystemdEscaping.checkedPath(binary, option: "--binary")
    self.configFile = try configFile.map { path throws(ScheduleError) in
      try SystemdEscaping.checkedPath(path, option: "--config")
    }
    self.database = try database.map { path throws(ScheduleError) in
      try SystemdEscaping.checkedPath(path, option: "--db")
    }
    self.lockFile = try SystemdEscaping.checkedPath(lockFile, option: "--lock-file")
    self.logFile = try SystemdEscaping.checkedPath(logFile, option: "--log-file")
  }

  /// The crontab line, without a trailing newline.
  public var line: String {
    var words: [String] = []
    if let database { words.append("CVEBUSTER_OUTBOX_DB=" + ShellQuoting.quote(database)) }
    words += ["flock", "-n", ShellQuoting.quote(lockFile), ShellQuoting.quote(binary), "drain"]
    if let configFile { words += ["--config", ShellQuoting.quote(configFile)] }
    words += [">>", ShellQuoting.quote(logFile), "2>&1"]
    // cron turns an unescaped % into a newline (crontab(5)).
    return schedule + " " + words.joined(separator: " ").replacingAll("%", with: "\\%")
  }

  /// The cron time fields for `--interval`.
  static func schedule(for interval: String) throws(ScheduleError) -> String {
    let text = interval.trimmingWhitespace
    let macros = ["@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@midnight", "@reboot"]
    if macros.contains(text) { return text }
    let fields = text.split(separator: " ", omittingEmptySubsequences: true)
    if fields.count == 5 {
      let allowed = Set("0123456789*/,-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
      guard fields.allSatisfy({ $0.allSatisfy(allowed.contains) }) else {
        throw ScheduleError("--interval \(interval.debugDescription) is not a cron expression (minute hour day month weekday)")
      }
      return fields.joined(separator: " ")
    }
    switch try ScheduleInterval(parsing: text) {
    case .calendar(let keyword):
      switch keyword {
      case "minutely": return "* * * * *"
      case "hourly": return "0 * * * *"
      case "daily": return "0 0 * * *"
      case "weekly": return "0 0 * * 1"
      case "monthly": return "0 0 1 * *"
      default:
        throw ScheduleError(
          "--interval \(keyword) is a systemd calendar expression; for cron give hourly, daily, a period such as 15min, or five cron fields")
      }
    case .every(let seconds):
      let minutes = seconds / 60
      if seconds % 60 == 0, minutes < 60, 60 % minutes == 0 {
        return minutes == 1 ? "* * * * *" : "*/\(minutes) * * * *"
      }
      if seconds % 3_600 == 0, minutes / 60 <= 24, 24 % (minutes / 60) == 0 {
        let hours = minutes / 60
        return hours == 1 ? "0 * * * *" : hours == 24 ? "0 0 * * *" : "0 */\(hours) * * *"
      }
      throw ScheduleError(
        "--interval \(interval) cannot be written for cron: use a period that divides an hour (5min, 15min, 30min) or a day (2h, 6h), or five cron fields")
    }
  }
}
