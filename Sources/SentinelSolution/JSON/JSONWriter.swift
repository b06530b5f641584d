/// Writes `JSONValue`s in one fixed layout (2-space indent, `"key": value`, `\n` line ends, a
/// final newline) so generated package files are byte-identical run after run.
public enum JSONWriter {
  /// The pretty-printed document, ending with a newline.
  public static func pretty(_ value: JSONValue) -> String {
    var out = ""
    write(value, indent: 0, into: &out)
    out += "\n"
    return out
  }

  /// The compact form (no spaces), as used for a workbook's `serializedData`.
  public static func compact(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let n): return n
    case .string(let s): return quote(s)
    case .array(let items): return "[" + items.map(compact).joined(separator: ",") + "]"
    case .object(let members): return "{" + members.map { quote($0.0) + ":" + compact($0.1) }.joined(separator: ",") + "}"
    }
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
      for (i, (key, item)) in members.enumerated() {
        out += pad + quote(key) + ": "
        write(item, indent: indent + 1, into: &out)
        out += i == members.count - 1 ? "\n" : ",\n"
      }
      out += close + "}"
    case .array: out += "[]"
    case .object: out += "{}"
    default: out += compact(value)
    }
  }

  /// A JSON string literal; non-ASCII characters are written as UTF-8, controls escaped.
  public static func quote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
