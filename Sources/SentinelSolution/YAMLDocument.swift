import Findings
import Yams

/// Reads a YAML content file (rule, hunting query, parser) into a `JSONValue`, keeping key order.
enum YAMLDocument {
  /// - Throws: `SourceError` naming the file and line when the text is not YAML or uses
  ///   features with no JSON equivalent (anchors are resolved; non-string keys are refused).
  static func parse(_ text: String, file: String) throws(SourceError) -> JSONValue {
    let node: Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch {
      throw SourceError(file: file, path: "$", message: "invalid YAML: \(error)")
    }
    guard let node else { throw SourceError(file: file, path: "$", message: "empty YAML document") }
    return try convert(node, file: file, path: "$")
  }

  private static func convert(_ node: Node, file: String, path: String) throws(SourceError) -> JSONValue {
    switch node {
    case .scalar(let scalar):
      switch node.tag.description {
      case Tag.Name.null.rawValue: return .null
      case Tag.Name.bool.rawValue: return .bool(node.bool ?? false)
      case Tag.Name.int.rawValue: return node.int.map { .number(String($0)) } ?? .string(scalar.string)
      case Tag.Name.float.rawValue: return node.float.map { .number(String($0)) } ?? .string(scalar.string)
      default: return .string(scalar.string)
      }
    case .sequence(let sequence):
      var items: [JSONValue] = []
      for (index, item) in sequence.enumerated() {
        items.append(try convert(item, file: file, path: "\(path)[\(index)]"))
      }
      return .array(items)
    case .mapping(let mapping):
      var members: [JSONMember] = []
      for (key, value) in mapping {
        guard case .scalar(let keyScalar) = key else {
          throw SourceError(file: file, path: path, message: "line \(key.mark?.line ?? 0): mapping keys must be strings")
        }
        let name = keyScalar.string
        guard !members.contains(where: { $0.name == name }) else {
          throw SourceError(file: file, path: "\(path).\(name)", message: "line \(key.mark?.line ?? 0): duplicate key")
        }
        members.append(JSONMember(name: name, value: try convert(value, file: file, path: "\(path).\(name)")))
      }
      return .object(members)
    }
  }
}
