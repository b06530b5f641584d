import Findings
import Foundation

/// What Azure-Sentinel's KQL validation needs to compile queries over a custom table and
/// parser: `CustomTables/<Table>.json` (`Name`, `Properties[{Name, Type}]`) and
/// `CustomFunctions/<Function>.json` (`FunctionName`, `FunctionParameters`,
/// `FunctionResultColumns[{Name, Type}]`), with Kusto's type names.
public struct KQLRegistrations: Sendable {
  /// One registration file's name (without `.json`) and content.
  public struct Entry: Sendable {
    public let name: String
    public let json: JSONValue
  }

  public let tables: [Entry]
  public let functions: [Entry]
  /// Parser columns whose type could not be worked out (reported by `connector check`).
  public let unresolved: [(file: String, column: String)]

  /// Table column type → the Kusto type name the KQL tests use.
  static let kustoTypes: [String: String] = [
    "string": "String", "datetime": "DateTime", "real": "Double", "boolean": "Boolean", "bool": "Boolean",
    "int": "Int32", "long": "Int64", "dynamic": "Dynamic", "guid": "Guid",
  ]

  public init(source: SolutionSource) {
    var columnTypes: [String: String] = [:]
    tables = source.tables.map { table in
      let name = table.json["name"]?.stringValue ?? ""
      let columns = table.json["properties"]?["schema"]?["columns"]?.arrayValue ?? []
      let properties: [JSONValue] = columns.map { column in
        let type = (column["type"]?.stringValue ?? "").lowercased()
        columnTypes[column["name"]?.stringValue ?? ""] = type
        return .object(pairs: [("Name", column["name"] ?? ""), ("Type", .string(Self.kustoTypes[type] ?? type))])
      }
      return Entry(name: name, json: .object(pairs: [("Name", .string(name)), ("Properties", .array(properties))]))
    }
    var unresolved: [(file: String, column: String)] = []
    functions = source.parsers.map { parser in
      let name = parser.json["FunctionName"]?.stringValue ?? ""
      let query = parser.json["FunctionQuery"]?.stringValue ?? ""
      let columns: [JSONValue] = Self.resultColumns(query).map { column in
        let type = Self.type(of: column, in: query, tableTypes: columnTypes)
        if type == nil { unresolved.append((parser.file, column)) }
        return .object(pairs: [("Name", .string(column)), ("Type", .string(type.map { Self.kustoTypes[$0] ?? $0 } ?? "?"))])
      }
      return Entry(
        name: name,
        json: .object(pairs: [
          ("FunctionName", .string(name)), ("FunctionParameters", []), ("FunctionResultColumns", .array(columns)),
        ]))
    }
    self.unresolved = unresolved
  }

  /// The columns of the query's last `| project` (the parser's result schema).
  static func resultColumns(_ query: String) -> [String] {
    guard let range = query.range(of: "| project ", options: .backwards) else { return [] }
    return query[range.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
      .filter { !$0.isEmpty }
  }

  /// A table column's type, or the type of `column = expression` assigned in the query (a
  /// table column copied, or `datetime_diff`, which gives a long).
  static func type(of column: String, in query: String, tableTypes: [String: String]) -> String? {
    if let type = tableTypes[column] { return type }
    guard let range = query.range(of: "\(column) = ") else { return nil }
    let expression = query[range.upperBound...].prefix { $0 != "," && $0 != "\n" }.trimmingCharacters(in: .whitespaces)
    if expression.hasPrefix("datetime_diff(") { return "long" }
    return tableTypes[expression]
  }
}

/// Adds this solution's entries to a repository-wide list file, leaving every other line as it
/// is (those files are hand-edited and not always strict JSON), so the diff is only ours.
enum SharedList {
  /// A JSON array of strings (`ValidConnectorIds.json`) with `strings` present.
  static func addingStrings(_ strings: [String], to existing: Data?) -> Data {
    guard let existing, var text = String(data: existing, encoding: .utf8), let close = text.lastIndex(of: "]") else {
      return Data(JSONWriter.pretty(.array(strings.map { .string($0) })).utf8)
    }
    let missing = strings.filter { !text.contains("\"\($0)\"") }
    guard !missing.isEmpty else { return existing }
    text.insert(contentsOf: missing.map { ",\n\"\($0)\"" }.joined() + "\n", at: close)
    return Data(text.replacingOccurrences(of: "\n\n]", with: "\n]").utf8)
  }

  /// A JSON array of objects (`WorkbooksMetadata.json`) with `entries` appended unless an
  /// object with the same `key` value is already there.
  static func replacingEntries(_ entries: [JSONValue], key: String, in existing: Data?) -> Data {
    guard let existing, var text = String(data: existing, encoding: .utf8), let close = text.lastIndex(of: "]") else {
      return Data(JSONWriter.pretty(.array(entries)).utf8)
    }
    let missing = entries.filter { entry in
      guard let value = entry[key]?.stringValue else { return false }
      return text.range(of: "\"\(key)\":\\s*\"\(NSRegularExpression.escapedPattern(for: value))\"", options: .regularExpression) == nil
    }
    guard !missing.isEmpty else { return existing }
    let body = missing.map { entry in
      JSONWriter.pretty(entry).split(separator: "\n", omittingEmptySubsequences: false).map { "  \($0)" }.joined(separator: "\n")
    }
    let head = text[..<close].trimmingCharacters(in: .whitespacesAndNewlines)
    let separator = head.hasSuffix("[") ? "\n" : ",\n"
    text = head + separator + body.joined(separator: ",\n") + "\n]\n"
    return Data(text.utf8)
  }
}
