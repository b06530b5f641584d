import Findings

/// ISO-8601 UTC timestamps (`YYYY-MM-DDTHH:MM:SSZ`) without Foundation's formatters, which are
/// far too slow for a million rows and depend on locale settings.
public enum UTCTimestamp {
  /// The civil date and time of `seconds` since the Unix epoch, years 0000–9999.
  public static func format(_ seconds: Int64) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(20)
    append(seconds, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Appends the 20 bytes of `format(seconds)` to `bytes`.
  public static func append(_ seconds: Int64, to bytes: inout [UInt8]) {
    let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    let secondOfDay = seconds - days * 86_400
    let date = CivilDate(daysSince1970: Int(days))
    appendDigits(Int64(date.year), count: 4, to: &bytes)
    bytes.append(UInt8(ascii: "-"))
    appendDigits(Int64(date.month), count: 2, to: &bytes)
    bytes.append(UInt8(ascii: "-"))
    appendDigits(Int64(date.day), count: 2, to: &bytes)
    bytes.append(UInt8(ascii: "T"))
    appendDigits(secondOfDay / 3600, count: 2, to: &bytes)
    bytes.append(UInt8(ascii: ":"))
    appendDigits(secondOfDay / 60 % 60, count: 2, to: &bytes)
    bytes.append(UInt8(ascii: ":"))
    appendDigits(secondOfDay % 60, count: 2, to: &bytes)
    bytes.append(UInt8(ascii: "Z"))
  }

  /// The calendar year of `seconds` since the Unix epoch.
  public static func year(of seconds: Int64) -> Int {
    let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    return CivilDate(daysSince1970: Int(days)).year
  }

  private static func appendDigits(_ value: Int64, count: Int, to bytes: inout [UInt8]) {
    var divisor: Int64 = 1
    for _ in 1..<count { divisor *= 10 }
    var rest = value
    while divisor > 0 {
      bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
      rest %= divisor
      divisor /= 10
    }
  }
}
