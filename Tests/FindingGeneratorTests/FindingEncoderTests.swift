import Findings
import Foundation
import Testing

@testable import FindingGenerator

func document(_ findings: some Sequence<GeneratedFinding>, _ format: FindingFormat, chunkSize: Int = 1 << 20) -> Data {
  var data = Data()
  FindingEncoder.write(findings, format: format, chunkSize: chunkSize) { (chunk: [UInt8]) in
    data.append(contentsOf: chunk)
  }
  return data
}

/// The stream's row with the Swift type of each column's declared type; decoding fails if, say,
/// a boolean were written as a number or a date as a number.
// swift-format-ignore: AlwaysUseLowerCamelCase
// (the properties are the stream's column names, which Decodable matches)
struct StreamRow: Decodable {
  let VulnId, VulnTitle, Severity, MachineName, AssetCriticality, Status: String
  let CVSS: Double
  let PatchAvailable, ExploitAvailable: Bool
  let DiscoveryDate, LastModified: String
}

@Test(.timeLimit(.minutes(10))) func streamRowTypesCoverTheSchema() {
  // StreamRow above must follow the schema's declared types.
  let expected: [String: ColumnType] = [
    "CVSS": .real, "PatchAvailable": .boolean, "ExploitAvailable": .boolean,
    "DiscoveryDate": .datetime, "LastModified": .datetime,
  ]
  for column in StreamSchema.embedded.columns {
    #expect(column.type == expected[column.name, default: .string], "\(column.name)")
  }
}

@Test(.timeLimit(.minutes(10))) func jsonArrayDecodesToStreamRows() throws {
  let findings = Array(try generator(count: 200))
  let data = document(findings, .json)
  let rows = try JSONDecoder().decode([StreamRow].self, from: data)
  let objects = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
  #expect(rows.count == 200)
  let timestamp = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/
  for ((row, object), finding) in zip(zip(rows, objects), findings) {
    #expect(Set(object.keys) == Set(GeneratedFinding.fieldNames))
    #expect(row.VulnId == finding.vulnId)
    #expect(row.CVSS == finding.cvss)
    #expect(row.Status == finding.status.rawValue)
    #expect(row.PatchAvailable == finding.patchAvailable)
    #expect(try timestamp.wholeMatch(in: row.DiscoveryDate) != nil, "\(row.DiscoveryDate)")
    #expect(row.LastModified == UTCTimestamp.format(finding.lastModified))
  }
}

@Test(.timeLimit(.minutes(10))) func ndjsonIsOneObjectPerLine() throws {
  let findings = Array(try generator(count: 50))
  let text = try #require(String(data: document(findings, .ndjson), encoding: .utf8))
  #expect(text.hasSuffix("}\n"))
  let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
  #expect(lines.count == 50)
  for (line, finding) in zip(lines, findings) {
    #expect(String(line) == FindingEncoder.object(finding))
    #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
  }
}

@Test(.timeLimit(.minutes(10))) func emptySetsAreValidDocuments() {
  #expect(String(decoding: document([], .json), as: UTF8.self) == "[]\n")
  #expect(document([], .ndjson).isEmpty)
}

@Test(.timeLimit(.minutes(10))) func chunkSizeDoesNotChangeTheBytes() throws {
  let findings = try generator(count: 300)
  for format in FindingFormat.allCases {
    #expect(document(findings, format, chunkSize: 97) == document(findings, format))
  }
}

@Test(.timeLimit(.minutes(10))) func stringsAreEscaped() throws {
  var finding = try generator(count: 1)[0]
  finding.vulnTitle = "quote \" backslash \\ tab \t newline \n bell \u{07} é"
  let object = try #require(
    try JSONSerialization.jsonObject(with: Data(FindingEncoder.object(finding).utf8)) as? [String: Any])
  #expect(object["VulnTitle"] as? String == finding.vulnTitle)
}

@Test(
  .timeLimit(.minutes(10)),
  arguments: [
    Int64(0), -1, 86_399, 86_400, 951_782_400, 951_868_799, 1_709_208_000, 2_147_483_648, 4_102_444_800,
    253_402_300_799, -2_208_988_800,
  ])
func timestampsMatchFoundation(seconds: Int64) {
  let formatter = ISO8601DateFormatter()
  formatter.timeZone = TimeZone(identifier: "UTC")
  formatter.formatOptions = [.withInternetDateTime]
  #expect(UTCTimestamp.format(seconds) == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))))
}
