import Findings

/// Decides which rejected records are printed: the first ``limit`` in full, then only a count,
/// so 500,000 bad records give 100 error lines and one summary, not 1.5 million lines.
public struct RejectionLimiter: Sendable {
  public let limit: Int
  /// Records rejected so far.
  public private(set) var rejected = 0

  public init(limit: Int = 100) {
    self.limit = limit
  }

  /// The lines to print for one rejected record (empty once past the limit).
  public mutating func lines(location: RecordLocation, errors: [FieldError]) -> [String] {
    rejected += 1
    guard rejected <= limit else { return [] }
    return errors.map { "\(location): \($0)" }
  }

  /// "… and 499,900 more rejected records; see --rejects FILE", or nil when all were printed.
  public func summary(rejectsPath: String?) -> String? {
    guard rejected > limit else { return nil }
    let more = rejected - limit
    let pointer = rejectsPath.map { "see --rejects \($0)" } ?? "rerun with --rejects FILE to keep them all with their reasons"
    return "… and \(Self.grouped(more)) more rejected record\(more == 1 ? "" : "s") (only the first \(limit) are shown); \(pointer)"
  }

  /// 499900 → "499,900".
  static func grouped(_ n: Int) -> String {
    let digits = Array(String(n))
    var out = ""
    for (i, d) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(d)
    }
    return out
  }
}
