/// Domain rules for cveBuster findings beyond the stream's column types.
public enum FindingRules {
  /// The largest string value the service stores whole (it truncates longer ones silently).
  public static let maximumStringBytes = 65_536

  /// CVSS scores outside this range are errors.
  public static let cvssRange = 0.0...10.0

  /// Known values of enumerated columns, in canonical spelling. Input matches case-insensitively.
  public static let knownValues: [String: [String]] = [
    "Severity": ["Critical", "High", "Medium", "Low", "Informational"],
    "Status": ["Open", "In Progress", "Patched"],
  ]

  /// The canonical spelling of `value` for an enumerated column, or nil if it is not a known value.
  static func canonicalValue(_ value: String, column: String) -> String?? {
    guard let known = knownValues[column] else { return .none }
    if known.contains(value) { return .some(value) }
    return .some(canonicalByLowercase[column]?[value.lowercased()])
  }

  /// `knownValues` keyed by lower-case spelling.
  private static let canonicalByLowercase: [String: [String: String]] = knownValues.mapValues { values in
    Dictionary(uniqueKeysWithValues: values.map { ($0.lowercased(), $0) })
  }
}
