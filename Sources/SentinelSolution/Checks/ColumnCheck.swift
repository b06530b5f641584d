import Findings
import Foundation

/// Check 5: column rules for the stream and the table (names, reserved names, types,
/// TimeGenerated), stream ⇄ table type agreement, and the transform's output ⊆ table.
enum ColumnCheck {
  static let namePattern = try! NSRegularExpression(pattern: "^[A-Za-z][A-Za-z0-9_]{1,44}$")
  static let reserved: Set<String> = [
    "id", "BilledSize", "IsBillable", "InvalidTimeGenerated", "TenantId", "Title", "Type", "UniqueId",
    "_ItemId", "_ResourceGroup", "_ResourceId", "_SubscriptionId", "_TimeReceived",
  ]
  /// The forms of `TimeGenerated` the transform may assign (the emulator implements these).
  static let timeGeneratedForms = try! NSRegularExpression(pattern: "^(now\\(\\)|todatetime\\([A-Za-z][A-Za-z0-9_]*\\))$")

  private static func columns(_ value: JSONValue?) -> [(String, String)] {
    (value?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0["type"]?.stringValue ?? "") }
  }

  static func run(_ context: CheckContext) -> [CheckFailure] {
    var sink = FailureSink(.columns)
    let source = context.source
    let dcr = source.dcr
    var tableTypes: [String: ColumnType] = [:]
    for table in source.tables {
      let path = "$.properties.schema.columns"
      let cols = columns(table.json["properties"]?["schema"]?["columns"])
      check(cols, path: path, file: table.file, allowGuid: true, sink: &sink)
      for (name, type) in cols { tableTypes[name] = ColumnType(declared: type) }
      if tableTypes["TimeGenerated"] != .datetime {
        sink.fail(table.file, path, "the table needs a TimeGenerated column of type datetime")
      }
    }
    for streamDeclaration in dcr.json["properties"]?["streamDeclarations"]?.objectValue ?? [] {
      let (stream, declaration) = (streamDeclaration.name, streamDeclaration.value)
      let path = "$.properties.streamDeclarations[\"\(stream)\"].columns"
      let cols = columns(declaration["columns"])
      check(cols, path: path, file: dcr.file, allowGuid: false, sink: &sink)
      for (i, (name, type)) in cols.enumerated() {
        if let tableType = tableTypes[name], let streamType = ColumnType(declared: type), tableType != streamType,
          !(tableType == .guid && streamType == .string)
        {
          sink.fail(dcr.file, "\(path)[\(i)].type", "\(name) is \(type) in the stream but \(tableType.rawValue) in the table")
        }
      }
      for (f, flow) in (dcr.json["properties"]?["dataFlows"]?.arrayValue ?? []).enumerated()
      where flow["streams"]?.arrayValue?.contains(.string(stream)) == true {
        let flowPath = "$.properties.dataFlows[\(f)].transformKql"
        let kql = flow["transformKql"]?.stringValue ?? "source"
        do {
          let output = try TransformOutput(transform: kql, input: cols.map(\.0))
          for column in output.columns where tableTypes[column] == nil {
            sink.fail(dcr.file, flowPath, "outputs column \(column), which the table does not have")
          }
          if let expression = output.assigned["TimeGenerated"],
            timeGeneratedForms.firstMatch(in: expression, range: NSRange(expression.startIndex..., in: expression)) == nil
          {
            sink.fail(dcr.file, flowPath, "TimeGenerated = \(expression): use now() or todatetime(<column>)")
          }
        } catch {
          sink.fail(dcr.file, flowPath, error.message)
        }
      }
    }
    return sink.failures
  }

  private static func check(_ cols: [(String, String)], path: String, file: String, allowGuid: Bool, sink: inout FailureSink) {
    var seen = Set<String>()
    for (i, (name, type)) in cols.enumerated() {
      if namePattern.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) == nil {
        sink.fail(file, "\(path)[\(i)].name", "\"\(name)\": a column name is a letter, then 1–44 letters, digits or _")
      }
      if reserved.contains(name) { sink.fail(file, "\(path)[\(i)].name", "\"\(name)\" is a reserved column name") }
      if !seen.insert(name.lowercased()).inserted { sink.fail(file, "\(path)[\(i)].name", "\"\(name)\" is declared twice") }
      let parsed = ColumnType(declared: type)
      if parsed == nil || (parsed == .guid && !allowGuid) {
        let allowed = "string, int, long, real, boolean, datetime, dynamic" + (allowGuid ? ", guid" : "")
        sink.fail(file, "\(path)[\(i)].type", "\"\(type)\" is not one of \(allowed)")
      }
    }
  }
}
