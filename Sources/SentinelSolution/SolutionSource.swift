import Findings
import Foundation

/// One parsed input file: its path relative to the project root and its content.
public struct SourceDocument: Sendable {
  public let file: String
  public let json: JSONValue
}

/// A workbook and the gallery metadata `Connector/solution.json` gives for it.
public struct WorkbookSource: Sendable {
  public let document: SourceDocument
  /// The `workbooks[i]` entry of solution.json (key, title, subtitle, description, version).
  public let entry: JSONValue
  public var key: String { entry["key"]?.stringValue ?? "" }
  public var title: String { entry["title"]?.stringValue ?? "" }
  public var version: String { entry["version"]?.stringValue ?? "1.0.0" }
  public var descriptionText: String { entry["description"]?.stringValue ?? "" }
  /// Preview PNGs relative to `Connector/` (a Black and a White one for the gallery).
  public var previewImages: [String] { entry["previewImages"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
}

/// Everything under `Connector/` that the package is generated from: the solution's identity
/// (`solution.json`), the four CCF push files and the content. Loading only parses and
/// resolves files; `ConnectorChecker` judges them.
public struct SolutionSource: Sendable {
  /// Folder holding the inputs, relative to the root.
  public static let folder = "Connector"
  /// The single file with the solution's name, version and publisher identity.
  public static let manifestFile = "Connector/solution.json"

  public let root: URL
  public let manifest: SourceDocument
  public let definition: SourceDocument
  public let dataConnector: SourceDocument
  public let dcr: SourceDocument
  public let tables: [SourceDocument]
  public let parsers: [SourceDocument]
  public let workbooks: [WorkbookSource]
  public let analyticRules: [SourceDocument]
  public let huntingQueries: [SourceDocument]
  /// The logo's SVG text, on one line.
  public let logo: String

  public var name: String { manifest.json["name"]?.stringValue ?? "" }
  public var version: String { manifest.json["version"]?.stringValue ?? "" }
  public var publisher: JSONValue { manifest.json["publisher"] ?? .null }
  /// `publisherId.offerId`, the solution id Content Hub and Partner Center know it by.
  public var solutionId: String {
    "\(publisher["publisherId"]?.stringValue ?? "").\(publisher["offerId"]?.stringValue ?? "")"
  }
  public var connectorId: String { definition.json["properties"]?["connectorUiConfig"]?["id"]?.stringValue ?? "" }
  public var connectorTitle: String { definition.json["properties"]?["connectorUiConfig"]?["title"]?.stringValue ?? "" }

  /// Loads `Connector/` under `root`.
  /// - Throws: every `SourceError` found (unreadable file, invalid JSON/YAML, missing key in
  ///   solution.json); loading continues past the first so one run reports them all.
  public static func load(root: URL) throws(SourceErrors) -> SolutionSource {
    var errors: [SourceError] = []
    func read(_ relative: String) -> String? {
      let url = root.appendingPathComponent(relative)
      guard let data = FileManager.default.contents(atPath: url.path) else {
        errors.append(SourceError(file: relative, path: "$", message: "file not found or unreadable"))
        return nil
      }
      guard let text = String(data: data, encoding: .utf8) else {
        errors.append(SourceError(file: relative, path: "$", message: "not UTF-8 text"))
        return nil
      }
      return text
    }
    func document(_ relative: String) -> SourceDocument? {
      guard let text = read(relative) else { return nil }
      do {
        if relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") {
          return SourceDocument(file: relative, json: try YAMLDocument.parse(text, file: relative))
        }
        return SourceDocument(file: relative, json: try JSONParser.parse(text, file: relative))
      } catch let error as JSONParseError {
        errors.append(SourceError(file: relative, path: "line \(error.line) column \(error.column)", message: "invalid JSON: \(error.reason)"))
      } catch let error as SourceError {
        errors.append(error)
      } catch {
        errors.append(SourceError(file: relative, path: "$", message: "\(error)"))
      }
      return nil
    }
    func listed(_ key: String, in manifest: JSONValue) -> [String] {
      guard let value = manifest[key] else {
        errors.append(SourceError(file: manifestFile, path: "$.\(key)", message: "missing (use [] for none)"))
        return []
      }
      guard let items = value.arrayValue else {
        errors.append(SourceError(file: manifestFile, path: "$.\(key)", message: "must be an array"))
        return []
      }
      return items.enumerated().compactMap { index, item in
        let file = item.stringValue ?? item["file"]?.stringValue
        if file == nil { errors.append(SourceError(file: manifestFile, path: "$.\(key)[\(index)]", message: "must name a file")) }
        return file.map { "\(folder)/\($0)" }
      }
    }

    guard let manifest = document(manifestFile) else { throw SourceErrors(errors) }
    let connector = manifest.json["dataConnector"] ?? .null
    func connectorFile(_ key: String) -> SourceDocument? {
      guard let name = connector[key]?.stringValue else {
        errors.append(SourceError(file: manifestFile, path: "$.dataConnector.\(key)", message: "missing file name"))
        return nil
      }
      return document("\(folder)/\(name)")
    }
    let definition = connectorFile("definition")
    let dataConnector = connectorFile("dataConnector")
    let dcr = connectorFile("dataCollectionRule")
    let tables = listed("tables", in: connector).compactMap(document)
    let parsers = listed("parsers", in: manifest.json).compactMap(document)
    let workbookEntries = manifest.json["workbooks"]?.arrayValue ?? []
    let workbooks = zip(listed("workbooks", in: manifest.json), workbookEntries).compactMap { file, entry in
      document(file).map { WorkbookSource(document: $0, entry: entry) }
    }
    let rules = listed("analyticRules", in: manifest.json).compactMap(document)
    let hunting = listed("huntingQueries", in: manifest.json).compactMap(document)
    var logo = ""
    if let logoFile = manifest.json["logo"]?.stringValue {
      logo =
        read("\(folder)/\(logoFile)")?.trimmingCharacters(in: .whitespacesAndNewlines)
        .replacingOccurrences(of: "\n", with: "") ?? ""
    } else {
      errors.append(SourceError(file: manifestFile, path: "$.logo", message: "missing (path of an SVG file under Connector/)"))
    }
    guard errors.isEmpty, let definition, let dataConnector, let dcr else { throw SourceErrors(errors) }
    return SolutionSource(
      root: root, manifest: manifest, definition: definition, dataConnector: dataConnector, dcr: dcr,
      tables: tables, parsers: parsers, workbooks: workbooks, analyticRules: rules, huntingQueries: hunting, logo: logo)
  }
}

/// Several `SourceError`s from one load.
public struct SourceErrors: Error, Sendable, CustomStringConvertible {
  public let errors: [SourceError]
  public init(_ errors: [SourceError]) { self.errors = errors }
  public var description: String { errors.map(\.description).joined(separator: "\n") }
}
