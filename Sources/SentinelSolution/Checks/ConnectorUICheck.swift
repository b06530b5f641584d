import Findings

/// Check 3: the connector definition's `connectorUiConfig` against
/// `CustomizableConnectorUiConfig` (2025-09-01), plus the push-specific rules: exactly one
/// `DeployPushConnectorButton` with `label` and `applicationDisplayName`, `fillWith` values
/// from the five the portal fills, each of the five present, and a `value` label per stream.
enum ConnectorUICheck {
  static let fillValues = ["TenantId", "ApplicationId", "ApplicationSecret", "DataCollectionEndpoint", "DataCollectionRuleId"]

  static func run(_ context: CheckContext) -> [CheckFailure] {
    var sink = FailureSink(.connectorUI)
    let file = context.source.definition.file
    guard let ui = context.source.definition.json["properties"]?["connectorUiConfig"] else {
      sink.fail(file, "$.properties.connectorUiConfig", "missing")
      return sink.failures
    }
    let base = "$.properties.connectorUiConfig"
    for violation in context.schemas.validator.validate(
      ui, against: SchemaStore.securityInsights, pointer: "#/definitions/CustomizableConnectorUiConfig", at: base)
    {
      sink.fail(file, violation.path, violation.message)
    }
    var buttons: [String] = []
    var filled: [String] = []
    var labelValues: [String] = []
    for (s, step) in (ui["instructionSteps"]?.arrayValue ?? []).enumerated() {
      for (i, instruction) in (step["instructions"]?.arrayValue ?? []).enumerated() {
        let path = "\(base).instructionSteps[\(s)].instructions[\(i)]"
        let parameters = instruction["parameters"]
        switch instruction["type"]?.stringValue {
        case "DeployPushConnectorButton":
          buttons.append(path)
          for key in ["label", "applicationDisplayName"] where (parameters?[key]?.stringValue ?? "").isEmpty {
            sink.fail(file, "\(path).parameters.\(key)", "missing: the Deploy button needs it")
          }
        case "CopyableLabel":
          if let fill = parameters?["fillWith"]?.arrayValue {
            if fill.count != 1 { sink.fail(file, "\(path).parameters.fillWith", "must hold exactly one value") }
            for (f, value) in fill.enumerated() {
              let name = value.stringValue ?? ""
              if fillValues.contains(name) {
                filled.append(name)
              } else {
                sink.fail(file, "\(path).parameters.fillWith[\(f)]", "\"\(name)\" is not one of \(fillValues.joined(separator: ", "))")
              }
            }
          } else if let value = parameters?["value"]?.stringValue {
            labelValues.append(value)
          } else {
            sink.fail(file, "\(path).parameters", "a CopyableLabel needs fillWith or value")
          }
        default: break
        }
      }
    }
    if buttons.count != 1 {
      sink.fail(file, "\(base).instructionSteps", "expected exactly one DeployPushConnectorButton, found \(buttons.count)")
    }
    for value in fillValues where !filled.contains(value) {
      sink.fail(file, "\(base).instructionSteps", "no CopyableLabel with fillWith [\"\(value)\"]: the admin cannot copy that value")
    }
    let streams = context.source.dcr.json["properties"]?["streamDeclarations"]?.objectValue?.map(\.name) ?? []
    for stream in streams where !labelValues.contains(stream) {
      sink.fail(file, "\(base).instructionSteps", "no CopyableLabel with value \"\(stream)\" (the DCR stream the client sends to)")
    }
    return sink.failures
  }
}
