import Foundation
import PackagePlugin

/// Compiles top-level resource files into Swift source at build time, so the binary needs no
/// files beside it: `Migrations/NNNN_name.sql` into OutboxStore's `EmbeddedMigration.all`, and
/// `Connector/DCR.json` and `Connector/table.json` into Findings' `EmbeddedConnector`.
///
/// Migrations/ itself is an input and the tool lists it when it runs, so adding or removing a
/// migration is picked up by the next build, and so is an edit to a file that existed when
/// SwiftPM last planned the build. An edit to a file added since needs a new plan (a change to
/// Package.swift or to the set of source files; `touch Package.swift` will do).
@main struct EmbedResources: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
    let root = context.package.directoryURL
    let tool = try context.tool(named: "EmbedResourcesTool").url
    let output = context.pluginWorkDirectoryURL.appending(path: "Embedded\(target.name).swift")
    let kind: String
    let inputs: [URL]
    let arguments: [String]
    switch target.name {
    case "OutboxStore":
      // The tool lists the directory itself, and the directory is an input: adding a migration
      // changes its modification time, so the next build re-embeds without a new build plan.
      kind = "migrations"
      let directory = root.appending(path: "Migrations")
      let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        .filter { $0.hasSuffix(".sql") }
        .sorted()
        .map { directory.appending(path: $0) }
      inputs = [directory] + files
      arguments = [kind, output.path, directory.path]
    case "Findings":
      kind = "connector"
      inputs = ["DCR.json", "table.json"].map { root.appending(path: "Connector").appending(path: $0) }
      arguments = [kind, output.path] + inputs.map(\.path)
    default:
      throw PluginError(message: "EmbedResources has nothing to embed for target \(target.name)")
    }
    return [
      .buildCommand(
        displayName: "Embedding \(kind) into \(target.name)",
        executable: tool,
        arguments: arguments,
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
