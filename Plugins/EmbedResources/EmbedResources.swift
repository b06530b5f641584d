import Foundation
import PackagePlugin

/// Compiles top-level resource files into Swift source at build time, so the binary needs no
/// files beside it: `Migrations/NNNN_name.sql` into OutboxStore's `EmbeddedMigration.all`, and
/// `Connector/DCR.json` and `Connector/table.json` into Findings' `EmbeddedConnector`.
///
/// The file list is read on every build, so a new migration is picked up without editing anything.
@main struct EmbedResources: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
    let root = context.package.directoryURL
    let tool = try context.tool(named: "EmbedResourcesTool").url
    let output = context.pluginWorkDirectoryURL.appending(path: "Embedded\(target.name).swift")
    let kind: String
    let inputs: [URL]
    switch target.name {
    case "OutboxStore":
      kind = "migrations"
      let directory = root.appending(path: "Migrations")
      inputs = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        .filter { $0.hasSuffix(".sql") }
        .sorted()
        .map { directory.appending(path: $0) }
    case "Findings":
      kind = "connector"
      inputs = ["DCR.json", "table.json"].map { root.appending(path: "Connector").appending(path: $0) }
    default:
      throw PluginError(message: "EmbedResources has nothing to embed for target \(target.name)")
    }
    return [
      .buildCommand(
        displayName: "Embedding \(kind) into \(target.name)",
        executable: tool,
        arguments: [kind, output.path] + inputs.map(\.path),
        inputFiles: inputs,
        outputFiles: [output])
    ]
  }
}

/// A target the plugin was applied to by mistake.
struct PluginError: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}
