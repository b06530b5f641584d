import Findings
import Foundation

/// One place where a document does not match its schema.
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
  /// JSON path in the document, e.g. `$.resources[2].properties.kind`.
  public let path: String
  public let message: String
  public var description: String { "\(path): \(message)" }
}

/// A small JSON Schema validator covering the keywords our vendored schemas use:
/// `type` (string or array), `enum`, `const`, `properties`, `required`, `additionalProperties`
/// (bool or schema), `patternProperties`, `items` (schema or tuple array), `additionalItems`,
/// `minItems`/`maxItems`, `uniqueItems`, `minLength`/`maxLength`, `pattern`,
/// `minimum`/`maximum`, `allOf`/`anyOf`/`oneOf`/`not`, `dependencies` (array form) and `$ref`
/// to `#/...` pointers, to another registered document, or to a registered document's
/// pointer. `format`, `$schema`, `id`, `title`, `description` and `default` are ignored.
/// Unknown keywords are ignored too, as the JSON Schema specification says.
public struct JSONSchemaValidator: Sendable {
  /// Documents by URI (without fragment), e.g. the common definitions URL mapped to a local copy.
  private let documents: [String: JSONValue]

  /// - Parameter documents: every schema a `$ref` may name, keyed by its URI without `#...`.
  public init(documents: [String: JSONValue]) {
    self.documents = documents
  }

  /// Validates `instance` against the schema at `uri` + `pointer` (e.g. `#/definitions/X`).
  public func validate(_ instance: JSONValue, against uri: String, pointer: String = "#", at path: String = "$") -> [SchemaViolation] {
    guard let (schema, base) = resolve(uri + pointer, base: uri) else {
      return [SchemaViolation(path: path, message: "schema \(uri)\(pointer) not found")]
    }
    var out: [SchemaViolation] = []
    check(instance, schema, base: base, path: path, into: &out, depth: 0)
    return out
  }

  private func resolve(_ ref: String, base: String) -> (JSONValue, String)? {
    let parts = ref.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
    let docURI = parts[0].isEmpty ? base : String(parts[0])
    guard var node = documents[docURI] else { return nil }
    let fragment = parts.count > 1 ? String(parts[1]) : ""
    for raw in fragment.split(separator: "/") {
      let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
      if let index = Int(token), let item = node[index] {
        node = item
      } else if let member = node[token] {
        node = member
      } else {
        return nil
      }
    }
    return (node, docURI)
  }

  private func matchesType(_ value: JSONValue, _ type: String) -> Bool {
    let actual = value.typeName
    return actual == type || (type == "number" && actual == "integer")
  }

  private func check(_ value: JSONValue, _ schema: JSONValue, base: String, path: String, into out: inout [SchemaViolation], depth: Int) {
    guard depth < 200 else {
      out.append(.init(path: path, message: "schema recursion too deep"))
      return
    }
    if case .bool(let allowed) = schema {
      if !allowed { out.append(.init(path: path, message: "not allowed here")) }
      return
    }
    if let ref = schema["$ref"]?.stringValue {
      guard let (target, targetBase) = resolve(ref, base: base) else {
        out.append(.init(path: path, message: "unresolvable $ref \(ref)"))
        return
      }
      check(value, target, base: targetBase, path: path, into: &out, depth: depth + 1)
      return  // draft-04: siblings of $ref are ignored
    }
    if let type = schema["type"] {
      let types = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue].compactMap { $0 }
      if !types.contains(where: { matchesType(value, $0) }) {
        out.append(.init(path: path, message: "expected \(types.joined(separator: " or ")), found \(value.typeName)"))
        return
      }
    }
    if let options = schema["enum"]?.arrayValue, !options.contains(where: { $0.isEquivalent(to: value) }) {
      let shown = options.prefix(12).map { CanonicalJSONWriter.text($0) }.joined(separator: ", ")
      out.append(.init(path: path, message: "\(CanonicalJSONWriter.text(value)) is not one of [\(shown)\(options.count > 12 ? ", …" : "")]"))
    }
    if let constant = schema["const"], !constant.isEquivalent(to: value) {
      out.append(.init(path: path, message: "must equal \(CanonicalJSONWriter.text(constant))"))
    }
    checkCombinators(value, schema, base: base, path: path, into: &out, depth: depth)
    switch value {
    case .string(let text): checkString(text, schema, path: path, into: &out)
    case .number(let literal): checkNumber(Double(literal) ?? .nan, schema, path: path, into: &out)
    case .array(let items): checkArray(items, schema, base: base, path: path, into: &out, depth: depth)
    case .object(let members): checkObject(members, schema, base: base, path: path, into: &out, depth: depth)
    default: break
    }
  }

  private func checkCombinators(_ value: JSONValue, _ schema: JSONValue, base: String, path: String, into out: inout [SchemaViolation], depth: Int) {
    for sub in schema["allOf"]?.arrayValue ?? [] {
      check(value, sub, base: base, path: path, into: &out, depth: depth + 1)
    }
    func failures(_ sub: JSONValue) -> [SchemaViolation] {
      var local: [SchemaViolation] = []
      check(value, sub, base: base, path: path, into: &local, depth: depth + 1)
      return local
    }
    if let anyOf = schema["anyOf"]?.arrayValue {
      let results = anyOf.map(failures)
      if !results.contains(where: \.isEmpty) {
        out.append(.init(path: path, message: "matches none of anyOf: " + closest(results)))
      }
    }
    if let oneOf = schema["oneOf"]?.arrayValue {
      let results = oneOf.map(failures)
      let passing = results.filter(\.isEmpty).count
      if passing == 0 {
        out.append(.init(path: path, message: "matches none of oneOf: " + closest(results)))
      } else if passing > 1 {
        out.append(.init(path: path, message: "matches \(passing) alternatives of oneOf, expected exactly one"))
      }
    }
    if let not = schema["not"], failures(not).isEmpty {
      out.append(.init(path: path, message: "must not match the schema under `not`"))
    }
  }

  /// The most specific failure among alternatives: the one that got deepest into the document.
  private func closest(_ results: [[SchemaViolation]]) -> String {
    let best =
      results.max { a, b in
        (a.map(\.path.count).max() ?? 0, -a.count) < (b.map(\.path.count).max() ?? 0, -b.count)
      } ?? []
    return best.prefix(3).map(\.description).joined(separator: "; ")
  }

  private func checkString(_ text: String, _ schema: JSONValue, path: String, into out: inout [SchemaViolation]) {
    let length = text.unicodeScalars.count
    if let min = schema["minLength"]?.doubleValue, Double(length) < min {
      out.append(.init(path: path, message: "shorter than minLength \(Int(min))"))
    }
    if let max = schema["maxLength"]?.doubleValue, Double(length) > max {
      out.append(.init(path: path, message: "longer than maxLength \(Int(max))"))
    }
    if let pattern = schema["pattern"]?.stringValue {
      if let regex = try? NSRegularExpression(pattern: pattern) {
        if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
          out.append(.init(path: path, message: "does not match pattern \(pattern)"))
        }
      } else {
        out.append(.init(path: path, message: "schema pattern \(pattern) is not a regular expression this validator can run"))
      }
    }
  }

  private func checkNumber(_ number: Double, _ schema: JSONValue, path: String, into out: inout [SchemaViolation]) {
    if let min = schema["minimum"]?.doubleValue, number < min { out.append(.init(path: path, message: "below minimum \(min)")) }
    if let max = schema["maximum"]?.doubleValue, number > max { out.append(.init(path: path, message: "above maximum \(max)")) }
  }

  private func checkArray(_ items: [JSONValue], _ schema: JSONValue, base: String, path: String, into out: inout [SchemaViolation], depth: Int) {
    if let min = schema["minItems"]?.doubleValue, Double(items.count) < min { out.append(.init(path: path, message: "fewer than \(Int(min)) items")) }
    if let max = schema["maxItems"]?.doubleValue, Double(items.count) > max { out.append(.init(path: path, message: "more than \(Int(max)) items")) }
    if schema["uniqueItems"]?.boolValue == true {
      for i in items.indices where items[..<i].contains(where: { $0.isEquivalent(to: items[i]) }) {
        out.append(.init(path: "\(path)[\(i)]", message: "duplicate item"))
      }
    }
    if let tuple = schema["items"]?.arrayValue {
      for (i, item) in items.enumerated() {
        if i < tuple.count {
          check(item, tuple[i], base: base, path: "\(path)[\(i)]", into: &out, depth: depth + 1)
        } else if let extra = schema["additionalItems"] {
          check(item, extra, base: base, path: "\(path)[\(i)]", into: &out, depth: depth + 1)
        }
      }
    } else if let itemSchema = schema["items"] {
      for (i, item) in items.enumerated() {
        check(item, itemSchema, base: base, path: "\(path)[\(i)]", into: &out, depth: depth + 1)
      }
    }
  }

  private func checkObject(_ members: [JSONMember], _ schema: JSONValue, base: String, path: String, into out: inout [SchemaViolation], depth: Int) {
    let keys = Set(members.map(\.name))
    for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !keys.contains(name) {
      out.append(.init(path: path, message: "missing required property \"\(name)\""))
    }
    for dependency in schema["dependencies"]?.objectValue ?? [] where keys.contains(dependency.name) {
      let key = dependency.name
      for needed in dependency.value.arrayValue?.compactMap(\.stringValue) ?? [] where !keys.contains(needed) {
        out.append(.init(path: path, message: "property \"\(key)\" requires \"\(needed)\""))
      }
    }
    let properties = schema["properties"]
    let patterns = (schema["patternProperties"]?.objectValue ?? []).compactMap { entry in
      (try? NSRegularExpression(pattern: entry.name)).map { ($0, entry.value) }
    }
    for (key, member) in members.map({ ($0.name, $0.value) }) {
      let memberPath = key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) ? "\(path).\(key)" : "\(path)[\"\(key)\"]"
      var matched = false
      if let sub = properties?[key] {
        matched = true
        check(member, sub, base: base, path: memberPath, into: &out, depth: depth + 1)
      }
      for (regex, sub) in patterns where regex.firstMatch(in: key, range: NSRange(key.startIndex..., in: key)) != nil {
        matched = true
        check(member, sub, base: base, path: memberPath, into: &out, depth: depth + 1)
      }
      if !matched, let additional = schema["additionalProperties"] {
        if additional == .bool(false) {
          out.append(.init(path: memberPath, message: "property not allowed by the schema"))
        } else {
          check(member, additional, base: base, path: memberPath, into: &out, depth: depth + 1)
        }
      }
    }
  }
}
