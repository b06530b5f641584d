import Findings

/// Writes `JSONValue`s in one fixed layout (2-space indent, `"key": value`, `\n` line ends, a
/// final newline) so generated package files are byte-identical run after run. Strings and
/// scalars are written as `CanonicalJSONWriter` writes them.
public enum JSONWriter {
  /// The pretty-printed document, ending with a newline.
  public static func pretty(_ value: JSONValue) -> String {
    var out = ""
    write(value, indent: 0, into: &out)
    out += "\n"
    return out
  }

  private static func write(_ value: JSONValue, indent: Int, into out: inout String) {
    let pad = String(repeating: "  ", count: indent + 1)
    let close = String(repeating: "  ", count: indent)
    switch value {
    case .array(let items) where !items.isEmpty:
      out += "[\n"
      for (i, item) in items.enumerated() {
        out += pad
        write(item, indent: indent + 1, into: &out)
        out += i == items.count - 1 ? "\n" : ",\n"
      }
      out += close + "]"
    case .object(let members) where !members.isEmpty:
      out += "{\n"
      for (i, member) in members.enumerated() {
        out += pad + CanonicalJSONWriter.quoted(member.name) + ": "
        write(member.value, indent: indent + 1, into: &out)
        out += i == members.count - 1 ? "\n" : ",\n"
      }
      out += close + "}"
    case .array: out += "[]"
    case .object: out += "{}"
    default: out += CanonicalJSONWriter.text(value)
    }
  }
}
