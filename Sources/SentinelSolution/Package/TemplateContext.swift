import Findings

/// Values every generated resource shares: identity, versions and the ARM snippets the V3
/// packager repeats (source, author, support, the contentPackages dependency).
struct TemplateContext {
  let source: SolutionSource

  static let contentTemplatesAPI: JSONValue = "2023-04-01-preview"
  static let metadataAPI: JSONValue = "2022-01-01-preview"
  static let deploymentSchema: JSONValue = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
  static let location: JSONValue = "[parameters('workspace-location')]"
  static let dependsOnPackage: JSONValue = [
    "[extensionResourceId(resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspace')), 'Microsoft.SecurityInsights/contentPackages', variables('_solutionId'))]"
  ]

  var name: String { source.name }
  var version: String { source.version }
  var publisher: JSONValue { source.publisher }
  var authorName: String { publisher["author"]?["name"]?.stringValue ?? "" }
  var authorEmail: String { publisher["author"]?["email"]?.stringValue ?? "" }

  var sourceObject: JSONValue {
    ["sourceId": "[variables('_solutionId')]", "name": "[variables('_solutionName')]", "kind": "Solution"]
  }
  var author: JSONValue { ["name": .string(authorName), "email": "[variables('_email')]"] }
  /// The support object with null members left out.
  var support: JSONValue {
    .object((publisher["support"]?.objectValue ?? []).filter { $0.value != .null })
  }

  /// A `contentTemplates` resource wrapping `resources` as one installable content item.
  func contentTemplate(
    name: JSONValue, contentId: JSONValue, displayName: String, kind: String, description: String? = nil,
    contentVersion: JSONValue, parameters: JSONValue = [:], variables: JSONValue = [:], resources: [JSONValue],
    productId: JSONValue, version: JSONValue
  ) -> JSONValue {
    var properties: [(String, JSONValue)] = []
    if let description { properties.append(("description", .string(description))) }
    properties += [
      (
        "mainTemplate",
        [
          "$schema": Self.deploymentSchema, "contentVersion": contentVersion,
          "parameters": parameters, "variables": variables, "resources": .array(resources),
        ]
      ),
      ("packageKind", "Solution"), ("packageVersion", "[variables('_solutionVersion')]"),
      ("packageName", "[variables('_solutionName')]"), ("packageId", "[variables('_solutionId')]"),
      ("contentSchemaVersion", "3.0.0"), ("contentId", contentId), ("contentKind", .string(kind)),
      ("displayName", .string(displayName)), ("contentProductId", productId),
    ]
    // The V3 packager gives content items an `id`; the connector's two templates have none.
    if !kind.hasSuffix("DataConnector") { properties.append(("id", productId)) }
    properties.append(("version", version))
    return [
      "type": "Microsoft.OperationalInsights/workspaces/providers/contentTemplates",
      "apiVersion": Self.contentTemplatesAPI, "name": name, "location": Self.location,
      "dependsOn": Self.dependsOnPackage, "properties": .object(pairs: properties),
    ]
  }

  /// `concat(take(_solutionId,50),'-',<abbrev>,'-',uniqueString(...))`, the V3 product id form.
  func productId(abbreviation: String, kind: String, contentId: String, version: String) -> JSONValue {
    .string(
      "[concat(take(variables('_solutionId'), 50),'-','\(abbreviation)','-', uniqueString(concat(variables('_solutionId'),'-','\(kind)','-',\(contentId),'-', \(version))))]"
    )
  }

  /// A Sentinel `metadata` resource linking installed content to this solution.
  func metadata(
    name: JSONValue, parentId: JSONValue, contentId: JSONValue, kind: String, version: JSONValue,
    dependsOn: JSONValue? = nil, description: String? = nil, dependencies: JSONValue? = nil
  ) -> JSONValue {
    var properties: [(String, JSONValue)] = []
    if let description { properties.append(("description", .string(description))) }
    properties += [
      ("parentId", parentId), ("contentId", contentId), ("kind", .string(kind)), ("version", version),
      ("source", sourceObject), ("author", author), ("support", support),
    ]
    if let dependencies { properties.append(("dependencies", dependencies)) }
    var resource: [(String, JSONValue)] = [
      ("type", "Microsoft.OperationalInsights/workspaces/providers/metadata"),
      ("apiVersion", Self.metadataAPI), ("name", name),
    ]
    if let dependsOn { resource.append(("dependsOn", dependsOn)) }
    resource.append(("properties", .object(pairs: properties)))
    return .object(pairs: resource)
  }
}
