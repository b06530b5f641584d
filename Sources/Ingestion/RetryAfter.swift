/// Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, plus Azure's
/// millisecond variants `retry-after-ms` and `x-ms-retry-after-ms`.
public enum RetryAfter {
  /// The wait in milliseconds the response asks for, or nil when it names none (or an unreadable one).
  /// - Parameters:
  ///   - headers: response headers with lower-cased names.
  ///   - now: current time, Unix milliseconds, to turn an HTTP-date into a delay.
  public static func delayMillis(headers: [String: String], now: Int64) -> Int64? {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
      if let raw = headers[name], let ms = Int64(raw.trimmingWhitespace()), ms >= 0 { return ms }
    }
    guard let raw = headers["retry-after"] else { return nil }
    return delayMillis(value: raw, now: now)
  }

  /// The wait for one `Retry-After` value: seconds, or an HTTP-date (past dates give 0).
  public static func delayMillis(value: String, now: Int64) -> Int64? {
    let text = value.trimmingWhitespace()
    if let seconds = Int64(text) {
      return seconds >= 0 ? min(seconds, 86_400 * 365) * 1000 : nil
    }
    guard let date = httpDateMillis(text) else { return nil }
    return max(0, date - now)
  }

  private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

  /// Unix milliseconds of an IMF-fixdate, RFC 850 or asctime date, all GMT.
  public static func httpDateMillis(_ text: String) -> Int64? {
    let words = text.split(whereSeparator: { $0 == " " || $0 == "," }).map { String($0) }
    var day: Int?
    var month: Int?
    var year: Int?
    var time: String?
    if words.count == 6, words[5].uppercased() == "GMT" {
      // IMF-fixdate split on ", " and " ": [Sun, 06, Nov, 1994, 08:49:37, GMT]
      day = Int(words[1])
      month = months.firstIndex(of: words[2].lowercased()).map { $0 + 1 }
      year = Int(words[3])
      time = words[4]
    } else if words.count == 4, words[3].uppercased() == "GMT" {
      // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT → [Sunday, 06-Nov-94, 08:49:37, GMT]
      let parts = words[1].split(separator: "-").map(String.init)
      guard parts.count == 3, let yy = Int(parts[2]) else { return nil }
      day = Int(parts[0])
      month = months.firstIndex(of: parts[1].lowercased()).map { $0 + 1 }
      year = parts[2].count == 2 ? (yy < 70 ? 2000 + yy : 1900 + yy) : yy
      time = words[2]
    } else if words.count == 5 {
      // asctime: Sun Nov  6 08:49:37 1994
      month = months.firstIndex(of: words[1].lowercased()).map { $0 + 1 }
      day = Int(words[2])
      time = words[3]
      year = Int(words[4])
    }
    guard let day, let month, let year, let time, (1...31).contains(day), year >= 1970 else { return nil }
    let hms = time.split(separator: ":").compactMap { Int($0) }
    guard hms.count == 3, (0...23).contains(hms[0]), (0...59).contains(hms[1]), (0...60).contains(hms[2]) else {
      return nil
    }
    let days = daysFromCivil(year: year, month: month, day: day)
    return (days * 86_400 + Int64(hms[0] * 3600 + hms[1] * 60 + hms[2])) * 1000
  }

  /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
  static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
    let y = Int64(month <= 2 ? year - 1 : year)
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let m = Int64(month)
    let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }
}
