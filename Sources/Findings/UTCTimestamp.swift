/// ISO-8601 UTC timestamps (`YYYY-MM-DDTHH:MM:SSZ`, optionally with milliseconds) without
/// Foundation's formatters, which are far too slow for a million rows and depend on locale
/// settings. The one ISO-8601 formatter of the package: the CLI's output and logs, the drain's
/// health, the generator and the emulator all use it.
public enum UTCTimestamp {
  /// The civil date and time of `seconds` since the Unix epoch, years 0000–9999.
  public static func format(_ seconds: Int64) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(20)
    append(seconds, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// `YYYY-MM-DDTHH:MM:SS.mmmZ` for `milliseconds` since the Unix epoch.
  public static func format(milliseconds: Int64) -> String {
    let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
    var bytes: [UInt8] = []
    bytes.reserveCapacity(24)
    append(seconds, to: &bytes)
    bytes.removeLast()  // the Z
    bytes.append(UInt8(ascii: "."))
    appendDigits(milliseconds - seconds * 1000, count: 3, to: &bytes)
    bytes.append(UInt8(ascii: "Z"))
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

  /// Seconds since the Unix epoch of exactly `YYYY-MM-DDTHH:MM:SSZ` (the form `format` writes),
  /// or nil for any other text or an impossible date or time.
  public static func seconds(parsing text: String) -> Int64? {
    let utf8 = Array(text.utf8)
    guard utf8.count == 20 else { return nil }
    func number(_ range: Range<Int>) -> Int? {
      var value = 0
      for byte in utf8[range] {
        guard (0x30...0x39).contains(byte) else { return nil }
        value = value * 10 + Int(byte - 0x30)
      }
      return value
    }
    let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "Z")]
    guard separators.allSatisfy({ utf8[$0.0] == $0.1.asciiValue }),
      let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
      let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
      hour < 24, minute < 60, second < 60
    else { return nil }
    let date = CivilDate(year: year, month: month, day: day)
    guard date.isValid else { return nil }
    return Int64(date.daysSince1970) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
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
