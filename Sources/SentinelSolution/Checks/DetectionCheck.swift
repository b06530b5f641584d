import Findings
import Foundation

/// Check 10: analytic rules, hunting queries and parsers, with the rules of Azure-Sentinel's
/// detection-template schema tests: required fields, GUID ids unique across all content,
/// lengths and ranges, durations 5m–14d with period ≥ frequency, tactics and technique ids,
/// entity mappings, `requiredDataConnectors` naming our connector and table, ASCII only.
enum DetectionCheck {
  static let tactics: Set<String> = [
    "Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution", "Persistence", "PrivilegeEscalation",
    "DefenseEvasion", "CredentialAccess", "Discovery", "LateralMovement", "Collection", "CommandAndControl",
    "Exfiltration", "Impact", "ImpairProcessControl", "InhibitResponseFunction", "PreAttack",
  ]
  static let guid = try! NSRegularExpression(pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
  static let technique = try! NSRegularExpression(pattern: "^T\\d{4}(\\.\\d{3})?$")

  static func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
    regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
  }

  static func run(_ context: CheckContext) -> [CheckFailure] {
    var sink = FailureSink(.detections)
    var ids: [String: String] = [:]
    let source = context.source
    func checkId(_ document: SourceDocument) {
      guard let id = document.json["id"]?.stringValue, matches(guid, id) else {
        sink.fail(document.file, "$.id", "must be a GUID")
        return
      }
      if let other = ids[id.lowercased()] {
        sink.fail(document.file, "$.id", "\(id) is also the id of \(other): every content item needs its own GUID")
      }
      ids[id.lowercased()] = document.file
    }
    for document in source.analyticRules + source.huntingQueries + source.parsers {
      checkId(document)
      for (path, text) in SolutionValidatorCheck.flatten(document.json, path: "$") where !text.unicodeScalars.allSatisfy(\.isASCII) {
        sink.fail(document.file, path, "contains non-ASCII characters")
      }
    }
    for rule in source.analyticRules { checkRule(rule, context: context, sink: &sink) }
    for query in source.huntingQueries {
      for key in ["name", "description", "query", "version"] where (query.json[key]?.stringValue ?? "").isEmpty {
        sink.fail(query.file, "$.\(key)", "missing")
      }
      for key in ["tactics", "relevantTechniques"] where (query.json[key]?.arrayValue ?? []).isEmpty {
        sink.fail(query.file, "$.\(key)", "missing (hunting queries list their tactics and techniques)")
      }
      checkTechniqueTactics(query, sink: &sink)
      checkCommon(query, context: context, sink: &sink)
    }
    for parser in source.parsers {
      for key in ["FunctionName", "FunctionAlias", "FunctionQuery", "Category"] where (parser.json[key]?.stringValue ?? "").isEmpty {
        sink.fail(parser.file, "$.\(key)", "missing")
      }
      for key in ["Title", "Version", "LastUpdated"] where (parser.json["Function"]?[key]?.stringValue ?? "").isEmpty {
        sink.fail(parser.file, "$.Function.\(key)", "missing")
      }
    }
    return sink.failures
  }

  /// Minutes in a `5m` / `1h` / `14d` duration.
  static func minutes(_ text: String?) -> Int? {
    guard let text, let unit = text.last, let amount = Int(text.dropLast()) else { return nil }
    switch unit {
    case "m": return amount
    case "h": return amount * 60
    case "d": return amount * 1440
    default: return nil
    }
  }

  private static func checkRule(_ rule: SourceDocument, context: CheckContext, sink: inout FailureSink) {
    let json = rule.json
    let file = rule.file
    if (json["name"]?.stringValue ?? "").isEmpty || (json["name"]?.stringValue?.count ?? 0) > 256 {
      sink.fail(file, "$.name", "required, at most 256 characters")
    }
    if (json["description"]?.stringValue ?? "").isEmpty || (json["description"]?.stringValue?.count ?? 0) > 5000 {
      sink.fail(file, "$.description", "required, at most 5000 characters")
    }
    if !["Informational", "Low", "Medium", "High"].contains(json["severity"]?.stringValue ?? "") {
      sink.fail(file, "$.severity", "must be Informational, Low, Medium or High")
    }
    if !["Scheduled", "NRT"].contains(json["kind"]?.stringValue ?? "") { sink.fail(file, "$.kind", "must be Scheduled or NRT") }
    if (json["query"]?.stringValue ?? "").isEmpty || (json["query"]?.stringValue?.count ?? 0) > 10000 {
      sink.fail(file, "$.query", "required, at most 10000 characters")
    }
    if (json["version"]?.stringValue ?? "").range(of: "^\\d+\\.\\d+\\.\\d+$", options: .regularExpression) == nil {
      sink.fail(file, "$.version", "must be a x.y.z version")
    }
    if json["kind"]?.stringValue == "Scheduled" {
      let frequency = minutes(json["queryFrequency"]?.stringValue)
      let period = minutes(json["queryPeriod"]?.stringValue)
      for (key, value) in [("queryFrequency", frequency), ("queryPeriod", period)] where value.map({ !(5...20160).contains($0) }) ?? true {
        sink.fail(file, "$.\(key)", "must be a duration from 5m to 14d (like 1h, 1d)")
      }
      if let frequency, let period, period < frequency { sink.fail(file, "$.queryPeriod", "must be at least queryFrequency") }
      if ContentTemplates.triggerOperators[json["triggerOperator"]?.stringValue ?? ""] == nil {
        sink.fail(file, "$.triggerOperator", "must be gt, lt, eq or ne")
      }
      if json["triggerThreshold"]?.doubleValue.map({ !(0...10000).contains($0) }) ?? true {
        sink.fail(file, "$.triggerThreshold", "must be a number from 0 to 10000")
      }
    }
    let mappings = json["entityMappings"]?.arrayValue ?? []
    if mappings.count > 5 { sink.fail(file, "$.entityMappings", "at most 5 entity mappings") }
    for (i, mapping) in mappings.enumerated() {
      let fields = mapping["fieldMappings"]?.arrayValue ?? []
      if !(1...3).contains(fields.count) { sink.fail(file, "$.entityMappings[\(i)].fieldMappings", "needs 1 to 3 field mappings") }
      if (mapping["entityType"]?.stringValue ?? "").isEmpty { sink.fail(file, "$.entityMappings[\(i)].entityType", "missing") }
    }
    if (json["customDetails"]?.objectValue?.count ?? 0) > 20 { sink.fail(file, "$.customDetails", "at most 20 custom details") }
    checkSchemaDetails(rule, sink: &sink)
    checkCommon(rule, context: context, sink: &sink)
  }

  private static func checkCommon(_ document: SourceDocument, context: CheckContext, sink: inout FailureSink) {
    let json = document.json
    let file = document.file
    let tables = Set(context.source.tables.compactMap { $0.json["name"]?.stringValue })
    let connectors = json["requiredDataConnectors"]?.arrayValue ?? []
    if connectors.isEmpty { sink.fail(file, "$.requiredDataConnectors", "must name the \(context.source.connectorId) connector") }
    for (i, connector) in connectors.enumerated() {
      sink.expect(
        connector["connectorId"]?.stringValue, equals: context.source.connectorId, file,
        "$.requiredDataConnectors[\(i)].connectorId", "connectorId (the definition's connectorUiConfig.id)")
      for (j, type) in (connector["dataTypes"]?.arrayValue ?? []).enumerated() where !tables.contains(type.stringValue ?? "") {
        sink.fail(file, "$.requiredDataConnectors[\(i)].dataTypes[\(j)]", "\(CanonicalJSONWriter.text(type)) is not a table of this solution")
      }
    }
    for (i, tactic) in (json["tactics"]?.arrayValue ?? []).enumerated() where !tactics.contains(tactic.stringValue ?? "") {
      sink.fail(file, "$.tactics[\(i)]", "\(CanonicalJSONWriter.text(tactic)) is not a MITRE ATT&CK tactic name")
    }
    for (i, item) in (json["relevantTechniques"]?.arrayValue ?? []).enumerated() where !matches(technique, item.stringValue ?? "") {
      sink.fail(file, "$.relevantTechniques[\(i)]", "\(CanonicalJSONWriter.text(item)) is not a technique id like T1190 or T1190.001")
    }
    if !(json["relevantTechniques"]?.arrayValue ?? []).isEmpty && (json["tactics"]?.arrayValue ?? []).isEmpty {
      sink.fail(file, "$.tactics", "techniques are listed, so their tactics must be too")
    }
  }
}
