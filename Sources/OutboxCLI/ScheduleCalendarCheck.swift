import ArgumentParser
import Foundation

/// Checks a calendar `--interval` with `systemd-analyze calendar` before any unit is written,
/// so a typo is a usage error (64), not a unit systemd refuses to load.
enum CalendarCheck {
  /// - Throws: `ValidationError` with systemd's reason when it rejects `expression`; nothing
  ///   when systemd-analyze is not installed (the units are then checked when loaded).
  static func validate(_ expression: String) throws {
    guard
      let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first(where: {
        FileManager.default.isExecutableFile(atPath: $0)
      })
    else { return }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: analyze)
    process.arguments = ["calendar", "--", expression]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    do { try process.run() } catch { return }
    let output = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      let reason = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
      throw ValidationError(
        "--interval \(expression.debugDescription) is not a systemd calendar event (\(reason)); "
          + "give e.g. hourly, *:0/15, Mon..Fri 08:00 or a period such as 15min")
    }
  }
}
