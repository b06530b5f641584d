/// How often a scheduled drain runs: a systemd calendar event (`hourly`, `*:0/15`,
/// `Mon..Fri 08:00`) or a fixed period (`15min`, `2h`, `90s`).
public enum ScheduleInterval: Sendable, Equatable, CustomStringConvertible {
  /// A systemd calendar expression, used as `OnCalendar=` (systemd.time(7)).
  case calendar(String)
  /// A period in seconds, used as `OnUnitActiveSec=` (and `OnBootSec=`).
  case every(seconds: Int)

  /// The keywords systemd and cron both understand.
  static let keywords = ["minutely", "hourly", "daily", "weekly", "monthly"]

  /// Reads `--interval`: a period when it is a number with a time unit, otherwise a calendar
  /// expression (checked only for characters here; systemd checks the grammar on load).
  ///
  /// - Throws: `ScheduleError` naming the value when it is empty, holds control characters or
  ///   `%`, or is a period shorter than one minute.
  public init(parsing text: String) throws(ScheduleError) {
    let trimmed = text.trimmingWhitespace
    guard !trimmed.isEmpty else { throw ScheduleError("--interval is empty: give e.g. hourly, 15min or *:0/15") }
    if trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) {
      throw ScheduleError("--interval \(text) has no unit: write \(text)min, \(text)h or \(text)s")
    }
    if let seconds = Self.seconds(in: trimmed) {
      guard seconds >= 60 else {
        throw ScheduleError("--interval \(text) is shorter than one minute: drains that often only add load")
      }
      self = .every(seconds: seconds)
      return
    }
    guard trimmed.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F && $0 != "%" }),
      trimmed.count <= 120
    else {
      throw ScheduleError(
        "--interval \(text.debugDescription) is neither a period (15min, 2h) nor a calendar expression (hourly, *:0/15)")
    }
    guard trimmed.first.map({ $0.isLetter || $0.isNumber || $0 == "*" }) == true else {
      throw ScheduleError("--interval \(text) must start with a letter, digit or *: e.g. hourly, 15min, *:0/15")
    }
    self = .calendar(trimmed)
  }

  public var description: String {
    switch self {
    case .calendar(let expression): expression
    case .every(let seconds): Self.span(seconds)
    }
  }

  /// A period in systemd's notation, largest exact unit first: `1h 30min`, `15min`, `90s`.
  static func span(_ seconds: Int) -> String {
    var parts: [String] = []
    var rest = seconds
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1)] where rest >= size {
      parts.append("\(rest / size)\(unit)")
      rest %= size
    }
    return parts.isEmpty ? "0s" : parts.joined(separator: " ")
  }

  /// The total seconds of `15min`, `2h`, `1h 30min`, `90s`, `1d`; nil when `text` is not such
  /// a period (a bare number is not one: systemd would read it as seconds, people as minutes).
  static func seconds(in text: String) -> Int? {
    let units: [String: Int] = [
      "s": 1, "sec": 1, "second": 1, "seconds": 1,
      "m": 60, "min": 60, "minute": 60, "minutes": 60,
      "h": 3_600, "hr": 3_600, "hour": 3_600, "hours": 3_600,
      "d": 86_400, "day": 86_400, "days": 86_400,
    ]
    var total = 0
    var scanner = Substring(text)
    var sawTerm = false
    while !scanner.isEmpty {
      scanner = scanner.drop { $0 == " " }
      let digits = scanner.prefix { $0.isASCII && $0.isNumber }
      guard !digits.isEmpty, let value = Int(digits), value < 1_000_000 else { return scanner.isEmpty && sawTerm ? total : nil }
      scanner = scanner.dropFirst(digits.count).drop { $0 == " " }
      let unit = scanner.prefix { $0.isASCII && $0.isLetter }
      guard let size = units[String(unit)] else { return nil }
      scanner = scanner.dropFirst(unit.count)
      total += value * size
      sawTerm = true
    }
    return sawTerm ? total : nil
  }
}

/// Why a schedule could not be written: names the option or file and what to do.
public struct ScheduleError: Error, CustomStringConvertible, Sendable {
  public let description: String

  public init(_ description: String) {
    self.description = description
  }
}

extension String {
  var trimmingWhitespace: String {
    String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
  }
}
