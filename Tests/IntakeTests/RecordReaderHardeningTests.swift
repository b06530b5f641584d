import Findings
import Foundation
import Intake
import OutboxTestSupport
import Testing

/// The reader under hostile input (issue 15.9): oversized elements skipped, pretty-printed
/// objects reported once, blank lines without recursion; and the capped error report.
@Suite(.timeLimit(.minutes(10))) struct RecordReaderHardeningTests {
  @Test func oversizedArrayElementIsSkippedAndTheRestIsRead() throws {
    let huge = "{\"VulnId\": \"" + String(repeating: "y", count: RecordReader.maximumRecordBytes + 10) + "\"}"
    let input = "[" + Fixtures.finding(vulnId: "CVE-1") + ",\n" + huge + ",\n" + Fixtures.finding(vulnId: "CVE-2") + "]"
    let outcomes = try readAndValidate(Array(input.utf8))
    #expect(outcomes.count == 3)
    #expect(outcomes[0].finding?.vulnId == "CVE-1")
    #expect(outcomes[1].errors.first?.reason.contains("skipped (the rest of the input is read)") == true)
    #expect(outcomes[1].location.index == 1)
    #expect(outcomes[2].finding?.vulnId == "CVE-2")
    #expect(outcomes[2].location.line == 3)
  }

  @Test func prettyPrintedObjectsInNDJSONAreOneErrorEach() throws {
    let pretty = "{\n  \"VulnId\": \"CVE-1\"\n}\n\n{\n  \"VulnId\": \"CVE-2\",\n  \"x\": {\"nested\": \"}\"}\n}\n"
    let outcomes = try readAndValidate(Array(pretty.utf8))
    #expect(outcomes.count == 2)
    #expect(outcomes.map(\.location.line) == [1, 5])
    #expect(outcomes.allSatisfy { $0.errors.first?.reason.contains("pretty-printed") == true })
  }

  @Test func aMillionBlankLinesDoNotRecurse() throws {
    let input = String(repeating: "\n", count: 1_000_000) + Fixtures.finding() + "\n"
    let outcomes = try readAndValidate(Array(input.utf8))
    #expect(outcomes.count == 1)
    #expect(outcomes.first?.location.line == 1_000_001)
    #expect(outcomes.first?.finding != nil)
  }

  @Test func aMillionBlankLinesBetweenRecordsSpacesAndCRLFIncluded() throws {
    // After the first record the reader is in NDJSON mode: these go through its line loop.
    let blanks = String(repeating: "\n \t\r\n", count: 500_000)
    let input = Fixtures.finding(vulnId: "CVE-1") + "\n" + blanks + Fixtures.finding(vulnId: "CVE-2") + "\r\n"
    let outcomes = try readAndValidate(Array(input.utf8))
    #expect(outcomes.map { $0.finding?.vulnId } == ["CVE-1", "CVE-2"])
    #expect(outcomes.last?.location.line == 1_000_002)
  }

  @Test func keyWhitespaceIsRejectedButInnerSpacesAreFine() throws {
    let outer = try readAndValidate(Array((Fixtures.finding(machine: "web-01 ") + "\n").utf8))
    #expect(outer.first?.errors.first?.field == "MachineName")
    let inner = try readAndValidate(Array((Fixtures.finding(machine: "web 01") + "\n").utf8))
    #expect(inner.first?.finding != nil)
  }

  @Test func rejectionLimiterPrintsTheFirstHundredThenACount() {
    var limiter = RejectionLimiter()
    let location = RecordLocation(source: "f", line: 1, index: nil)
    var printed = 0
    for _ in 0..<500_000 {
      printed += limiter.lines(location: location, errors: [FieldError(field: "CVSS", reason: "bad")]).count
    }
    #expect(printed == 100)
    #expect(limiter.summary(rejectsPath: "rej.ndjson")?.hasPrefix("… and 499,900 more rejected records") == true)
    #expect(RejectionLimiter().summary(rejectsPath: nil) == nil)
  }
}
