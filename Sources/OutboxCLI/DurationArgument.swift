import ArgumentParser

/// The one duration grammar of every option: a whole number and a unit, `500ms`, `30s`, `15m`,
/// `2h`, `7d`, `2w` (a bare number is seconds). Help shows defaults the same way (`30s`).
struct DurationArgument: Sendable, Equatable, Comparable, CustomStringConvertible {
  let millis: Int64

  private static let units: [(suffix: String, millis: Int64)] = [
    ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000),
  ]

  init(millis: Int64) { self.millis = millis }

  init?(_ text: String) {
    let digits = text.prefix { $0.isASCII && $0.isNumber }
    let suffix = text.dropFirst(digits.count)
    guard !digits.isEmpty, digits.count <= 12, let number = Int64(digits) else { return nil }
    let multiplier = suffix.isEmpty ? 1_000 : Self.units.first { $0.suffix == suffix }?.millis
    guard let multiplier else { return nil }
    millis = number * multiplier
  }

  /// Whole seconds (rounded down).
  var seconds: Int64 { millis / 1_000 }

  /// The largest unit up to days that divides it: `30s`, `5m`, `7d`, `250ms`.
  var description: String {
    guard millis > 0 else { return "0s" }
    let unit = Self.units.dropLast().last { millis % $0.millis == 0 } ?? Self.units[0]
    return "\(millis / unit.millis)\(unit.suffix)"
  }

  static func < (lhs: Self, rhs: Self) -> Bool { lhs.millis < rhs.millis }
}

extension DurationArgument: ExpressibleByArgument {
  init?(argument: String) { self.init(argument) }

  var defaultValueDescription: String { description }
}
