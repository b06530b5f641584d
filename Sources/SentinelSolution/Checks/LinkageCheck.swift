import Findings

/// Check 4: how the V3 packager links the four files (get-ccp-details.ps1), and naming.
enum LinkageCheck {
  static func run(_ context: CheckContext) -> [CheckFailure] {
    var sink = FailureSink(.linkage)
    let source = context.source
    let definition = source.definition
    let connector = source.dataConnector
    let dcr = source.dcr
    let id = source.connectorId
    sink.expect(definition.json["type"]?.stringValue, equals: "Microsoft.SecurityInsights/dataConnectorDefinitions", definition.file, "$.type", "type")
    sink.expect(definition.json["kind"]?.stringValue, equals: "Customizable", definition.file, "$.kind", "kind")
    sink.expect(definition.json["name"]?.stringValue, equals: id, definition.file, "$.name", "definition name (must equal connectorUiConfig.id)")
    if id.isEmpty || id.contains(" ") {
      sink.fail(definition.file, "$.properties.connectorUiConfig.id", "must be non-empty and contain no spaces")
    }
    sink.expect(connector.json["type"]?.stringValue, equals: "Microsoft.SecurityInsights/dataConnectors", connector.file, "$.type", "type")
    sink.expect(connector.json["kind"]?.stringValue, equals: "Push", connector.file, "$.kind", "kind")
    sink.expect(
      connector.json["properties"]?["connectorDefinitionName"]?.stringValue, equals: id, connector.file,
      "$.properties.connectorDefinitionName", "connectorDefinitionName (must equal the definition's connectorUiConfig.id)")
    sink.expect(dcr.json["type"]?.stringValue, equals: "Microsoft.Insights/dataCollectionRules", dcr.file, "$.type", "type")
    let streams = dcr.json["properties"]?["streamDeclarations"]?.objectValue?.map(\.name) ?? []
    for stream in streams where !stream.hasPrefix("Custom-") {
      sink.fail(dcr.file, "$.properties.streamDeclarations[\"\(stream)\"]", "a push stream name must start with Custom-")
    }
    let flow = dcr.json["properties"]?["dataFlows"]?[0]
    let flowStream = flow?["streams"]?[0]?.stringValue
    sink.expect(
      connector.json["properties"]?["dcrConfig"]?["streamName"]?.stringValue, equals: flowStream ?? "(DCR dataFlows[0].streams[0])",
      connector.file, "$.properties.dcrConfig.streamName", "streamName (must equal the DCR's dataFlows[0].streams[0])")
    if let flowStream, !streams.contains(flowStream) {
      sink.fail(dcr.file, "$.properties.dataFlows[0].streams[0]", "\"\(flowStream)\" is not declared in streamDeclarations")
    }
    let tableNames = source.tables.compactMap { $0.json["name"]?.stringValue }
    let output = flow?["outputStream"]?.stringValue
    if output.map({ !tableNames.map { "Custom-" + $0 }.contains($0) }) ?? true {
      sink.fail(
        dcr.file, "$.properties.dataFlows[0].outputStream",
        "is \(output.map { "\"\($0)\"" } ?? "missing"), expected \"Custom-\" + a table name (\(tableNames.joined(separator: ", ")))")
    }
    if let name = dcr.json["name"]?.stringValue, name.count > 30 || name.isEmpty {
      sink.fail(dcr.file, "$.name", "DCR name must be 1–30 characters (deployed as Microsoft-Sentinel-<name>-<workspace>-<suffix>, limit 65)")
    }
    for table in source.tables {
      let name = table.json["name"]?.stringValue ?? ""
      sink.expect(table.json["type"]?.stringValue, equals: "Microsoft.OperationalInsights/workspaces/tables", table.file, "$.type", "type")
      sink.expect(
        table.json["properties"]?["schema"]?["name"]?.stringValue, equals: name, table.file, "$.properties.schema.name",
        "schema name (must equal the table's name)")
      if !name.hasSuffix("_CL") || name.hasPrefix("Custom-") {
        sink.fail(table.file, "$.name", "custom table \"\(name)\" must end with _CL and have no Custom- prefix")
      }
    }
    return sink.failures
  }
}
