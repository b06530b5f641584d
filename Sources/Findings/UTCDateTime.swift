/// An ISO-8601 date-time normalised to UTC, in the one canonical form the outbox stores and sends:
/// `YYYY-MM-DDTHH:MM:SS[.fffffff]Z`, fraction trimmed of trailing zeros (Kusto keeps 100 ns).
public struct UTCDateTime: Sendable, Equatable, CustomStringConvertible {
  /// The canonical text.
  public let canonical: String

  public var description: String { canonical }

  /// Parses `YYYY-MM-DD(T| )HH:MM:SS[.fraction](Z|±HH:MM|±HHMM)`; a zone is required.
  /// - Throws: a reason a person can act on, e.g. "no time zone: add Z for UTC".
  public init(parsing text: String) throws(DateTimeError) {
    var utf8 = Array(text.utf8)
    guard utf8.count >= 19 else { throw DateTimeError("expected an ISO-8601 date-time like 2025-11-06T10:30:00Z") }
    func number(_ range: Range<Int>) -> Int? {
      var value = 0
      for index in range {
        guard index < utf8.count else { return nil }
        let byte = utf8[index]
        guard (0x30...0x39).contains(byte) else { return nil }
        value = value * 10 + Int(byte - 0x30)
      }
      return value
    }
    guard let year = number(0..<4), utf8[4] == UInt8(ascii: "-"), let month = number(5..<7),
      utf8[7] == UInt8(ascii: "-"), let day = number(8..<10),
      [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(utf8[10]),
      let hour = number(11..<13), utf8[13] == UInt8(ascii: ":"), let minute = number(14..<16),
      utf8[16] == UInt8(ascii: ":"), let second = number(17..<19)
    else {
      throw DateTimeError("expected an ISO-8601 date-time like 2025-11-06T10:30:00Z")
    }
    let date = CivilDate(year: year, month: month, day: day)
    guard year >= 1, date.isValid else {
      throw DateTimeError("no such calendar date \(text.prefix(10))")
    }
    guard hour < 24, minute < 60, second < 60 else { throw DateTimeError("time of day out of range") }
    var index = 19
    var fraction: [UInt8] = []
    /// Whether the text is spelled as `canonical` would spell it (then it is kept as it is).
    var alreadyCanonical = utf8[10] == UInt8(ascii: "T")
    if index < utf8.count, utf8[index] == UInt8(ascii: ".") || utf8[index] == UInt8(ascii: ",") {
      alreadyCanonical = alreadyCanonical && utf8[index] == UInt8(ascii: ".")
      index += 1
      while index < utf8.count, (0x30...0x39).contains(utf8[index]) {
        fraction.append(utf8[index])
        index += 1
      }
      alreadyCanonical = alreadyCanonical && fraction.count <= 7 && fraction.last != 0x30
      guard !fraction.isEmpty else { throw DateTimeError("a decimal point must be followed by digits") }
      if fraction.count > 7 {
        guard fraction[7...].allSatisfy({ $0 == 0x30 }) else {
          throw DateTimeError("more precise than 100 ns (7 fractional digits), which Log Analytics would truncate")
        }
        fraction.removeSubrange(7...)
      }
      while fraction.last == 0x30 { fraction.removeLast() }
    }
    guard index < utf8.count else { throw DateTimeError("no time zone: add Z for UTC, or an offset like +02:00") }
    var offsetMinutes = 0
    switch utf8[index] {
    case UInt8(ascii: "Z"), UInt8(ascii: "z"):
      alreadyCanonical = alreadyCanonical && utf8[index] == UInt8(ascii: "Z")
      index += 1
    case UInt8(ascii: "+"), UInt8(ascii: "-"):
      let sign = utf8[index] == UInt8(ascii: "-") ? -1 : 1
      let colon = index + 3 < utf8.count && utf8[index + 3] == UInt8(ascii: ":")
      guard let offsetHours = number(index + 1..<index + 3),
        let offsetMins = number(colon ? index + 4..<index + 6 : index + 3..<index + 5),
        offsetHours <= 23, offsetMins <= 59
      else {
        throw DateTimeError("time zone offset must look like +02:00")
      }
      offsetMinutes = sign * (offsetHours * 60 + offsetMins)
      alreadyCanonical = false
      index += colon ? 6 : 5
    default:
      throw DateTimeError("no time zone: add Z for UTC, or an offset like +02:00")
    }
    guard index == utf8.count else { throw DateTimeError("unexpected text after the time zone") }
    if alreadyCanonical {
      canonical = text
      return
    }

    // Shift to UTC through day numbers, so offsets may cross day, month and year boundaries.
    var days = date.daysSince1970
    var minutes = hour * 60 + minute - offsetMinutes
    if minutes < 0 {
      minutes += 1440
      days -= 1
    } else if minutes >= 1440 {
      minutes -= 1440
      days += 1
    }
    let utcDate = CivilDate(daysSince1970: days)
    let (utcYear, utcMonth, utcDay) = (utcDate.year, utcDate.month, utcDate.day)
    guard (1...9999).contains(utcYear) else { throw DateTimeError("year out of range 0001–9999 in UTC") }
    utf8.removeAll(keepingCapacity: true)
    func append(_ value: Int, width: Int) {
      var digits = [UInt8](repeating: 0x30, count: width)
      var rest = value
      for position in stride(from: width - 1, through: 0, by: -1) {
        digits[position] = UInt8(0x30 + rest % 10)
        rest /= 10
      }
      utf8.append(contentsOf: digits)
    }
    append(utcYear, width: 4)
    utf8.append(UInt8(ascii: "-"))
    append(utcMonth, width: 2)
    utf8.append(UInt8(ascii: "-"))
    append(utcDay, width: 2)
    utf8.append(UInt8(ascii: "T"))
    append(minutes / 60, width: 2)
    utf8.append(UInt8(ascii: ":"))
    append(minutes % 60, width: 2)
    utf8.append(UInt8(ascii: ":"))
    append(second, width: 2)
    if !fraction.isEmpty {
      utf8.append(UInt8(ascii: "."))
      utf8.append(contentsOf: fraction)
    }
    utf8.append(UInt8(ascii: "Z"))
    canonical = String(decoding: utf8, as: UTF8.self)
  }
}

/// Why a text is not an acceptable date-time.
public struct DateTimeError: Error, Sendable, Equatable {
  public let reason: String
  init(_ reason: String) { self.reason = reason }
}
