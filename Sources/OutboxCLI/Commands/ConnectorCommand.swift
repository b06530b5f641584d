import ArgumentParser
import Foundation
import SentinelSolution

/// `cvebuster-outbox connector check|package`: the Sentinel solution's consistency checks and
/// package build.
public struct ConnectorCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "connector",
    abstract: "Check the Sentinel solution in Connector/ and Package/, generate Package/, or export the Azure-Sentinel pull request.",
    discussion: """
      Connector/ holds the push connector, DCR, table, content and solution metadata; Package/ \
      is generated from it. See docs/sentinel-solution.md.

      Example: cvebuster-outbox connector package && cvebuster-outbox connector check
      """,
    subcommands: [Check.self, Build.self, ExportPR.self])

  public init() {}

  /// Options both subcommands share.
  struct RootOptions: ParsableArguments {
    @Option(name: .long, help: "Project root holding Connector/ and Package/.", completion: .directory)
    var root: String = FileManager.default.currentDirectoryPath

    var url: URL { URL(fileURLWithPath: root, isDirectory: true) }
  }

  /// `connector check`: runs checks 1–12; exit 0 only when all pass, 1 when any fails.
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "check",
      abstract: "Run the offline checks on Connector/ and Package/ (exit 0 only if all pass).",
      discussion: """
        Runs checks 1–12 of docs/sentinel-solution.md: JSON/YAML parsing, ARM and connector UI \
        schemas, packager linkage, column rules, solution validators, package consistency, \
        regeneration, workbook, rules and queries, the stream contract with the binary, and the Azure-Sentinel submission tree. \
        Each problem names its file and JSON path. Exit 0 when all pass, 1 otherwise.

        Example: cvebuster-outbox connector check --root ~/src/cvebuster-outbox
        """)

    @OptionGroup var options: RootOptions
    @OptionGroup(title: "Global Options") var global: GlobalOptions

    func run() throws {
      let report = ConnectorChecker(root: options.url).run()
      for failure in report.failures {
        Diagnostics.error("\(failure)")
      }
      for check in report.ran {
        let count = report.failures(of: check).count
        StandardOutput.write("\(count == 0 ? "ok  " : "FAIL") \(check.rawValue)\(count == 0 ? "" : " (\(count) problem\(count == 1 ? "" : "s"))")\n")
      }
      let skipped = CheckID.allCases.filter { !report.ran.contains($0) }
      if !skipped.isEmpty {
        StandardOutput.write("not run: \(skipped.map(\.rawValue).joined(separator: ", ")) (fix check 1 first)\n")
      }
      if !report.passed { throw ExitStatus.partial.exitCode }
    }
  }

  /// `connector package`: regenerates Package/ from Connector/.
  struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "package",
      abstract: "Generate Package/mainTemplate.json, createUiDefinition.json, testParameters.json and <version>.zip from Connector/.",
      discussion: """
        Builds the solution package in the layout of Microsoft's V3 packaging tool, \
        deterministically: running it twice gives byte-identical files (zip entries dated \
        1980-01-01). Commit the result; `connector check` fails while Package/ is stale. \
        Exit 65 when Connector/ cannot be read, 74 when Package/ cannot be written.

        Example: cvebuster-outbox connector package && git diff --stat Package/
        """)

    @OptionGroup var options: RootOptions
    @OptionGroup(title: "Global Options") var global: GlobalOptions

    func run() throws {
      let source: SolutionSource
      do {
        source = try SolutionSource.load(root: options.url)
      } catch {
        throw fail(.dataError, "\(error)")
      }
      do {
        let changed = try PackageBuilder(source: source).write()
        let all = PackageBuilder(source: source).files().map(\.path)
        for path in all { StandardOutput.write("\(changed.contains(path) ? "wrote    " : "unchanged") \(path)\n") }
      } catch {
        throw fail(.ioError, "\(error)")
      }
    }
  }
}
