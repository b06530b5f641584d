import Findings

/// A UTC instant with Kusto's 100-nanosecond resolution, as the workspace stores `datetime` values.
struct Timestamp: Sendable, Comparable {
  /// 100 ns ticks since 1970-01-01T00:00:00Z.
  let ticks: Int64

  static let ticksPerSecond: Int64 = 10_000_000

  init(ticks: Int64) { self.ticks = ticks }

  init(secondsSince1970 seconds: Double) {
    ticks = Int64((seconds * Double(Timestamp.ticksPerSecond)).rounded(.down))
  }

  static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.ticks < rhs.ticks }

  func adding(seconds: Int64) -> Timestamp { Timestamp(ticks: ticks + seconds * Timestamp.ticksPerSecond) }

  /// Parses ISO 8601 as Kusto accepts it: `T` or space between date and time, optional
  /// fraction (up to 7 digits kept), `Z`, `±hh:mm` or no zone (UTC). Date alone is midnight UTC.
  init?(iso8601 text: String) {
    let chars = Array(text.utf8)
    var index = 0
    func number(_ digits: Int) -> Int? {
      guard index + digits <= chars.count else { return nil }
      var value = 0
      for _ in 0..<digits {
        let c = chars[index]
        guard c >= 0x30, c <= 0x39 else { return nil }
        value = value * 10 + Int(c - 0x30)
        index += 1
      }
      return value
    }
    func take(_ c: UInt8) -> Bool {
      guard index < chars.count, chars[index] == c else { return false }
      index += 1
      return true
    }
    guard let year = number(4), take(UInt8(ascii: "-")), let month = number(2), take(UInt8(ascii: "-")),
      let day = number(2), CivilDate(year: year, month: month, day: day).isValid
    else { return nil }
    var hour = 0
    var minute = 0
    var second = 0
    var fractionTicks: Int64 = 0
    var offsetSeconds = 0
    if index < chars.count {
      guard take(UInt8(ascii: "T")) || take(UInt8(ascii: "t")) || take(UInt8(ascii: " ")) else { return nil }
      guard let h = number(2), take(UInt8(ascii: ":")), let m = number(2), h < 24, m < 60 else { return nil }
      hour = h
      minute = m
      if take(UInt8(ascii: ":")) {
        guard let s = number(2), s < 60 else { return nil }
        second = s
        if take(UInt8(ascii: ".")) {
          var digits = 0
          while index < chars.count, chars[index] >= 0x30, chars[index] <= 0x39 {
            if digits < 7 { fractionTicks = fractionTicks * 10 + Int64(chars[index] - 0x30) }
            digits += 1
            index += 1
          }
          guard digits > 0 else { return nil }
          for _ in digits..<max(digits, 7) { fractionTicks *= 10 }
        }
      }
      if take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) {
      } else if index < chars.count, chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-") {
        let sign = chars[index] == UInt8(ascii: "-") ? -1 : 1
        index += 1
        guard let oh = number(2), oh < 24 else { return nil }
        _ = take(UInt8(ascii: ":"))
        guard let om = number(2), om < 60 else { return nil }
        offsetSeconds = sign * (oh * 3600 + om * 60)
      }
      guard index == chars.count else { return nil }
    }
    let days = CivilDate(year: year, month: month, day: day).daysSince1970
    let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
    ticks = seconds * Timestamp.ticksPerSecond + fractionTicks
  }

  /// `2024-05-01T12:00:00.0000000Z`: ISO 8601 UTC with 7 fraction digits, sortable as text.
  var iso8601: String {
    let seconds = ticks >= 0 ? ticks / Timestamp.ticksPerSecond : (ticks - Timestamp.ticksPerSecond + 1) / Timestamp.ticksPerSecond
    let fraction = ticks - seconds * Timestamp.ticksPerSecond
    let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    let secondOfDay = Int(seconds - days * 86_400)
    let date = CivilDate(daysSince1970: Int(days))
    // Written byte by byte: this runs for every datetime value of every stored row.
    var bytes = [UInt8](repeating: 0, count: 28)
    func put(_ value: Int, at offset: Int, width: Int) {
      var rest = value
      for position in stride(from: offset + width - 1, through: offset, by: -1) {
        bytes[position] = UInt8(truncatingIfNeeded: 0x30 + rest % 10)
        rest /= 10
      }
    }
    put(date.year, at: 0, width: 4)
    put(date.month, at: 5, width: 2)
    put(date.day, at: 8, width: 2)
    put(secondOfDay / 3600, at: 11, width: 2)
    put(secondOfDay / 60 % 60, at: 14, width: 2)
    put(secondOfDay % 60, at: 17, width: 2)
    put(Int(fraction), at: 20, width: 7)
    for (offset, char) in [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."), (27, "Z")] as [(Int, Unicode.Scalar)] {
      bytes[offset] = UInt8(char.value)
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
