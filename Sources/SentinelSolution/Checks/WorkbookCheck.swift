import Findings

/// Check 9: each workbook as Azure-Sentinel's workbook checkers see it (`version`
/// Notebook/1.0, workbook `$schema`, `fromTemplateId` "sentinel-<key>", no resource IDs,
/// KQL items with a query), and its gallery metadata entry against workbooksMetadataSchema.
enum WorkbookCheck {
  static func run(_ context: CheckContext) -> [CheckFailure] {
    var sink = FailureSink(.workbook)
    var keys = Set<String>()
    for (n, workbook) in context.source.workbooks.enumerated() {
      let file = workbook.document.file
      let json = workbook.document.json
      sink.expect(json["version"]?.stringValue, equals: "Notebook/1.0", file, "$.version", "version")
      if json["$schema"]?.stringValue?.hasSuffix("schema/workbook.json") != true {
        sink.fail(file, "$.$schema", "must be the workbook schema URL (…/schema/workbook.json)")
      }
      sink.expect(json["fromTemplateId"]?.stringValue, equals: "sentinel-\(workbook.key)", file, "$.fromTemplateId", "fromTemplateId")
      for (path, text) in SolutionValidatorCheck.flatten(json, path: "$") where text.lowercased().contains("/subscriptions/") {
        sink.fail(file, path, "contains a resource ID; workbook templates must not name resources")
      }
      let items = json["items"]?.arrayValue ?? []
      if items.isEmpty { sink.fail(file, "$.items", "no items") }
      for (i, item) in items.enumerated() where item["type"]?.stringValue == nil && item["type"]?.doubleValue == 3 {
        if (item["content"]?["query"]?.stringValue ?? "").isEmpty { sink.fail(file, "$.items[\(i)].content.query", "a query item needs a query") }
      }
      if !keys.insert(workbook.key).inserted {
        sink.fail(SolutionSource.manifestFile, "$.workbooks[\(n)].key", "duplicate workbook key \"\(workbook.key)\"")
      }
      let entry = metadataEntry(workbook, source: context.source)
      for violation in context.schemas.validator.validate(.array([entry]), against: SchemaStore.workbookMetadata) {
        sink.fail(SolutionSource.manifestFile, "$.workbooks[\(n)] as gallery metadata: \(violation.path)", violation.message)
      }
    }
    return sink.failures
  }

  /// The entry Azure-Sentinel's `Workbooks/WorkbooksMetadata.json` would hold for this workbook.
  static func metadataEntry(_ workbook: WorkbookSource, source: SolutionSource) -> JSONValue {
    [
      "workbookKey": .string(workbook.key),
      "logoFileName": .string(source.manifest.json["logo"]?.stringValue?.split(separator: "/").last.map(String.init) ?? ""),
      "description": .string(workbook.descriptionText),
      "dataTypesDependencies": .array(source.tables.compactMap { $0.json["name"] }),
      "dataConnectorsDependencies": .array([.string(source.connectorId)]),
      "previewImagesFileNames": .array(workbook.previewImages.map { .string(SubmissionTree.baseName($0)) }),
      "version": .string(workbook.version),
      "title": .string(workbook.title),
      "templateRelativePath": .string(workbook.document.file.split(separator: "/").last.map(String.init) ?? ""),
      "subtitle": workbook.entry["subtitle"] ?? "",
      "provider": source.publisher["displayName"] ?? "",
    ]
  }
}
