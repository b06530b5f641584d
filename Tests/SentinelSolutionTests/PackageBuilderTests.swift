import Findings
import Foundation
import SentinelSolution
import Testing

@Suite(.timeLimit(.minutes(10))) struct PackageBuilderTests {
  @Test func committedPackageEqualsGeneratedOutput() throws {
    let source = try SolutionSource.load(root: SolutionFixture.repositoryRoot)
    for (path, data) in PackageBuilder(source: source).files() {
      let committed = FileManager.default.contents(atPath: SolutionFixture.repositoryRoot.appendingPathComponent(path).path)
      #expect(committed == data, "\(path) is stale: run `cvebuster-outbox connector package`")
    }
  }

  @Test func packagingTwiceWritesIdenticalBytes() throws {
    let fixture = try SolutionFixture()
    defer { fixture.remove() }
    try FileManager.default.removeItem(at: fixture.root.appendingPathComponent("Package"))
    let source = try SolutionSource.load(root: fixture.root)
    let first = try PackageBuilder(source: source).write()
    let bytes = try first.map { try Data(contentsOf: fixture.root.appendingPathComponent($0)) }
    let second = try PackageBuilder(source: source).write()
    #expect(first.count == 4)
    #expect(second == [], "second run rewrote \(second)")
    #expect(try first.map { try Data(contentsOf: fixture.root.appendingPathComponent($0)) } == bytes)
  }

  @Test func zipHoldsTheTwoLooseFiles() throws {
    let root = SolutionFixture.repositoryRoot
    let entries = try StoredZip.read(Data(contentsOf: root.appendingPathComponent("Package/3.1.0.zip")))
    #expect(entries.map(\.name) == ["createUiDefinition.json", "mainTemplate.json"])
    for entry in entries {
      #expect(entry.data == (try Data(contentsOf: root.appendingPathComponent("Package/\(entry.name)"))))
    }
  }

  @Test func generatedTemplateCarriesTheManifestIdentity() throws {
    let root = SolutionFixture.repositoryRoot
    let text = try String(contentsOf: root.appendingPathComponent("Package/mainTemplate.json"), encoding: .utf8)
    let template = try JSONParser.parse(text, file: "mainTemplate.json")
    #expect(template["variables"]?["solutionId"] == "cvebuster.azure-sentinel-solution-cvebuster")
    #expect(!text.lowercased().contains("yourcompany"))
    let kinds = (template["resources"]?.arrayValue ?? []).compactMap { $0["properties"]?["contentKind"]?.stringValue }
    #expect(
      kinds == [
        "DataConnector", "ResourcesDataConnector", "Parser", "Workbook", "AnalyticsRule", "AnalyticsRule", "AnalyticsRule",
        "HuntingQuery", "HuntingQuery", "HuntingQuery", "Solution",
      ])
  }
}
