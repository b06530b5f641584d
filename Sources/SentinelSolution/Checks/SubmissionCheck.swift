import Findings
import Foundation

/// Check 12: the `connector export-pr` tree as Azure-Sentinel's repository checks see it: the
/// V3 packaging input lists every content file, rule connector ids are registered, the
/// workbook has a gallery entry with a Black and a White preview (PNG, at least 800×450, not
/// blank) and its logo, and the KQL-test registrations match the table and the parser.
public enum SubmissionCheck {
  /// Smallest preview the gallery shows well.
  static let minimumPreview = (width: 800, height: 450)

  /// Runs on `tree` (generated, or changed by a test).
  public static func run(_ tree: SubmissionTree) -> [CheckFailure] {
    var sink = FailureSink(.submission)
    let source = tree.source
    let files = tree.files
    func json(_ path: String) -> JSONValue? { parse(path, in: files, sink: &sink) }
    let solution = tree.solutionFolder
    let dataPath = "\(solution)/Data/Solution_\(source.name).json"
    if let data = json(dataPath) {
      sink.expect(data["Name"]?.stringValue, equals: source.name, dataPath, "$.Name", "Name (the Solutions/ folder name)")
      sink.expect(data["Version"]?.stringValue, equals: source.version, dataPath, "$.Version", "Version")
      if let metadata = data["Metadata"]?.stringValue, files["\(solution)/\(metadata)"] == nil {
        sink.fail(dataPath, "$.Metadata", "\(metadata) is not in the solution folder")
      }
      var listed = Set<String>()
      for key in ["Data Connectors", "Parsers", "Workbooks", "Analytic Rules", "Hunting Queries"] {
        for (i, item) in (data[key]?.arrayValue ?? []).enumerated() {
          let path = item.stringValue ?? ""
          listed.insert(path)
          if files["\(solution)/\(path)"] == nil { sink.fail(dataPath, "$.\(key)[\(i)]", "\(path) does not exist") }
        }
      }
      let content = files.keys.filter { path in
        guard path.hasPrefix("\(solution)/") else { return false }
        let relative = String(path.dropFirst(solution.count + 1))
        return ["Analytic Rules/", "Hunting Queries/", "Parsers/"].contains { relative.hasPrefix($0) }
          || (relative.hasPrefix("Workbooks/") && relative.hasSuffix(".json"))
          || relative.hasSuffix("_connectorDefinition.json")
      }
      for path in content.sorted() where !listed.contains(String(path.dropFirst(solution.count + 1))) {
        sink.fail(dataPath, "$", "\(path) is not listed: the packaging tool would leave it out of the package")
      }
    }
    // The repository's list is hand-edited and not always strict JSON (",," occurs): read its strings.
    if let ids = files[SubmissionTree.validConnectorIdsPath].map({ String(decoding: $0, as: UTF8.self) }) {
      let registered = Set(
        ids.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
          .filter { $0.offset % 2 == 1 }.map { String($0.element) })
      for path in files.keys.sorted() where path.hasPrefix("\(solution)/Analytic Rules/") {
        let rule = source.analyticRules.first { SubmissionTree.baseName($0.file) == SubmissionTree.baseName(path) }
        for (i, connector) in (rule?.json["requiredDataConnectors"]?.arrayValue ?? []).enumerated() {
          let id = connector["connectorId"]?.stringValue ?? ""
          if !registered.contains(id) {
            sink.fail(path, "$.requiredDataConnectors[\(i)].connectorId", "\(id) is not in \(SubmissionTree.validConnectorIdsPath)")
          }
        }
      }
    } else {
      sink.fail(SubmissionTree.validConnectorIdsPath, "$", "missing from the submission tree")
    }
    let metadata = json(SubmissionTree.workbooksMetadataPath)
    checkWorkbooks(tree, metadata: metadata, sink: &sink)
    checkRegistrations(tree, sink: &sink)
    return sink.failures
  }

  /// The JSON file at `path` of the tree, or nil after reporting why not.
  static func parse(_ path: String, in files: [String: Data], sink: inout FailureSink) -> JSONValue? {
    guard let data = files[path] else {
      sink.fail(path, "$", "missing from the submission tree")
      return nil
    }
    do { return try JSONParser.parse(String(decoding: data, as: UTF8.self), file: path) } catch {
      sink.fail(path, "line \(error.line)", "invalid JSON: \(error.reason)")
      return nil
    }
  }

  static func checkWorkbooks(_ tree: SubmissionTree, metadata: JSONValue?, sink: inout FailureSink) {
    guard let metadata else { return }
    let path = SubmissionTree.workbooksMetadataPath
    for workbook in tree.source.workbooks {
      guard let entry = metadata.arrayValue?.first(where: { $0["workbookKey"]?.stringValue == workbook.key }) else {
        sink.fail(path, "$", "no entry with workbookKey \(workbook.key)")
        continue
      }
      let names = (entry["previewImagesFileNames"]?.arrayValue ?? []).compactMap(\.stringValue)
      let dark = names.filter { ["Black", "black", "Dark", "dark"].contains(where: $0.contains) }
      let light = names.filter { ["White", "white", "Light", "light"].contains(where: $0.contains) }
      if dark.isEmpty || light.isEmpty {
        sink.fail(path, "$[\(workbook.key)].previewImagesFileNames", "needs a Black and a White preview image")
      }
      for name in names {
        let file = "\(SubmissionTree.previewFolder)/\(name)"
        if !name.lowercased().hasSuffix(".png") { sink.fail(path, "$[\(workbook.key)].previewImagesFileNames", "\(name) is not a .png") }
        if !(dark + light).contains(name) { sink.fail(path, "$[\(workbook.key)].previewImagesFileNames", "\(name) says neither Black nor White") }
        guard let data = tree.files[file] else {
          sink.fail(file, "$", "preview image listed in \(path) is missing")
          continue
        }
        if let problem = PNGInfo.problem(data, minimum: minimumPreview) { sink.fail(file, "$", problem) }
      }
      if let logo = entry["logoFileName"]?.stringValue, !logo.isEmpty, tree.files["\(SubmissionTree.logoFolder)/\(logo)"] == nil {
        sink.fail(path, "$[\(workbook.key)].logoFileName", "\(logo) is not in \(SubmissionTree.logoFolder)")
      }
    }
  }

  static func checkRegistrations(_ tree: SubmissionTree, sink: inout FailureSink) {
    let expected = KQLRegistrations(source: tree.source)
    for (file, column) in expected.unresolved {
      sink.fail(file, "$.FunctionQuery", "cannot tell the type of result column \(column) for the KQL-test registration")
    }
    for table in expected.tables {
      let path = "\(SubmissionTree.customTablesFolder)/\(table.name).json"
      guard let actual = parse(path, in: tree.files, sink: &sink) else { continue }
      if actual != table.json { sink.fail(path, "$", "does not match table \(table.name)'s columns and types") }
    }
    for function in expected.functions {
      let path = "\(SubmissionTree.customFunctionsFolder)/\(function.name).json"
      guard let actual = parse(path, in: tree.files, sink: &sink) else { continue }
      if actual["FunctionName"] != function.json["FunctionName"] || actual["FunctionResultColumns"] != function.json["FunctionResultColumns"] {
        sink.fail(path, "$", "does not match parser \(function.name)'s name and result columns")
      }
      if (actual["FunctionResultColumns"]?.arrayValue ?? []).isEmpty { sink.fail(path, "$.FunctionResultColumns", "empty") }
    }
  }
}

/// The few facts of a PNG file the gallery cares about.
enum PNGInfo {
  /// Why `data` is not a usable preview: not a PNG, smaller than `minimum`, or so uniform that
  /// it compresses to under 1 byte per 200 pixels (a blank or single-colour image does).
  static func problem(_ data: Data, minimum: (width: Int, height: Int)) -> String? {
    let bytes = [UInt8](data)
    guard bytes.count > 33, bytes.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return "not a PNG file" }
    func int(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
    let width = int(16)
    let height = int(20)
    if width < minimum.width || height < minimum.height {
      return "\(width)×\(height): previews must be at least \(minimum.width)×\(minimum.height)"
    }
    var offset = 8
    var imageData = 0
    while offset + 8 <= bytes.count {
      let length = int(offset)
      if String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self) == "IDAT" { imageData += length }
      offset += 12 + length
    }
    if imageData < width * height / 200 { return "\(imageData) bytes of image data for \(width)×\(height): looks blank" }
    return nil
  }
}
