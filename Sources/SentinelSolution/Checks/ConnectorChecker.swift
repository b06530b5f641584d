import Findings
import Foundation

/// Runs the offline checks on `Connector/` and `Package/` under a project root.
public struct ConnectorChecker: Sendable {
  public let root: URL

  public init(root: URL) {
    self.root = root
  }

  /// Runs every check. When `Connector/` cannot be loaded, only check 1 reports (the other
  /// checks need parsed inputs).
  public func run() -> CheckReport {
    var parse = FailureSink(.parse)
    let source: SolutionSource
    do {
      source = try SolutionSource.load(root: root)
    } catch {
      for item in error.errors { parse.fail(item.file, item.path, item.message) }
      return CheckReport(ran: [.parse], failures: parse.failures)
    }
    let package = PackageFiles(root: root, version: source.version, sink: &parse)
    let schemas = SchemaStore(root: root, sink: &parse)
    var failures = parse.failures
    let context = CheckContext(source: source, package: package, schemas: schemas)
    failures += ARMTemplateCheck.run(context)
    failures += ConnectorUICheck.run(context)
    failures += LinkageCheck.run(context)
    failures += ColumnCheck.run(context)
    failures += SolutionValidatorCheck.run(context)
    failures += PackageConsistencyCheck.run(context)
    failures += RegenerateCheck.run(context)
    failures += WorkbookCheck.run(context)
    failures += DetectionCheck.run(context)
    failures += StreamContractCheck.run(context)
    do {
      failures += SubmissionCheck.run(try SubmissionTree(source: source))
    } catch {
      failures.append(CheckFailure(check: .submission, file: error.file, path: error.path, message: error.message))
    }
    return CheckReport(ran: CheckID.allCases, failures: failures)
  }
}

/// What every check reads.
struct CheckContext {
  let source: SolutionSource
  let package: PackageFiles
  let schemas: SchemaStore
}

/// The committed `Package/` files, parsed (nil when missing or invalid: check 1 says why).
struct PackageFiles {
  static let mainTemplatePath = "Package/mainTemplate.json"
  static let createUiPath = "Package/createUiDefinition.json"
  static let testParametersPath = "Package/testParameters.json"

  let mainTemplate: JSONValue?
  let createUi: JSONValue?
  let testParameters: JSONValue?
  let raw: [String: Data]
  let zipPath: String
  let otherZips: [String]

  init(root: URL, version: String, sink: inout FailureSink) {
    var loaded: [String: Data] = [:]
    func load(_ path: String) -> JSONValue? {
      guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else {
        sink.fail(path, "$", "missing: run `cvebuster-outbox connector package`")
        return nil
      }
      loaded[path] = data
      do {
        return try JSONParser.parse(String(decoding: data, as: UTF8.self), file: path)
      } catch {
        sink.fail(path, "line \(error.line) column \(error.column)", "invalid JSON: \(error.reason)")
        return nil
      }
    }
    mainTemplate = load(Self.mainTemplatePath)
    createUi = load(Self.createUiPath)
    testParameters = load(Self.testParametersPath)
    let zip = "Package/\(version).zip"
    loaded[zip] = FileManager.default.contents(atPath: root.appendingPathComponent(zip).path)
    let listing = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Package").path)) ?? []
    otherZips = listing.filter { $0.hasSuffix(".zip") && "Package/\($0)" != zip }.sorted().map { "Package/\($0)" }
    zipPath = zip
    raw = loaded
  }
}

/// The vendored schemas under `Connector/schemas/`, registered by the URIs `$ref`s use.
struct SchemaStore {
  static let folder = "Connector/schemas"
  static let deploymentTemplate = "local:ARM_DeploymentTemplateSchema.json"
  static let securityInsights = "local:Microsoft.SecurityInsights.json"
  static let workbookMetadata = "local:workbooksMetadataSchema.json"
  static let commonDefinitions = "https://schema.management.azure.com/schemas/common/definitions.json"

  let validator: JSONSchemaValidator
  let validDomains: [String]
  let validVerticals: [String]

  init(root: URL, sink: inout FailureSink) {
    let files = [
      (Self.deploymentTemplate, "azure-sentinel/ARM_DeploymentTemplateSchema.json"),
      (Self.securityInsights, "arm/2025-09-01/Microsoft.SecurityInsights.json"),
      (Self.workbookMetadata, "azure-sentinel/workbooksMetadataSchema.json"),
      (Self.commonDefinitions, "arm/common/definitions.json"),
      ("local:ValidDomainsVerticals.json", "azure-sentinel/ValidDomainsVerticals.json"),
    ]
    var documents: [String: JSONValue] = [:]
    for (uri, relative) in files {
      let path = "\(Self.folder)/\(relative)"
      guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else {
        sink.fail(path, "$", "vendored schema missing")
        continue
      }
      do {
        documents[uri] = try JSONParser.parse(String(decoding: data, as: UTF8.self), file: path)
      } catch {
        sink.fail(path, "line \(error.line)", "invalid JSON: \(error.reason)")
      }
    }
    validator = JSONSchemaValidator(documents: documents)
    let domains = documents["local:ValidDomainsVerticals.json"]
    validDomains = domains?["validDomains"]?.arrayValue?.compactMap(\.stringValue) ?? []
    validVerticals = domains?["validVerticals"]?.arrayValue?.compactMap(\.stringValue) ?? []
  }
}
