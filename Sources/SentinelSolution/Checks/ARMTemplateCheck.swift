import Findings

/// Check 2: Package/mainTemplate.json, and each nested contentTemplates mainTemplate, against
/// the ARM deployment-template schema Azure-Sentinel's own PR checks use. Nested templates
/// take their `contentVersion` from an expression, so that one field is not checked there.
enum ARMTemplateCheck {
  static func run(_ context: CheckContext) -> [CheckFailure] {
    var sink = FailureSink(.armTemplate)
    guard let template = context.package.mainTemplate else { return [] }
    let file = PackageFiles.mainTemplatePath
    let validator = context.schemas.validator
    for violation in validator.validate(template, against: SchemaStore.deploymentTemplate) {
      sink.fail(file, violation.path, violation.message)
    }
    for (index, resource) in (template["resources"]?.arrayValue ?? []).enumerated() {
      guard let nested = resource["properties"]?["mainTemplate"] else { continue }
      let path = "$.resources[\(index)].properties.mainTemplate"
      for violation in validator.validate(nested.setting("contentVersion", to: "1.0.0.0"), against: SchemaStore.deploymentTemplate, at: path) {
        sink.fail(file, violation.path, violation.message)
      }
    }
    return sink.failures
  }
}
