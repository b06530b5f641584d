import Findings

/// What one content item adds to mainTemplate.json.
struct ContentPart {
  var variables: [(String, JSONValue)] = []
  var parameters: [(String, JSONValue)] = []
  var resources: [JSONValue] = []
  var criterion: JSONValue = nil
}

/// The contentTemplates (and top-level resources) for parsers, workbooks, analytic rules and
/// hunting queries, in the V3 packager's shape.
struct ContentTemplates {
  let context: TemplateContext
  var source: SolutionSource { context.source }

  func all() -> [ContentPart] {
    source.parsers.enumerated().map { parser($0.element, index: $0.offset + 1) }
      + source.workbooks.enumerated().map { workbook($0.element, index: $0.offset + 1) }
      + source.analyticRules.enumerated().map { analyticRule($0.element.json, index: $0.offset + 1) }
      + source.huntingQueries.enumerated().map { huntingQuery($0.element.json, index: $0.offset + 1) }
  }

  private func string(_ value: JSONValue?) -> String { value?.stringValue ?? "" }

  func parser(_ document: SourceDocument, index n: Int) -> ContentPart {
    let yaml = document.json
    let functionName = string(yaml["FunctionName"])
    let savedSearchName = "\(functionName) Data Parser"
    let object = "variables('parserObject\(n)')"
    let version = string(yaml["Function"]?["Version"])
    let contentId = "\(functionName)-Parser"
    var properties: [(String, JSONValue)] = [
      ("eTag", "*"), ("displayName", .string(string(yaml["Function"]?["Title"]))),
      ("category", .string(string(yaml["Category"]))), ("functionAlias", .string(string(yaml["FunctionAlias"]))),
      ("query", .string(string(yaml["FunctionQuery"]))),
    ]
    if let params = yaml["FunctionParams"]?.arrayValue {
      let text = params.map { "\(string($0["Name"])):\(string($0["Type"]))" + ($0["Default"].map { " = \(CanonicalJSONWriter.text($0))" } ?? "") }
      properties.append(("functionParameters", .string(text.joined(separator: ", "))))
    }
    properties += [("version", 2), ("tags", [["name": "description", "value": ""]])]
    let savedSearch = { (name: JSONValue) -> JSONValue in
      [
        "name": name, "apiVersion": "2022-10-01", "type": "Microsoft.OperationalInsights/workspaces/savedSearches",
        "location": TemplateContext.location, "properties": .object(pairs: properties),
      ]
    }
    let metadata = context.metadata(
      name: .string("[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat('Parser-', last(split(\(object)._parserId\(n),'/'))))]"),
      parentId: .string("[\(object)._parserId\(n)]"), contentId: .string("[\(object).parserContentId\(n)]"), kind: "Parser",
      version: .string("[\(object).parserVersion\(n)]"), dependsOn: [.string("[\(object)._parserId\(n)]")])
    var part = ContentPart()
    part.variables = [
      (
        "parserObject\(n)",
        [
          "_parserName\(n)": .string("[concat(parameters('workspace'),'/','\(savedSearchName)')]"),
          "_parserId\(n)": .string("[resourceId('Microsoft.OperationalInsights/workspaces/savedSearches', parameters('workspace'), '\(savedSearchName)')]"),
          "parserTemplateSpecName\(n)": .string(
            "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat(parameters('workspace'),'-pr-',uniquestring('\(contentId)')))]"),
          "parserVersion\(n)": .string(version), "parserContentId\(n)": .string(contentId),
        ]
      )
    ]
    let nameExpression: JSONValue = .string("[\(object)._parserName\(n)]")
    part.resources = [
      context.contentTemplate(
        name: .string("[\(object).parserTemplateSpecName\(n)]"), contentId: .string("[\(object).parserContentId\(n)]"),
        displayName: string(yaml["Function"]?["Title"]), kind: "Parser",
        description: "\(functionName) Data Parser with template version \(context.version)",
        contentVersion: .string("[\(object).parserVersion\(n)]"), resources: [savedSearch(nameExpression), metadata],
        productId: context.productId(abbreviation: "pr", kind: "Parser", contentId: "\(object).parserContentId\(n)", version: "\(object).parserVersion\(n)"),
        version: .string("[\(object).parserVersion\(n)]")),
      savedSearch(nameExpression), metadata,
    ]
    part.criterion = ["kind": "Parser", "contentId": .string(contentId), "version": .string(version)]
    return part
  }

  func workbook(_ workbook: WorkbookSource, index n: Int) -> ContentPart {
    var part = ContentPart()
    part.parameters = [
      (
        "workbook\(n)-name",
        [
          "type": "string", "defaultValue": .string(workbook.title), "minLength": 1, "metadata": ["description": "Name for the workbook"],
        ]
      )
    ]
    part.variables = [
      ("workbookVersion\(n)", .string(workbook.version)), ("workbookContentId\(n)", .string(workbook.key)),
      ("workbookId\(n)", .string("[resourceId('Microsoft.Insights/workbooks', variables('workbookContentId\(n)'))]")),
      (
        "workbookTemplateSpecName\(n)",
        .string(
          "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat(parameters('workspace'),'-wb-',uniquestring(variables('_workbookContentId\(n)'))))]"
        )
      ),
      ("_workbookContentId\(n)", .string("[variables('workbookContentId\(n)')]")),
    ]
    let tables = source.tables.compactMap { $0.json["name"]?.stringValue }
    let criteria: [JSONValue] =
      tables.map { ["contentId": .string($0), "kind": "DataType"] }
      + [["contentId": .string(source.connectorId), "kind": "DataConnector"]]
    let resource: JSONValue = [
      "type": "Microsoft.Insights/workbooks", "name": .string("[variables('workbookContentId\(n)')]"),
      "location": TemplateContext.location, "kind": "shared", "apiVersion": "2021-08-01",
      "metadata": ["description": .string(workbook.descriptionText)],
      "properties": [
        "displayName": .string("[parameters('workbook\(n)-name')]"), "serializedData": .string(CanonicalJSONWriter.text(workbook.document.json)),
        "version": "1.0", "sourceId": "[variables('workspaceResourceId')]", "category": "sentinel",
      ],
    ]
    let metadata = context.metadata(
      name: .string("[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat('Workbook-', last(split(variables('workbookId\(n)'),'/'))))]"),
      parentId: .string("[variables('workbookId\(n)')]"), contentId: .string("[variables('_workbookContentId\(n)')]"), kind: "Workbook",
      version: .string("[variables('workbookVersion\(n)')]"), description: workbook.descriptionText,
      dependencies: ["operator": "AND", "criteria": .array(criteria)])
    part.resources = [
      context.contentTemplate(
        name: .string("[variables('workbookTemplateSpecName\(n)')]"), contentId: .string("[variables('_workbookContentId\(n)')]"),
        displayName: workbook.title, kind: "Workbook", description: "\(workbook.title) Workbook with template version \(context.version)",
        contentVersion: .string("[variables('workbookVersion\(n)')]"), resources: [resource, metadata],
        productId: context.productId(
          abbreviation: "wb", kind: "Workbook", contentId: "variables('_workbookContentId\(n)')", version: "variables('workbookVersion\(n)')"),
        version: .string("[variables('workbookVersion\(n)')]"))
    ]
    part.criterion = [
      "kind": "Workbook", "contentId": .string("[variables('_workbookContentId\(n)')]"), "version": .string("[variables('workbookVersion\(n)')]"),
    ]
    return part
  }
}
