import Findings
import Foundation

/// The files of a pull request to Azure/Azure-Sentinel, generated from `Connector/` and the
/// built `Package/`: `Solutions/<Name>/…` in the layout the repository's packaging script and
/// checks expect, plus the repository-level registrations (connector id, KQL-test table and
/// function, workbook gallery entry, preview images, logo).
public struct SubmissionTree: Sendable {
  /// Repository files that list every solution's entries; merged into an existing copy.
  public static let validConnectorIdsPath = ".script/tests/detectionTemplateSchemaValidation/ValidConnectorIds.json"
  public static let workbooksMetadataPath = "Workbooks/WorkbooksMetadata.json"
  public static let customTablesFolder = ".script/tests/KqlvalidationsTests/CustomTables"
  public static let customFunctionsFolder = ".script/tests/KqlvalidationsTests/CustomFunctions"
  public static let previewFolder = "Workbooks/Images/Preview"
  public static let logoFolder = "Workbooks/Images/Logos"

  public let source: SolutionSource
  /// Path in the repository → bytes, for every file the pull request adds or changes.
  public var files: [String: Data] = [:]

  /// `Solutions/<Name>`.
  public var solutionFolder: String { "Solutions/\(source.name)" }
  /// `Data Connectors/<Name>_ccf`, relative to the solution folder.
  public var connectorFolder: String { "Data Connectors/\(source.name)_ccf" }

  /// Builds the tree. `existing` reads a file of the target checkout (nil when absent), so the
  /// shared lists keep every other solution's entries.
  /// - Throws: `SourceError` when a file the tree copies (preview image, package zip) is missing.
  public init(source: SolutionSource, existing: (String) -> Data? = { _ in nil }) throws(SourceError) {
    self.source = source
    let root = source.root
    func copy(_ relative: String) throws(SourceError) -> Data {
      guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(relative).path) else {
        throw SourceError(file: relative, path: "$", message: "missing: needed by the submission tree")
      }
      return data
    }
    let solution = solutionFolder
    let connector = "\(solution)/\(connectorFolder)"
    files["\(connector)/\(source.name)_connectorDefinition.json"] = try copy(source.definition.file)
    files["\(connector)/\(source.name)_dataConnector.json"] = try copy(source.dataConnector.file)
    files["\(connector)/\(source.name)_DCR.json"] = try copy(source.dcr.file)
    for (index, table) in source.tables.enumerated() {
      files["\(connector)/\(source.name)_table\(index == 0 ? "" : String(index + 1)).json"] = try copy(table.file)
    }
    for (folder, documents) in Self.contentFolders(source) {
      for document in documents { files["\(solution)/\(folder)/\(Self.baseName(document.file))"] = try copy(document.file) }
    }
    for workbook in source.workbooks {
      files["\(solution)/Workbooks/\(Self.baseName(workbook.document.file))"] = try copy(workbook.document.file)
      for image in workbook.previewImages {
        files["\(Self.previewFolder)/\(Self.baseName(image))"] = try copy("\(SolutionSource.folder)/\(image)")
      }
    }
    if let logo = source.manifest.json["logo"]?.stringValue {
      files["\(Self.logoFolder)/\(Self.baseName(logo))"] = try copy("\(SolutionSource.folder)/\(logo)")
    }
    files["\(solution)/ReleaseNotes.md"] = try copy("\(SolutionSource.folder)/\(source.manifest.json["releaseNotes"]?.stringValue ?? "ReleaseNotes.md")")
    files["\(solution)/SolutionMetadata.json"] = Data(JSONWriter.pretty(Self.solutionMetadata(source)).utf8)
    files["\(solution)/Data/Solution_\(source.name).json"] = Data(JSONWriter.pretty(dataFile()).utf8)
    let packageFiles = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(PackageBuilder.folder).path)) ?? []
    for name in packageFiles.sorted() where name.hasSuffix(".json") || name.hasSuffix(".zip") {
      files["\(solution)/Package/\(name)"] = try copy("\(PackageBuilder.folder)/\(name)")
    }
    let registrations = KQLRegistrations(source: source)
    for table in registrations.tables { files["\(Self.customTablesFolder)/\(table.name).json"] = Data(JSONWriter.pretty(table.json).utf8) }
    for function in registrations.functions {
      files["\(Self.customFunctionsFolder)/\(function.name).json"] = Data(JSONWriter.pretty(function.json).utf8)
    }
    files[Self.validConnectorIdsPath] = SharedList.addingStrings(
      [source.connectorId], to: existing(Self.validConnectorIdsPath))
    files[Self.workbooksMetadataPath] = SharedList.replacingEntries(
      source.workbooks.map { WorkbookCheck.metadataEntry($0, source: source) }, key: "workbookKey",
      in: existing(Self.workbooksMetadataPath))
  }

  /// Content folders of the solution and the documents each holds.
  static func contentFolders(_ source: SolutionSource) -> [(String, [SourceDocument])] {
    [("Analytic Rules", source.analyticRules), ("Hunting Queries", source.huntingQueries), ("Parsers", source.parsers)]
  }

  /// The V3 packaging tool's input, `Data/Solution_<Name>.json`: every content file, relative
  /// to the solution folder, and the connector definition.
  func dataFile() -> JSONValue {
    let publisher = source.publisher
    let author = publisher["author"] ?? .null
    func listed(_ folder: String, _ documents: [SourceDocument]) -> JSONValue {
      .array(documents.map { .string("\(folder)/\(Self.baseName($0.file))") })
    }
    return .object(pairs: [
      ("Name", .string(source.name)),
      ("Author", .string("\(author["name"]?.stringValue ?? "") - \(author["email"]?.stringValue ?? "")")),
      ("Logo", .string(source.logo)),
      ("Description", source.manifest.json["description"] ?? ""),
      ("Data Connectors", .array([.string("\(connectorFolder)/\(source.name)_connectorDefinition.json")])),
      ("Parsers", listed("Parsers", source.parsers)),
      ("Workbooks", .array(source.workbooks.map { .string("Workbooks/\(Self.baseName($0.document.file))") })),
      ("Analytic Rules", listed("Analytic Rules", source.analyticRules)),
      ("Hunting Queries", listed("Hunting Queries", source.huntingQueries)),
      ("Playbooks", []),
      ("BasePath", .string("C:\\GitHub\\Azure-Sentinel\\Solutions\\\(source.name)")),
      ("Version", .string(source.version)),
      ("Metadata", "SolutionMetadata.json"),
      ("TemplateSpec", true),
      ("Is1PConnector", false),
    ])
  }

  /// `SolutionMetadata.json`: the Partner Center ids, dates, providers, categories and support.
  static func solutionMetadata(_ source: SolutionSource) -> JSONValue {
    let publisher = source.publisher
    let manifest = source.manifest.json
    var support: [(String, JSONValue)] = []
    for key in ["name", "email", "tier", "link"] {
      if let value = publisher["support"]?[key], value != .null { support.append((key, value)) }
    }
    return .object(pairs: [
      ("publisherId", publisher["publisherId"] ?? ""),
      ("offerId", publisher["offerId"] ?? ""),
      ("firstPublishDate", manifest["firstPublishDate"] ?? ""),
      ("lastPublishDate", manifest["lastPublishDate"] ?? ""),
      ("providers", publisher["providers"] ?? []),
      ("categories", manifest["categories"] ?? [:]),
      ("support", .object(pairs: support)),
    ])
  }

  /// The last path component.
  public static func baseName(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
  }

  /// Writes every file under `directory`; returns the paths written, sorted.
  /// - Throws: `SourceError` naming the path that could not be written.
  public func write(to directory: URL) throws(SourceError) -> [String] {
    for (path, data) in files.sorted(by: { $0.key < $1.key }) {
      let url = directory.appendingPathComponent(path)
      do {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
      } catch {
        throw SourceError(file: path, path: "$", message: "cannot write: \(error.localizedDescription)")
      }
    }
    return files.keys.sorted()
  }
}
