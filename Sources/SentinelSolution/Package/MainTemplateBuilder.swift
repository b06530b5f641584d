import Findings

/// Builds `Package/mainTemplate.json` from a `SolutionSource`, following the layout of
/// Microsoft's V3 packager (createSolutionV3.ps1) for one CCF push connector plus content:
/// the connector's contentTemplates, a top-level copy of the definition and its metadata,
/// the ResourcesDataConnector template, then parsers, workbooks, analytic rules, hunting
/// queries, and last the contentPackages resource that lists them all.
///
/// Like the V3 packager, the source files' apiVersions are replaced by the ones it writes
/// (definitions 2022-09-01-preview, dataConnectors 2023-02-01-preview, tables 2022-10-01,
/// DCR 2022-06-01), `location` becomes the workspace location and the DCR's destination the
/// template's workspace.
struct MainTemplateBuilder {
  let context: TemplateContext
  var source: SolutionSource { context.source }

  static let ccpVersion = "1.0.0"

  func build() -> JSONValue {
    var variables: [(String, JSONValue)] = [
      ("email", .string(context.authorEmail)), ("_email", "[variables('email')]"),
      ("_solutionName", .string(context.name)), ("_solutionVersion", .string(context.version)),
      ("solutionId", .string(source.solutionId)), ("_solutionId", "[variables('solutionId')]"),
      ("workspaceResourceId", "[resourceId('microsoft.OperationalInsights/Workspaces', parameters('workspace'))]"),
      ("dataConnectorCCPVersion", .string(Self.ccpVersion)),
      ("_dataConnectorContentIdConnectorDefinition1", .string(source.connectorId)),
      (
        "dataConnectorTemplateNameConnectorDefinition1",
        "[concat(parameters('workspace'),'-dc-',uniquestring(variables('_dataConnectorContentIdConnectorDefinition1')))]"
      ),
      ("_dataConnectorContentIdConnections1", .string(source.connectorId + "Connections")),
      ("dataConnectorTemplateNameConnections1", "[concat(parameters('workspace'),'-dc-',uniquestring(variables('_dataConnectorContentIdConnections1')))]"),
      ("blanks", "[replace('b', 'b', '')]"),
    ]
    var parameters = Self.baseParameters
    var resources = connectorResources()
    var criteria: [JSONValue] = [
      ["kind": "DataConnector", "contentId": "[variables('_dataConnectorContentIdConnections1')]", "version": "[variables('dataConnectorCCPVersion')]"]
    ]
    let content = ContentTemplates(context: context)
    for part in content.all() {
      variables += part.variables
      parameters += part.parameters
      resources += part.resources
      criteria.append(part.criterion)
    }
    variables.append(
      (
        "_solutioncontentProductId",
        "[concat(take(variables('_solutionId'),50),'-','sl','-', uniqueString(concat(variables('_solutionId'),'-','Solution','-',variables('_solutionId'),'-', variables('_solutionVersion'))))]"
      ))
    resources.append(contentPackage(criteria: criteria))
    return [
      "$schema": TemplateContext.deploymentSchema,
      "contentVersion": "1.0.0.0",
      "metadata": ["author": .string("\(context.authorName) - \(context.authorEmail)"), "comments": .string("Solution template for \(context.name)")],
      "parameters": .object(pairs: parameters),
      "variables": .object(pairs: variables),
      "resources": .array(resources),
      "outputs": [:],
    ]
  }

  /// The template's parameters before content adds its own (workbook names).
  static let baseParameters: [(String, JSONValue)] = [
    (
      "location",
      [
        "type": "string", "minLength": 1, "defaultValue": "[resourceGroup().location]",
        "metadata": [
          "description":
            "Not used, but needed to pass arm-ttk test `Location-Should-Not-Be-Hardcoded`.  We instead use the `workspace-location` which is derived from the LA workspace"
        ],
      ]
    ),
    (
      "workspace-location",
      [
        "type": "string", "defaultValue": "",
        "metadata": ["description": "[concat('Region to deploy solution resources -- separate from location selection',parameters('location'))]"],
      ]
    ),
    (
      "workspace",
      [
        "defaultValue": "", "type": "string",
        "metadata": ["description": "Workspace name for Log Analytics where Microsoft Sentinel is setup"],
      ]
    ),
    (
      "resourceGroupName",
      [
        "type": "string", "defaultValue": "[resourceGroup().name]",
        "metadata": ["description": "resource group name where Microsoft Sentinel is setup"],
      ]
    ),
    (
      "subscription",
      [
        "type": "string", "defaultValue": "[last(split(subscription().id, '/'))]",
        "metadata": ["description": "subscription id where Microsoft Sentinel is setup"],
      ]
    ),
  ]

  private func definitionResource() -> JSONValue {
    [
      "name": "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',variables('_dataConnectorContentIdConnectorDefinition1'))]",
      "apiVersion": "2022-09-01-preview",
      "type": "Microsoft.OperationalInsights/workspaces/providers/dataConnectorDefinitions",
      "location": TemplateContext.location,
      "kind": source.definition.json["kind"] ?? "Customizable",
      "properties": source.definition.json["properties"] ?? [:],
    ]
  }

  private func definitionMetadata() -> JSONValue {
    context.metadata(
      name:
        "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat('DataConnector-', variables('_dataConnectorContentIdConnectorDefinition1')))]",
      parentId:
        "[extensionResourceId(resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspace')), 'Microsoft.SecurityInsights/dataConnectorDefinitions', variables('_dataConnectorContentIdConnectorDefinition1'))]",
      contentId: "[variables('_dataConnectorContentIdConnectorDefinition1')]", kind: "DataConnector",
      version: "[variables('dataConnectorCCPVersion')]",
      dependencies: [
        "criteria": [
          [
            "version": "[variables('dataConnectorCCPVersion')]", "contentId": "[variables('_dataConnectorContentIdConnections1')]",
            "kind": "ResourcesDataConnector",
          ]
        ]
      ])
  }

  private func dcrResource() -> JSONValue {
    var properties = source.dcr.json["properties"] ?? [:]
    if let destinations = properties["destinations"], let logAnalytics = destinations["logAnalytics"]?.arrayValue {
      let forced = logAnalytics.map { $0.setting("workspaceResourceId", to: "[variables('workspaceResourceId')]") }
      properties = properties.setting("destinations", to: destinations.setting("logAnalytics", to: .array(forced)))
    }
    return [
      "name": source.dcr.json["name"] ?? "", "apiVersion": "2022-06-01", "type": "Microsoft.Insights/dataCollectionRules",
      "location": TemplateContext.location, "kind": "[variables('blanks')]", "properties": properties,
    ]
  }

  private func tableResource(_ table: SourceDocument) -> JSONValue {
    [
      "name": table.json["name"] ?? "", "apiVersion": "2022-10-01", "type": "Microsoft.OperationalInsights/workspaces/tables",
      "location": TemplateContext.location, "kind": nil, "properties": table.json["properties"] ?? [:],
    ]
  }

  private func connectorResources() -> [JSONValue] {
    let definitionTemplate = context.contentTemplate(
      name:
        "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/', variables('dataConnectorTemplateNameConnectorDefinition1'), variables('dataConnectorCCPVersion'))]",
      contentId: "[variables('_dataConnectorContentIdConnectorDefinition1')]", displayName: source.connectorTitle,
      kind: "DataConnector", contentVersion: "[variables('dataConnectorCCPVersion')]",
      resources: [definitionResource(), definitionMetadata(), dcrResource()] + source.tables.map(tableResource),
      productId: context.productId(
        abbreviation: "dc", kind: "DataConnector", contentId: "variables('_dataConnectorContentIdConnectorDefinition1')",
        version: "variables('dataConnectorCCPVersion')"),
      version: "[variables('dataConnectorCCPVersion')]")
    return [definitionTemplate, definitionResource(), definitionMetadata(), connectionsTemplate()]
  }

  private func connectionsTemplate() -> JSONValue {
    let connector = source.dataConnector.json
    let instance: JSONValue = [
      "name": .string(
        "[[concat(parameters('innerWorkspace'),'/Microsoft.SecurityInsights/', '\(connector["name"]?.stringValue ?? "")', parameters('guidValue'))]"),
      "apiVersion": "2023-02-01-preview", "type": "Microsoft.OperationalInsights/workspaces/providers/dataConnectors",
      "location": TemplateContext.location, "kind": connector["kind"] ?? "Push", "properties": connector["properties"] ?? [:],
    ]
    let metadata = context.metadata(
      name: "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat('DataConnector-', variables('_dataConnectorContentIdConnections1')))]",
      parentId:
        "[extensionResourceId(resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspace')), 'Microsoft.SecurityInsights/dataConnectors', variables('_dataConnectorContentIdConnections1'))]",
      contentId: "[variables('_dataConnectorContentIdConnections1')]", kind: "ResourcesDataConnector",
      version: "[variables('dataConnectorCCPVersion')]")
    let parameters: JSONValue = [
      "guidValue": ["defaultValue": "[[newGuid()]", "type": "securestring"],
      "innerWorkspace": ["defaultValue": "[parameters('workspace')]", "type": "securestring"],
      "auth": [
        "type": "object", "defaultValue": ["appId": "[[parameters('auth').appId]]", "servicePrincipalId": "[[parameters('auth').servicePrincipalId]]"],
      ],
      "connectorDefinitionName": ["defaultValue": .string(source.connectorTitle), "type": "securestring", "minLength": 1],
      "workspace": ["defaultValue": "[parameters('workspace')]", "type": "securestring"],
      "dcrConfig": [
        "defaultValue": ["dataCollectionEndpoint": "data collection Endpoint", "dataCollectionRuleImmutableId": "data collection rule immutableId"],
        "type": "object",
      ],
    ]
    return context.contentTemplate(
      name:
        "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/', variables('dataConnectorTemplateNameConnections1'), variables('dataConnectorCCPVersion'))]",
      contentId: "[variables('_dataConnectorContentIdConnections1')]", displayName: source.connectorTitle,
      kind: "ResourcesDataConnector", contentVersion: "[variables('dataConnectorCCPVersion')]", parameters: parameters,
      variables: ["_dataConnectorContentIdConnections1": "[variables('_dataConnectorContentIdConnections1')]"],
      resources: [metadata, instance],
      productId: context.productId(
        abbreviation: "rdc", kind: "ResourcesDataConnector", contentId: "variables('_dataConnectorContentIdConnections1')",
        version: "variables('dataConnectorCCPVersion')"),
      version: "[variables('dataConnectorCCPVersion')]")
  }

  private func contentPackage(criteria: [JSONValue]) -> JSONValue {
    let manifest = source.manifest.json
    let supportName = context.support["name"]?.stringValue ?? ""
    let tier = context.support["tier"]?.stringValue ?? ""
    var properties: [(String, JSONValue)] = [
      ("version", .string(context.version)), ("kind", "Solution"), ("contentSchemaVersion", "3.0.0"),
      ("displayName", .string(context.name)),
      ("publisherDisplayName", .string(tier == "Microsoft" ? "Microsoft Sentinel, \(supportName)" : supportName)),
      ("descriptionHtml", .string(Markdown.html(SolutionDescription(source: source).markdown))),
      ("contentKind", "Solution"), ("contentProductId", "[variables('_solutioncontentProductId')]"),
      ("id", "[variables('_solutioncontentProductId')]"), ("icon", .string(source.logo)),
      ("contentId", "[variables('_solutionId')]"), ("parentId", "[variables('_solutionId')]"),
      ("source", ["kind": "Solution", "name": .string(context.name), "sourceId": "[variables('_solutionId')]"]),
      ("author", context.author), ("support", context.support),
      ("dependencies", ["operator": "AND", "criteria": .array(criteria)]),
      ("firstPublishDate", manifest["firstPublishDate"] ?? ""), ("lastPublishDate", manifest["lastPublishDate"] ?? ""),
      ("providers", context.publisher["providers"] ?? []),
    ]
    var categories: [(String, JSONValue)] = [("domains", manifest["categories"]?["domains"] ?? [])]
    if let verticals = manifest["categories"]?["verticals"]?.arrayValue, !verticals.isEmpty {
      categories.append(("verticals", .array(verticals)))
    }
    properties.append(("categories", .object(pairs: categories)))
    return [
      "type": "Microsoft.OperationalInsights/workspaces/providers/contentPackages",
      "apiVersion": TemplateContext.contentTemplatesAPI, "location": TemplateContext.location,
      "properties": .object(pairs: properties),
      "name": "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/', variables('_solutionId'))]",
    ]
  }
}
