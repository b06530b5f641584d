import Findings
import Foundation
import Intake
import OutboxTestSupport
import Testing

/// A bad input, the field its error must name (nil: the record as a whole) and words the reason must contain.
struct BadInput: CustomStringConvertible, Sendable {
  let name: String
  let bytes: [UInt8]
  let field: String?
  let reason: String

  init(_ name: String, _ text: String, field: String?, _ reason: String) {
    self.init(name, Array(text.utf8), field: field, reason)
  }

  init(_ name: String, _ bytes: [UInt8], field: String?, _ reason: String) {
    self.name = name
    self.bytes = bytes
    self.field = field
    self.reason = reason
  }

  var description: String { name }
}

private let good = Fixtures.finding()
private func with(_ overrides: [String: Any?]) -> String { Fixtures.finding(overrides: overrides) }

let badInputs: [BadInput] = [
  BadInput("empty file", "", field: nil, "empty"),
  BadInput("only whitespace", " \n\t\n", field: nil, "empty"),
  BadInput("not JSON at all", "hello world", field: nil, "expected a JSON array"),
  BadInput("truncated object", String(good.dropLast(5)) + "\n", field: nil, "truncated"),
  BadInput("truncated array", "[" + good + "," + String(good.dropLast(10)), field: nil, "truncated"),
  BadInput("missing closing bracket", "[" + good, field: nil, "closing ']'"),
  BadInput("trailing comma in array", "[" + good + ",]", field: nil, "trailing comma"),
  BadInput("data after array", "[" + good + "] extra", field: nil, "after the array"),
  BadInput("trailing comma in object", "{\"VulnId\":\"x\",}\n", field: nil, "member name"),
  BadInput("single quotes", "{'VulnId':'x'}\n", field: nil, "double quotes"),
  BadInput("NaN", with(["CVSS": nil]).replacingOccurrences(of: "}", with: ",\"CVSS\":NaN}"), field: nil, "NaN"),
  BadInput("Infinity", "[{\"CVSS\":Infinity}]", field: nil, "Infinity"),
  BadInput("leading zero", with(["CVSS": nil]).replacingOccurrences(of: "}", with: ",\"CVSS\":09.1}"), field: nil, "leading zeros"),
  BadInput("duplicate member", with(["CVSS": nil]).replacingOccurrences(of: "}", with: ",\"Status\":\"Open\"}"), field: nil, "duplicate"),
  BadInput("invalid UTF-8", Array(with(["VulnTitle": "PLACEHOLDER"]).utf8).replacing(Array("PLACEHOLDER".utf8), with: [0xC3, 0x28]), field: nil, "UTF-8"),
  BadInput("raw control character", with(["VulnTitle": "a\u{1}b"]).replacingOccurrences(of: "\\u0001", with: "\u{1}"), field: nil, "control character"),
  BadInput("lone surrogate", with(["VulnTitle": "PLACEHOLDER"]).replacingOccurrences(of: "PLACEHOLDER", with: "\\ud800"), field: nil, "surrogate"),
  BadInput("array element not an object", "[42]", field: nil, "expected a JSON object"),
  BadInput("missing VulnId", with(["VulnId": nil]), field: "VulnId", "required"),
  BadInput("missing MachineName", with(["MachineName": nil]), field: "MachineName", "required"),
  BadInput("missing LastModified", with(["LastModified": nil]), field: "LastModified", "required"),
  BadInput("empty VulnId", with(["VulnId": ""]), field: "VulnId", "empty"),
  BadInput("blank MachineName", with(["MachineName": "   "]), field: "MachineName", "empty"),
  BadInput("null key field", with(["VulnId": NSNull()]), field: "VulnId", "required"),
  BadInput("unknown field", with(["Hostname": "x"]), field: "Hostname", "not a column"),
  BadInput("wrong-case field", with(["cvss": 5.0]), field: "cvss", "did you mean CVSS"),
  BadInput("CVSS as string", with(["CVSS": "9.8"]), field: "CVSS", "expected a number"),
  BadInput("CVSS above 10", with(["CVSS": 10.1]), field: "CVSS", "outside the CVSS range"),
  BadInput("CVSS negative", with(["CVSS": -1]), field: "CVSS", "outside the CVSS range"),
  BadInput("CVSS overflows double", with(["CVSS": nil]).replacingOccurrences(of: "}", with: ",\"CVSS\":1e400}"), field: "CVSS", "out of range"),
  BadInput("boolean as string", with(["PatchAvailable": "true"]), field: "PatchAvailable", "true or false"),
  BadInput("boolean as number", with(["ExploitAvailable": 1]), field: "ExploitAvailable", "true or false"),
  BadInput("unknown severity", with(["Severity": "Severe"]), field: "Severity", "not one of"),
  BadInput("unknown status", with(["Status": "Closed"]), field: "Status", "not one of"),
  BadInput("date without zone", with(["LastModified": "2025-11-06T10:30:00"]), field: "LastModified", "no time zone"),
  BadInput("date only", with(["DiscoveryDate": "2025-11-06"]), field: "DiscoveryDate", "ISO-8601"),
  BadInput("impossible date", with(["DiscoveryDate": "2025-02-30T00:00:00Z"]), field: "DiscoveryDate", "no such calendar date"),
  BadInput("hour 24", with(["LastModified": "2025-11-06T24:00:00Z"]), field: "LastModified", "out of range"),
  BadInput("US date format", with(["LastModified": "11/06/2025 10:30"]), field: "LastModified", "ISO-8601"),
  BadInput("date as number", with(["LastModified": 1_730_000_000]), field: "LastModified", "expected an ISO-8601"),
  BadInput("nanosecond precision", with(["LastModified": "2025-11-06T10:30:00.123456789Z"]), field: "LastModified", "100 ns"),
  BadInput("huge string", with(["VulnTitle": String(repeating: "x", count: 65_537)]), field: "VulnTitle", "truncates"),
  BadInput("string as array", with(["VulnTitle": ["a"]]), field: "VulnTitle", "expected a string"),
  BadInput("nested too deep", String(repeating: "[", count: 70) + String(repeating: "]", count: 70), field: nil, "deeper"),
]

@Suite(.timeLimit(.minutes(10))) struct BadInputCorpusTests {
  @Test func corpusIsLargeEnough() {
    #expect(badInputs.count >= 30)
  }

  @Test(arguments: badInputs)
  func badInputIsRejectedWithFieldAndReason(_ input: BadInput) throws {
    let outcomes = try readAndValidate(input.bytes, source: "scan.json")
    let rejected = outcomes.filter { $0.finding == nil }
    try #require(!rejected.isEmpty, "\(input.name) was accepted")
    #expect(outcomes.allSatisfy { $0.location.source == "scan.json" && $0.location.line >= 1 })
    let error = try #require(rejected.flatMap(\.errors).first { $0.field == input.field })
    #expect(error.reason.contains(input.reason), "\(input.name): \(error.reason)")
  }

  @Test func goodRecordsAroundABadOneAreKept() throws {
    let text = Fixtures.finding(vulnId: "CVE-1") + "\n" + with(["CVSS": 42]) + "\n" + Fixtures.finding(vulnId: "CVE-3") + "\n"
    let outcomes = try readAndValidate(text, source: "scan.ndjson")
    #expect(outcomes.map { $0.finding?.vulnId } == ["CVE-1", nil, "CVE-3"])
    #expect(outcomes[1].location.description == "scan.ndjson: line 2")
  }

  @Test func arrayErrorsNameTheIndexAndLine() throws {
    let text = "[\n" + Fixtures.finding() + ",\n" + with(["Status": "Gone"]) + "\n]"
    let outcomes = try readAndValidate(text, source: "scan.json")
    #expect(outcomes[1].location.description == "scan.json: line 3, record [1]")
    #expect(outcomes[1].errors.map(\.field) == ["Status"])
  }
}

extension Array where Element == UInt8 {
  func replacing(_ target: [UInt8], with replacement: [UInt8]) -> [UInt8] {
    guard let range = self.firstRange(of: target) else { return self }
    var copy = self
    copy.replaceSubrange(range, with: replacement)
    return copy
  }
}
