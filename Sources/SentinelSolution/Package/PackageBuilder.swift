import Findings
import Foundation

/// Generates the files of `Package/` from `Connector/`: mainTemplate.json,
/// createUiDefinition.json, testParameters.json and `<version>.zip` (the first two files,
/// stored uncompressed with a fixed timestamp). Output is deterministic.
public struct PackageBuilder: Sendable {
  public static let folder = "Package"
  public let source: SolutionSource

  public init(source: SolutionSource) {
    self.source = source
  }

  /// The generated files, relative to the project root, in a fixed order.
  public func files() -> [(path: String, data: Data)] {
    let mainTemplate = MainTemplateBuilder(context: TemplateContext(source: source)).build()
    let mainText = Data(JSONWriter.pretty(mainTemplate).utf8)
    let uiText = Data(JSONWriter.pretty(CreateUiDefinitionBuilder(source: source).build()).utf8)
    let parameters = Data(JSONWriter.pretty(mainTemplate["parameters"] ?? [:]).utf8)
    let zip = StoredZip.archive([
      .init(name: "createUiDefinition.json", data: uiText),
      .init(name: "mainTemplate.json", data: mainText),
    ])
    return [
      ("\(Self.folder)/mainTemplate.json", mainText),
      ("\(Self.folder)/createUiDefinition.json", uiText),
      ("\(Self.folder)/testParameters.json", parameters),
      ("\(Self.folder)/\(source.version).zip", zip),
    ]
  }

  /// Writes the files under `source.root`; returns the paths whose bytes changed.
  /// - Throws: the file system's error, naming the path.
  public func write() throws(SourceError) -> [String] {
    var changed: [String] = []
    let manager = FileManager.default
    for (path, data) in files() {
      let url = source.root.appendingPathComponent(path)
      if manager.contents(atPath: url.path) == data { continue }
      do {
        try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
      } catch {
        throw SourceError(file: path, path: "$", message: "cannot write: \(error.localizedDescription)")
      }
      changed.append(path)
    }
    return changed
  }
}
