import ArgumentParser
import Findings
import Foundation

/// Human-readable times, sizes and durations for text output.
enum Formatting {
  /// ISO-8601 UTC with milliseconds for an outbox time (Unix ms).
  static func timestamp(_ millis: Int64?) -> String {
    guard let millis else { return "-" }
    return UTCTimestamp.format(milliseconds: millis)
  }

  /// "3d 4h", "12m 5s", "40s".
  static func age(seconds: Int64) -> String {
    let days = seconds / 86_400
    let hours = seconds % 86_400 / 3600
    let minutes = seconds % 3600 / 60
    let rest = seconds % 60
    if days > 0 { return "\(days)d \(hours)h" }
    if hours > 0 { return "\(hours)h \(minutes)m" }
    if minutes > 0 { return "\(minutes)m \(rest)s" }
    return "\(rest)s"
  }

  static func bytes(_ count: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(count)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
  }

  /// Left-aligned columns separated by two spaces.
  static func table(header: [String], rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows {
      for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { index, cell in
        index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
  }
}
