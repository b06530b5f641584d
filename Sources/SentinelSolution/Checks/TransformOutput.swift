import Foundation

/// The columns a DCR `transformKql` outputs, worked out for the operators a per-record
/// transform may use that change the column set: `extend`, `project`, `project-away`,
/// `project-rename`, and `where` (no change). Anything else is reported as not understood
/// rather than guessed.
struct TransformOutput {
  /// Output column names, in order, and the expression each new column was assigned.
  private(set) var columns: [String]
  private(set) var assigned: [String: String] = [:]

  static let allowedOperators: Set<String> = [
    "extend", "project", "project-away", "project-rename", "where", "parse", "print", "datatable",
  ]
  static let understood: Set<String> = ["extend", "project", "project-away", "project-rename", "where"]

  /// - Throws: a message naming the operator or expression that could not be followed.
  init(transform: String, input: [String]) throws(SourceError) {
    columns = input
    let stages = Self.split(transform, on: "|").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    guard stages.first == "source" else {
      throw SourceError(file: "", path: "transformKql", message: "must start with `source`")
    }
    for stage in stages.dropFirst() {
      let op = String(stage.prefix { !$0.isWhitespace })
      let body = stage.dropFirst(op.count).trimmingCharacters(in: .whitespaces)
      guard Self.allowedOperators.contains(op) else {
        throw SourceError(file: "", path: "transformKql", message: "operator `\(op)` is not allowed in a DCR transformation")
      }
      guard Self.understood.contains(op) else {
        throw SourceError(
          file: "", path: "transformKql",
          message: "operator `\(op)` is allowed by Azure but not followed by this check; keep to extend/project/project-away/project-rename/where")
      }
      let items = Self.split(body, on: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
      switch op {
      case "extend", "project":
        var output = op == "extend" ? columns : []
        for item in items {
          let parts = Self.split(item, on: "=")
          let name = parts[0].trimmingCharacters(in: .whitespaces)
          if parts.count > 1 { assigned[name] = parts.dropFirst().joined(separator: "=").trimmingCharacters(in: .whitespaces) }
          if !output.contains(name) { output.append(name) }
        }
        columns = output
      case "project-away":
        columns.removeAll { items.contains($0) }
      case "project-rename":
        for item in items {
          let parts = Self.split(item, on: "=").map { $0.trimmingCharacters(in: .whitespaces) }
          guard parts.count == 2 else { throw SourceError(file: "", path: "transformKql", message: "cannot read project-rename `\(item)`") }
          columns = columns.map { $0 == parts[1] ? parts[0] : $0 }
        }
      default: break
      }
    }
  }

  /// Splits on `separator` outside quotes and brackets (`==`, `!=`, `<=`, `>=` are not `=`).
  static func split(_ text: String, on separator: Character) -> [String] {
    var parts: [String] = []
    var current = ""
    var depth = 0
    var quote: Character?
    let chars = Array(text)
    for (i, c) in chars.enumerated() {
      if let q = quote {
        current.append(c)
        if c == q { quote = nil }
        continue
      }
      switch c {
      case "\"", "'": quote = c
      case "(", "[", "{": depth += 1
      case ")", "]", "}": depth -= 1
      default: break
      }
      let isComparison = separator == "=" && (chars[safe: i + 1] == "=" || [Character("="), "!", "<", ">"].contains(chars[safe: i - 1] ?? " "))
      if c == separator, depth == 0, !isComparison {
        parts.append(current)
        current = ""
      } else {
        current.append(c)
      }
    }
    parts.append(current)
    return parts
  }
}

extension Array {
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
