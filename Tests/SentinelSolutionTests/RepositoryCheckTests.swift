import Foundation
import SentinelSolution
import Testing

/// The Azure-Sentinel repository's checks, run offline: each fails on a broken copy.
@Suite(.timeLimit(.minutes(10))) struct RepositoryCheckTests {
  typealias Breakage = ConnectorCheckTests.Breakage
  static let rules = "Connector/AnalyticRules/"
  static let hunting = "Connector/HuntingQueries/"

  /// Detection-schema rules on the source files (check 10).
  static let detectionBreakages: [Breakage] = [
    .init(
      name: "4 placeholders in an override format", file: rules + "cveBuster_PatchAvailableStillOpen.yaml",
      old: "still open on {{MachineName}} more than", new: "still open on {{MachineName}} for {{DaysOpen}} days, more than",
      check: .detections, reportedFile: rules + "cveBuster_PatchAvailableStillOpen.yaml",
      pathContains: "alertDescriptionFormat"),
    .init(
      name: "technique without its tactic", file: hunting + "cveBuster_ReopenedFindings.yaml",
      old: "  - Persistence", new: "  - InitialAccess",
      check: .detections, reportedFile: hunting + "cveBuster_ReopenedFindings.yaml", pathContains: "$.tactics"),
    .init(
      name: "identifier the entity type lacks", file: rules + "cveBuster_CriticalExploitableOnHighCriticalityAsset.yaml",
      old: "identifier: HostName", new: "identifier: Address",
      check: .detections, reportedFile: rules + "cveBuster_CriticalExploitableOnHighCriticalityAsset.yaml",
      pathContains: "fieldMappings[0].identifier"),
    .init(
      name: "no entity mappings", file: rules + "cveBuster_PatchAvailableStillOpen.yaml",
      old: "entityMappings:\n  - entityType: Host\n    fieldMappings:\n      - identifier: HostName\n        columnName: MachineName\n",
      new: "entityMappings: []\n",
      check: .detections, reportedFile: rules + "cveBuster_PatchAvailableStillOpen.yaml", pathContains: "$.entityMappings"),
    .init(
      name: "custom detail value not a column", file: rules + "cveBuster_CriticalExploitableOnHighCriticalityAsset.yaml",
      old: "  CVSS: CVSS\n", new: "  CVSS: CVSS score\n",
      check: .detections, reportedFile: rules + "cveBuster_CriticalExploitableOnHighCriticalityAsset.yaml",
      pathContains: "$.customDetails.CVSS"),
    .init(
      name: "custom detail key over 20 characters", file: rules + "cveBuster_CriticalExploitableOnHighCriticalityAsset.yaml",
      old: "  PatchAvailable: PatchAvailable", new: "  PatchAvailableForThisFinding: PatchAvailable",
      check: .detections, reportedFile: rules + "cveBuster_CriticalExploitableOnHighCriticalityAsset.yaml",
      pathContains: "$.customDetails.PatchAvailableForThisFinding"),
    .init(
      name: "hunting query without techniques", file: hunting + "cveBuster_ExploitableFindingsByMachine.yaml",
      old: "relevantTechniques:\n  - T1190\n", new: "",
      check: .detections, reportedFile: hunting + "cveBuster_ExploitableFindingsByMachine.yaml",
      pathContains: "$.relevantTechniques"),
    .init(
      name: "White preview not listed", file: "Connector/solution.json",
      old: ",\n        \"Workbooks/Images/cveBusterVulnerabilitiesWhite.png\"", new: "",
      check: .submission, reportedFile: "Workbooks/WorkbooksMetadata.json", pathContains: "previewImagesFileNames"),
    .init(
      name: "parser column of unknown type", file: "Connector/Parsers/cveBusterVulnerabilities.yaml",
      old: "DaysOpen, ReceivedTime", new: "DaysOpen, ReceivedTime, Extra",
      check: .submission, reportedFile: "Connector/Parsers/cveBusterVulnerabilities.yaml", pathContains: "FunctionQuery"),
  ]

  @Test(arguments: detectionBreakages)
  func brokenSourceIsCaught(_ breakage: Breakage) throws {
    let fixture = try SolutionFixture()
    defer { fixture.remove() }
    try fixture.replace(breakage.file, breakage.old, with: breakage.new)
    let failures = fixture.check().failures(of: breakage.check)
    #expect(
      failures.contains { $0.file == breakage.reportedFile && $0.path.contains(breakage.pathContains) },
      "\(failures.map(\.description).joined(separator: "\n"))")
  }

  /// A change to one file of the exported tree and where check 12 must report it.
  struct TreeBreakage: CustomTestStringConvertible, Sendable {
    let name: String
    let file: String
    let change: @Sendable (Data?) -> Data?
    let reportedFile: String
    let messageContains: String
    var testDescription: String { name }
  }

  static let dataFile = "Solutions/cveBuster/Data/Solution_cveBuster.json"
  static let rule = "Analytic Rules/cveBuster_PatchAvailableStillOpen.yaml"
  static let black = "Workbooks/Images/Preview/cveBusterVulnerabilitiesBlack.png"

  static func edit(_ old: String, _ new: String) -> @Sendable (Data?) -> Data? {
    { data in data.map { Data(String(decoding: $0, as: UTF8.self).replacingOccurrences(of: old, with: new).utf8) } }
  }

  /// A PNG header and one IDAT chunk of `idat` bytes (enough for the checker, which reads sizes).
  static func png(width: UInt32, height: UInt32, idat: Int) -> Data {
    func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
    var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    bytes += be(13) + Array("IHDR".utf8) + be(width) + be(height) + [8, 2, 0, 0, 0] + be(0)
    bytes += be(UInt32(idat)) + Array("IDAT".utf8) + [UInt8](repeating: 0, count: idat) + be(0)
    bytes += be(0) + Array("IEND".utf8) + be(0)
    return Data(bytes)
  }

  static let treeBreakages: [TreeBreakage] = [
    .init(
      name: "V3 input leaves a rule out", file: dataFile, change: edit("\"\(rule)\"", "\"Analytic Rules/Other.yaml\""),
      reportedFile: dataFile, messageContains: "is not listed"),
    .init(
      name: "V3 input lists a missing file", file: "Solutions/cveBuster/\(rule)", change: { _ in nil },
      reportedFile: dataFile, messageContains: "does not exist"),
    .init(
      name: "V3 input version differs", file: dataFile, change: edit("\"Version\": \"3.1.0\"", "\"Version\": \"3.0.0\""),
      reportedFile: dataFile, messageContains: "Version"),
    .init(
      name: "connector id not registered", file: SubmissionTree.validConnectorIdsPath,
      change: { _ in Data("[\"AWS\"]".utf8) },
      reportedFile: "Solutions/cveBuster/\(rule)", messageContains: "is not in"),
    .init(
      name: "no gallery entry", file: SubmissionTree.workbooksMetadataPath,
      change: edit("cveBusterVulnerabilitiesWorkbook", "OtherWorkbook"),
      reportedFile: SubmissionTree.workbooksMetadataPath, messageContains: "no entry"),
    .init(name: "preview image missing", file: black, change: { _ in nil }, reportedFile: black, messageContains: "missing"),
    .init(
      name: "preview too small", file: black, change: { _ in png(width: 640, height: 360, idat: 50_000) },
      reportedFile: black, messageContains: "at least 800"),
    .init(
      name: "blank preview", file: black, change: { _ in png(width: 1600, height: 1000, idat: 1_500) },
      reportedFile: black, messageContains: "blank"),
    .init(
      name: "logo missing", file: "Workbooks/Images/Logos/cveBuster.svg", change: { _ in nil },
      reportedFile: SubmissionTree.workbooksMetadataPath, messageContains: "cveBuster.svg"),
    .init(
      name: "custom table type differs", file: "\(SubmissionTree.customTablesFolder)/cveBusterVulnerabilities_CL.json",
      change: edit("\"Double\"", "\"String\""),
      reportedFile: "\(SubmissionTree.customTablesFolder)/cveBusterVulnerabilities_CL.json", messageContains: "does not match"),
    .init(
      name: "custom function columns differ", file: "\(SubmissionTree.customFunctionsFolder)/cveBusterVulnerabilities.json",
      change: edit("\"DaysOpen\"", "\"DaysSinceDiscovery\""),
      reportedFile: "\(SubmissionTree.customFunctionsFolder)/cveBusterVulnerabilities.json", messageContains: "does not match"),
    .init(
      name: "custom function missing", file: "\(SubmissionTree.customFunctionsFolder)/cveBusterVulnerabilities.json",
      change: { _ in nil },
      reportedFile: "\(SubmissionTree.customFunctionsFolder)/cveBusterVulnerabilities.json", messageContains: "missing"),
  ]

  @Test func exportedTreePasses() throws {
    let source = try SolutionSource.load(root: SolutionFixture.repositoryRoot)
    #expect(SubmissionCheck.run(try SubmissionTree(source: source)).map(\.description) == [])
  }

  @Test(arguments: treeBreakages)
  func brokenTreeIsCaught(_ breakage: TreeBreakage) throws {
    let source = try SolutionSource.load(root: SolutionFixture.repositoryRoot)
    var tree = try SubmissionTree(source: source)
    #expect(tree.files[breakage.file] != nil, "the breakage must change a file the tree has")
    tree.files[breakage.file] = breakage.change(tree.files[breakage.file])
    let failures = SubmissionCheck.run(tree)
    #expect(
      failures.contains { $0.file == breakage.reportedFile && $0.message.contains(breakage.messageContains) },
      "\(failures.map(\.description).joined(separator: "\n"))")
  }

  @Test func sharedListsKeepOtherEntriesAndAreIdempotent() throws {
    let source = try SolutionSource.load(root: SolutionFixture.repositoryRoot)
    let existing: [String: Data] = [
      SubmissionTree.validConnectorIdsPath: Data("[\"AWS\",,\n\"Zscaler\"]\n".utf8),
      SubmissionTree.workbooksMetadataPath: Data("[\n  {\n    \"workbookKey\": \"Other\"\n  }\n]\n".utf8),
    ]
    let first = try SubmissionTree(source: source) { existing[$0] }
    let ids = String(decoding: try #require(first.files[SubmissionTree.validConnectorIdsPath]), as: UTF8.self)
    #expect(ids.hasPrefix("[\"AWS\",,\n\"Zscaler\""))
    #expect(ids.contains("\"cveBusterPush\""))
    let metadata = String(decoding: try #require(first.files[SubmissionTree.workbooksMetadataPath]), as: UTF8.self)
    #expect(metadata.contains("\"Other\"") && metadata.contains("cveBusterVulnerabilitiesWorkbook"))
    let second = try SubmissionTree(source: source) { first.files[$0] }
    #expect(second.files == first.files)
    #expect(SubmissionCheck.run(first).isEmpty)
  }
}
