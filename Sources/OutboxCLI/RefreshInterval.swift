import Foundation
import Ingestion

/// `enqueue --refresh-after` / config key `refresh_after`: how old a delivery may get before an
/// unchanged finding is sent again, so the Sentinel table always holds every open finding's
/// current state within that interval.
enum RefreshInterval {
  /// Used when neither the flag nor the config file sets it.
  static let defaultValue = "1d"

  /// `.some(milliseconds)`, `.some(nil)` for `off`, nil when the text is not a duration.
  static func parse(_ text: String) -> Int64?? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.lowercased() == "off" { return .some(nil) }
    guard let duration = DurationArgument(trimmed), duration.seconds > 0 else { return nil }
    return .some(duration.millis)
  }

  /// The flag, else `refresh_after` in the config file (`--config` or `$CVEBUSTER_OUTBOX_CONFIG`,
  /// when one exists), else 1 day.
  /// - Throws: `RefreshIntervalError` naming the file when its value is not a duration.
  static func resolve(
    flag: String?, configPath: String?,
    environment: [String: String] = ProcessInfo.processInfo.environment
  )
    throws(RefreshIntervalError) -> Int64?
  {
    if let flag, let value = parse(flag) { return value }
    let path = configPath ?? environment["CVEBUSTER_OUTBOX_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    if let path, FileManager.default.fileExists(atPath: path),
      let raw = (try? ClientConfiguration.readFile(path))?["refresh_after"]
    {
      guard let value = parse(raw) else {
        throw RefreshIntervalError(description: "\(path): refresh_after: '\(raw)' is not a duration like 1d or 12h, or off")
      }
      return value
    }
    return parse(defaultValue) ?? nil
  }
}

/// A `refresh_after` value in a config file that is not a duration.
struct RefreshIntervalError: Error, CustomStringConvertible {
  let description: String
}
