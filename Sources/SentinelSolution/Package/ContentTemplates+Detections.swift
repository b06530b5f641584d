import Findings

extension ContentTemplates {
  /// `1h` → `PT1H`, `14d` → `P14D`, `5m` → `PT5M` (the rule YAML's durations as ARM wants them).
  static func isoDuration(_ text: String) -> String? {
    guard let unit = text.last, let amount = Int(text.dropLast()), amount > 0 else { return nil }
    switch unit {
    case "m": return "PT\(amount)M"
    case "h": return "PT\(amount)H"
    case "d": return "P\(amount)D"
    default: return nil
    }
  }

  static let triggerOperators = ["gt": "GreaterThan", "lt": "LessThan", "eq": "Equal", "ne": "NotEqual"]

  func analyticRule(_ yaml: JSONValue, index n: Int) -> ContentPart {
    let id = yaml["id"]?.stringValue ?? ""
    let version = yaml["version"]?.stringValue ?? "1.0.0"
    let object = "variables('analyticRuleObject\(n)')"
    let name = yaml["name"]?.stringValue ?? ""
    var properties: [(String, JSONValue)] = [
      ("description", .string((yaml["description"]?.stringValue ?? "").trimmingQuotes)),
      ("displayName", .string(name)), ("enabled", false), ("query", yaml["query"] ?? ""),
      ("queryFrequency", .string(Self.isoDuration(yaml["queryFrequency"]?.stringValue ?? "") ?? "")),
      ("queryPeriod", .string(Self.isoDuration(yaml["queryPeriod"]?.stringValue ?? "") ?? "")),
      ("severity", yaml["severity"] ?? ""), ("suppressionDuration", "PT1H"), ("suppressionEnabled", false),
      ("triggerOperator", .string(Self.triggerOperators[yaml["triggerOperator"]?.stringValue ?? ""] ?? "")),
      ("triggerThreshold", yaml["triggerThreshold"] ?? 0), ("status", yaml["status"] ?? "Available"),
      ("requiredDataConnectors", yaml["requiredDataConnectors"] ?? []), ("tactics", yaml["tactics"] ?? []),
      ("techniques", yaml["relevantTechniques"] ?? []),
    ]
    for key in ["entityMappings", "customDetails", "alertDetailsOverride", "eventGroupingSettings"] {
      if let value = yaml[key] { properties.append((key, value)) }
    }
    let rule: JSONValue = [
      "type": "Microsoft.SecurityInsights/AlertRuleTemplates", "name": .string("[\(object)._analyticRulecontentId\(n)]"),
      "apiVersion": "2023-02-01-preview", "kind": yaml["kind"] ?? "Scheduled", "location": TemplateContext.location,
      "properties": .object(pairs: properties),
    ]
    let metadata = context.metadata(
      name: .string("[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat('AnalyticsRule-', last(split(\(object).analyticRuleId\(n),'/'))))]"),
      parentId: .string("[\(object).analyticRuleId\(n)]"), contentId: .string("[\(object)._analyticRulecontentId\(n)]"),
      kind: "AnalyticsRule", version: .string("[\(object).analyticRuleVersion\(n)]"), description: "\(context.name) Analytics Rule \(n)")
    var part = ContentPart()
    part.variables = [
      (
        "analyticRuleObject\(n)",
        [
          "analyticRuleVersion\(n)": .string(version), "_analyticRulecontentId\(n)": .string(id),
          "analyticRuleId\(n)": .string("[resourceId('Microsoft.SecurityInsights/AlertRuleTemplates', '\(id)')]"),
          "analyticRuleTemplateSpecName\(n)": .string(
            "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat(parameters('workspace'),'-ar-',uniquestring('\(id)')))]"),
          "_analyticRulecontentProductId\(n)": context.productId(abbreviation: "ar", kind: "AnalyticsRule", contentId: "'\(id)'", version: "'\(version)'"),
        ]
      )
    ]
    part.resources = [
      context.contentTemplate(
        name: .string("[\(object).analyticRuleTemplateSpecName\(n)]"), contentId: .string("[\(object)._analyticRulecontentId\(n)]"),
        displayName: name, kind: "AnalyticsRule", description: "\(context.name) Analytics Rule \(n) with template version \(context.version)",
        contentVersion: .string("[\(object).analyticRuleVersion\(n)]"), resources: [rule, metadata],
        productId: .string("[\(object)._analyticRulecontentProductId\(n)]"), version: .string("[\(object).analyticRuleVersion\(n)]"))
    ]
    part.criterion = [
      "kind": "AnalyticsRule", "contentId": .string("[\(object)._analyticRulecontentId\(n)]"), "version": .string("[\(object).analyticRuleVersion\(n)]"),
    ]
    return part
  }

  func huntingQuery(_ yaml: JSONValue, index n: Int) -> ContentPart {
    let id = yaml["id"]?.stringValue ?? ""
    let version = yaml["version"]?.stringValue ?? "1.0.0"
    let object = "variables('huntingQueryObject\(n)')"
    let name = yaml["name"]?.stringValue ?? ""
    let joined = { (key: String) -> String in (yaml[key]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",") }
    let savedSearch: JSONValue = [
      "type": "Microsoft.OperationalInsights/savedSearches", "apiVersion": "2022-10-01",
      "name": .string("\(context.name)_Hunting_Query_\(n)"), "location": TemplateContext.location,
      "properties": [
        "eTag": "*", "displayName": .string(name), "category": "Hunting Queries", "query": yaml["query"] ?? "", "version": 2,
        "tags": [
          ["name": "description", "value": .string((yaml["description"]?.stringValue ?? "").trimmingQuotes)],
          ["name": "tactics", "value": .string(joined("tactics"))],
          ["name": "techniques", "value": .string(joined("relevantTechniques"))],
        ],
      ],
    ]
    let metadata = context.metadata(
      name: .string(
        "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat('HuntingQuery-', last(split(resourceId('Microsoft.OperationalInsights/savedSearches', \(object)._huntingQuerycontentId\(n)),'/'))))]"
      ),
      parentId: .string("[resourceId('Microsoft.OperationalInsights/savedSearches', \(object)._huntingQuerycontentId\(n))]"),
      contentId: .string("[\(object)._huntingQuerycontentId\(n)]"), kind: "HuntingQuery",
      version: .string("[\(object).huntingQueryVersion\(n)]"), description: "\(context.name) Hunting Query \(n)")
    var part = ContentPart()
    part.variables = [
      (
        "huntingQueryObject\(n)",
        [
          "huntingQueryVersion\(n)": .string(version), "_huntingQuerycontentId\(n)": .string(id),
          "huntingQueryTemplateSpecName\(n)": .string(
            "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat(parameters('workspace'),'-hq-',uniquestring('\(id)')))]"),
          "_huntingQuerycontentProductId\(n)": context.productId(abbreviation: "hq", kind: "HuntingQuery", contentId: "'\(id)'", version: "'\(version)'"),
        ]
      )
    ]
    part.resources = [
      context.contentTemplate(
        name: .string("[\(object).huntingQueryTemplateSpecName\(n)]"), contentId: .string("[\(object)._huntingQuerycontentId\(n)]"),
        displayName: name, kind: "HuntingQuery", description: "\(context.name) Hunting Query \(n) with template version \(context.version)",
        contentVersion: .string("[\(object).huntingQueryVersion\(n)]"), resources: [savedSearch, metadata],
        productId: .string("[\(object)._huntingQuerycontentProductId\(n)]"), version: .string("[\(object).huntingQueryVersion\(n)]"))
    ]
    part.criterion = [
      "kind": "HuntingQuery", "contentId": .string("[\(object)._huntingQuerycontentId\(n)]"), "version": .string("[\(object).huntingQueryVersion\(n)]"),
    ]
    return part
  }
}

extension String {
  /// The text without a trailing newline and without the `'...'` quoting rule YAML often uses.
  var trimmingQuotes: String {
    var text = self
    while text.hasSuffix("\n") { text.removeLast() }
    if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") { text = String(text.dropFirst().dropLast()) }
    return text
  }
}
