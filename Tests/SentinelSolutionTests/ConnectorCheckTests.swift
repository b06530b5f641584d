import Foundation
import SentinelSolution
import Testing

@Suite(.timeLimit(.minutes(10))) struct ConnectorCheckTests {
  @Test func repositoryPassesEveryCheck() {
    let report = ConnectorChecker(root: SolutionFixture.repositoryRoot).run()
    #expect(report.ran == CheckID.allCases)
    #expect(report.failures == [], "\(report.failures.map(\.description).joined(separator: "\n"))")
  }

  /// A broken variant of the solution and where the checker must report it.
  struct Breakage: CustomTestStringConvertible, Sendable {
    let name: String
    let file: String
    let old: String
    let new: String
    let check: CheckID
    let reportedFile: String
    let pathContains: String
    var testDescription: String { name }
  }

  static let breakages: [Breakage] = [
    .init(
      name: "stream column type differs from table", file: "Connector/table.json",
      old: "\"name\": \"CVSS\",\n          \"type\": \"real\"", new: "\"name\": \"CVSS\",\n          \"type\": \"long\"",
      check: .columns, reportedFile: "Connector/DCR.json", pathContains: "columns[3].type"),
    .init(
      name: "wrong stream name in data connector", file: "Connector/dataConnector.json",
      old: "\"streamName\": \"Custom-cveBusterVulnerabilities\"", new: "\"streamName\": \"Custom-cveBusterVulns\"",
      check: .linkage, reportedFile: "Connector/dataConnector.json", pathContains: "$.properties.dcrConfig.streamName"),
    .init(
      name: "connectorDefinitionName differs from definition id", file: "Connector/dataConnector.json",
      old: "\"connectorDefinitionName\": \"cveBusterPush\"", new: "\"connectorDefinitionName\": \"cveBuster\"",
      check: .linkage, reportedFile: "Connector/dataConnector.json", pathContains: "connectorDefinitionName"),
    .init(
      name: "outputStream names no table", file: "Connector/DCR.json",
      old: "\"outputStream\": \"Custom-cveBusterVulnerabilities_CL\"", new: "\"outputStream\": \"Custom-cveBuster_CL\"",
      check: .linkage, reportedFile: "Connector/DCR.json", pathContains: "outputStream"),
    .init(
      name: "reserved column name", file: "Connector/table.json",
      old: "\"name\": \"Status\"", new: "\"name\": \"Type\"",
      check: .columns, reportedFile: "Connector/table.json", pathContains: "columns[11].name"),
    .init(
      name: "transform outputs a column the table lacks", file: "Connector/DCR.json",
      old: "source | extend TimeGenerated = now()", new: "source | extend TimeGenerated = now(), Extra = 1",
      check: .columns, reportedFile: "Connector/DCR.json", pathContains: "transformKql"),
    .init(
      name: "transform uses a forbidden operator", file: "Connector/DCR.json",
      old: "source | extend TimeGenerated = now()", new: "source | summarize count() by VulnId",
      check: .columns, reportedFile: "Connector/DCR.json", pathContains: "transformKql"),
    .init(
      name: "second Deploy button", file: "Connector/connectorDefinition.json",
      old: "\"type\": \"CopyableLabel\",\n              \"parameters\": {\n                \"label\": \"Tenant ID",
      new: "\"type\": \"DeployPushConnectorButton\",\n              \"parameters\": {\n                \"label\": \"Tenant ID",
      check: .connectorUI, reportedFile: "Connector/connectorDefinition.json", pathContains: "instructionSteps"),
    .init(
      name: "unknown fillWith value", file: "Connector/connectorDefinition.json",
      old: "\"TenantId\"", new: "\"WorkspaceId\"",
      check: .connectorUI, reportedFile: "Connector/connectorDefinition.json", pathContains: "fillWith[0]"),
    .init(
      name: "UI config fails the ARM schema", file: "Connector/connectorDefinition.json",
      old: "\"status\": 1,", new: "\"status\": \"available\",",
      check: .connectorUI, reportedFile: "Connector/connectorDefinition.json", pathContains: "availability"),
    .init(
      name: "invalid domain", file: "Connector/solution.json",
      old: "\"Security - Threat Protection\"", new: "\"Security - Threats\"",
      check: .solutionValidators, reportedFile: "Connector/solution.json", pathContains: "$.categories.domains[1]"),
    .init(
      name: "placeholder publisher identity", file: "Connector/solution.json",
      old: "\"publisherId\": \"cvebuster\"", new: "\"publisherId\": \"yourcompany\"",
      check: .solutionValidators, reportedFile: "Connector/solution.json", pathContains: "$.publisher.publisherId"),
    .init(
      name: "duplicated rule id", file: "Connector/AnalyticRules/cveBuster_NewVulnerabilityOnManyMachines.yaml",
      old: "id: 645cbc35-fd7f-4213-b418-09bfcc890e86", new: "id: 54873da6-87c7-4200-a1cb-9fec24a15245",
      check: .detections, reportedFile: "Connector/AnalyticRules/cveBuster_NewVulnerabilityOnManyMachines.yaml", pathContains: "$.id"),
    .init(
      name: "rule period shorter than frequency", file: "Connector/AnalyticRules/cveBuster_PatchAvailableStillOpen.yaml",
      old: "queryPeriod: 3d", new: "queryPeriod: 1h",
      check: .detections, reportedFile: "Connector/AnalyticRules/cveBuster_PatchAvailableStillOpen.yaml", pathContains: "$.queryPeriod"),
    .init(
      name: "rule names another connector", file: "Connector/HuntingQueries/cveBuster_ReopenedFindings.yaml",
      old: "connectorId: cveBusterPush", new: "connectorId: QualysVM",
      check: .detections, reportedFile: "Connector/HuntingQueries/cveBuster_ReopenedFindings.yaml", pathContains: "requiredDataConnectors[0].connectorId"),
    .init(
      name: "workbook template id", file: "Connector/Workbooks/cveBusterVulnerabilities.json",
      old: "\"fromTemplateId\": \"sentinel-cveBusterVulnerabilitiesWorkbook\"", new: "\"fromTemplateId\": \"sentinel-UserWorkbook\"",
      check: .workbook, reportedFile: "Connector/Workbooks/cveBusterVulnerabilities.json", pathContains: "$.fromTemplateId"),
    .init(
      name: "invalid JSON", file: "Connector/dataConnector.json",
      old: "\"kind\": \"Push\",", new: "\"kind\": \"Push\"",
      check: .parse, reportedFile: "Connector/dataConnector.json", pathContains: "line 6"),
    .init(
      name: "hand-edited package", file: "Package/mainTemplate.json",
      old: "\"contentVersion\": \"1.0.0.0\"", new: "\"contentVersion\": \"1.0.0.1\"",
      check: .regenerate, reportedFile: "Package/mainTemplate.json", pathContains: "line 3"),
    .init(
      name: "template fails the ARM schema", file: "Package/mainTemplate.json",
      old: "\"contentVersion\": \"1.0.0.0\"", new: "\"contentVersion\": \"one\"",
      check: .armTemplate, reportedFile: "Package/mainTemplate.json", pathContains: "$.contentVersion"),
    .init(
      name: "testParameters differ", file: "Package/testParameters.json",
      old: "\"workspace\": {", new: "\"workspaceName\": {",
      check: .packageConsistency, reportedFile: "Package/testParameters.json", pathContains: "$"),
    .init(
      name: "stream differs from the embedded copy", file: "Connector/DCR.json",
      old: "\"name\": \"VulnTitle\"", new: "\"name\": \"Title2\"",
      check: .streamContract, reportedFile: "Connector/DCR.json", pathContains: "streamDeclarations"),
  ]

  @Test(arguments: breakages)
  func brokenVariantIsCaught(_ breakage: Breakage) throws {
    let fixture = try SolutionFixture()
    defer { fixture.remove() }
    try fixture.replace(breakage.file, breakage.old, with: breakage.new)
    let report = fixture.check()
    #expect(!report.passed)
    let hits = report.failures(of: breakage.check).filter {
      $0.file == breakage.reportedFile && $0.path.contains(breakage.pathContains)
    }
    #expect(
      !hits.isEmpty,
      "expected [\(breakage.check.rawValue)] \(breakage.reportedFile) \(breakage.pathContains); got:\n\(report.failures.map(\.description).joined(separator: "\n"))"
    )
  }

  @Test func staleZipIsCaught() throws {
    let fixture = try SolutionFixture()
    defer { fixture.remove() }
    let ui = try fixture.read("Package/createUiDefinition.json")
    let main = try fixture.read("Package/mainTemplate.json")
    let stale = StoredZip.archive([
      .init(name: "createUiDefinition.json", data: Data((ui + " ").utf8)),
      .init(name: "mainTemplate.json", data: Data(main.utf8)),
    ])
    try stale.write(to: fixture.root.appendingPathComponent("Package/3.1.0.zip"))
    let failures = fixture.check().failures(of: .packageConsistency)
    #expect(failures.contains { $0.file == "Package/3.1.0.zip" && $0.path == "createUiDefinition.json" && $0.message.contains("stale") })
  }

  @Test func extraZipEntryIsCaught() throws {
    let fixture = try SolutionFixture()
    defer { fixture.remove() }
    let entries = try StoredZip.read(Data(contentsOf: fixture.root.appendingPathComponent("Package/3.1.0.zip")))
    try StoredZip.archive(entries + [.init(name: "README.md", data: Data("x".utf8))])
      .write(to: fixture.root.appendingPathComponent("Package/3.1.0.zip"))
    let failures = fixture.check().failures(of: .packageConsistency)
    #expect(failures.contains { $0.file == "Package/3.1.0.zip" && $0.message.contains("README.md") })
  }

  @Test func missingZipForVersionIsCaught() throws {
    let fixture = try SolutionFixture()
    defer { fixture.remove() }
    try fixture.replace("Connector/solution.json", "\"version\": \"3.1.0\"", with: "\"version\": \"3.1.1\"")
    let report = fixture.check()
    #expect(report.failures(of: .packageConsistency).contains { $0.file == "Package/3.1.1.zip" })
    #expect(report.failures(of: .packageConsistency).contains { $0.path == "$.variables._solutionVersion" })
  }
}
