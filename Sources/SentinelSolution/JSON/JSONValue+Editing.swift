import Findings

/// What the package builder and the checks need beyond `Findings.JSONValue`: building objects
/// from ordered pairs, editing members, JSON Schema's type names and equality.
extension JSONValue {
  /// An object with these members, in this order.
  public static func object(pairs: [(String, JSONValue)]) -> JSONValue {
    .object(pairs.map { JSONMember(name: $0.0, value: $0.1) })
  }

  /// Returns a copy with the member `name` set (replaced in place, or appended).
  public func setting(_ name: String, to value: JSONValue) -> JSONValue {
    guard case .object(var members) = self else { return self }
    if let index = members.firstIndex(where: { $0.name == name }) {
      members[index] = JSONMember(name: name, value: value)
    } else {
      members.append(JSONMember(name: name, value: value))
    }
    return .object(members)
  }

  /// Returns a copy without the member `name`.
  public func removing(_ name: String) -> JSONValue {
    guard case .object(let members) = self else { return self }
    return .object(members.filter { $0.name != name })
  }

  /// The JSON Schema type name of this value (`integer` for whole numbers).
  public var typeName: String {
    switch self {
    case .null: return "null"
    case .bool: return "boolean"
    case .number(let n): return n.contains(where: { ".eE".contains($0) }) && Double(n)?.rounded() != Double(n) ? "number" : "integer"
    case .string: return "string"
    case .array: return "array"
    case .object: return "object"
    }
  }

  /// Equality as JSON Schema defines it (`enum`, `const`, `uniqueItems`): numbers by value
  /// (`1` equals `1.0`), object members regardless of order. `==` compares the text as written.
  public func isEquivalent(to other: JSONValue) -> Bool {
    switch (self, other) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.number(let a), .number(let b)): return a == b || (Double(a) != nil && Double(a) == Double(b))
    case (.string(let a), .string(let b)): return a == b
    case (.array(let a), .array(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.isEquivalent(to: $1) }
    case (.object(let a), .object(let b)):
      guard a.count == b.count else { return false }
      for member in a {
        guard let match = b.first(where: { $0.name == member.name }), match.value.isEquivalent(to: member.value) else { return false }
      }
      return true
    default: return false
    }
  }
}
