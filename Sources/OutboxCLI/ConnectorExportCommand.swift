import ArgumentParser
import Foundation
import SentinelSolution

extension ConnectorCommand {
  /// `connector export-pr DIR`: the pull request for Azure/Azure-Sentinel, from Connector/ and Package/.
  struct ExportPR: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "export-pr",
      abstract: "Write the Azure-Sentinel submission (Solutions/<Name>/ and the repository-level files) into DIR.",
      discussion: """
        Writes Solutions/<Name>/ (Data/Solution_<Name>.json, SolutionMetadata.json, ReleaseNotes.md, \
        Data Connectors/<Name>_ccf/, Analytic Rules/, Hunting Queries/, Parsers/, Workbooks/, Package/) \
        and the connector id, KQL-test table and function, workbook gallery entry, preview images and \
        logo. Point DIR at a checkout of your Azure-Sentinel fork: ValidConnectorIds.json and \
        WorkbooksMetadata.json there get our entries added and keep all others. Run \
        `connector package` first; the tree is checked (check 12) before anything is written. \
        Exit 1 when a check fails, 65 when Connector/ cannot be read, 74 when DIR cannot be written.

        Example: cvebuster-outbox connector export-pr ~/src/Azure-Sentinel && git -C ~/src/Azure-Sentinel status
        """)

    @OptionGroup var options: RootOptions

    @Argument(help: ArgumentHelp("Target directory (a checkout of Azure-Sentinel, or an empty folder).", valueName: "dir"))
    var directory: String

    func run() throws {
      let source: SolutionSource
      do {
        source = try SolutionSource.load(root: options.url)
      } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode(65)
      }
      let target = URL(fileURLWithPath: directory, isDirectory: true)
      let tree: SubmissionTree
      do {
        tree = try SubmissionTree(source: source) { FileManager.default.contents(atPath: target.appendingPathComponent($0).path) }
      } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode(65)
      }
      let failures = SubmissionCheck.run(tree)
      for failure in failures { FileHandle.standardError.write(Data("\(failure)\n".utf8)) }
      if !failures.isEmpty { throw ExitCode(1) }
      do {
        for path in try tree.write(to: target) { print("wrote \(path)") }
      } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode(74)
      }
    }
  }
}
