import Findings
import Testing

/// The canonical forms the validator stores, including the fast paths that keep a value that is
/// already canonical and skip Unicode work for ASCII.
@Suite(.timeLimit(.minutes(10))) struct CanonicalFormTests {
  /// One record with `LastModified`, `Severity` and `MachineName` as given.
  private func validate(lastModified: String = "2025-11-06T10:30:00Z", severity: String = "High", machine: String = "web-01")
    -> Result<ValidFinding, FindingRejection>
  {
    var writer = CanonicalJSONWriter()
    writer.write(
      .object([
        JSONMember(name: "VulnId", value: .string("CVE-2025-1")),
        JSONMember(name: "Severity", value: .string(severity)),
        JSONMember(name: "MachineName", value: .string(machine)),
        JSONMember(name: "LastModified", value: .string(lastModified)),
      ]))
    return FindingValidator().validate(bytes: writer.bytes)
  }

  @Test(arguments: [
    ("2025-11-06T10:30:00Z", "2025-11-06T10:30:00Z"),
    ("2025-11-06T10:30:00.1234567Z", "2025-11-06T10:30:00.1234567Z"),
    ("2025-11-06T10:30:00.5Z", "2025-11-06T10:30:00.5Z"),
    ("2025-11-06T10:30:00.500Z", "2025-11-06T10:30:00.5Z"),
    ("2025-11-06T10:30:00.000Z", "2025-11-06T10:30:00Z"),
    ("2025-11-06T10:30:00.12345670Z", "2025-11-06T10:30:00.1234567Z"),
    ("2025-11-06T10:30:00,5Z", "2025-11-06T10:30:00.5Z"),
    ("2025-11-06t10:30:00z", "2025-11-06T10:30:00Z"),
    ("2025-11-06 10:30:00Z", "2025-11-06T10:30:00Z"),
    ("2025-11-06T10:30:00+00:00", "2025-11-06T10:30:00Z"),
    ("2025-11-06T00:30:00+02:00", "2025-11-05T22:30:00Z"),
    ("2025-12-31T23:30:00-01:00", "2026-01-01T00:30:00Z"),
  ])
  func dateTimesAreStoredInOneSpelling(input: String, canonical: String) throws {
    let finding = try validate(lastModified: input).get()
    #expect(finding.lastModified == canonical)
    #expect(String(decoding: finding.payload, as: UTF8.self).contains("\"LastModified\":\"\(canonical)\""))
  }

  @Test(arguments: ["2025-02-29T10:30:00Z", "2025-11-06T24:00:00Z", "2025-11-06T10:30:00", "2025-11-06T10:30:00.Z"])
  func impossibleDateTimesAreRejected(input: String) {
    #expect(throws: FindingRejection.self) { try validate(lastModified: input).get() }
  }

  @Test(arguments: [("High", "High"), ("high", "High"), ("HIGH", "High"), ("informational", "Informational")])
  func enumeratedValuesTakeTheirCanonicalSpelling(input: String, canonical: String) throws {
    let payload = String(decoding: try validate(severity: input).get().payload, as: UTF8.self)
    #expect(payload.contains("\"Severity\":\"\(canonical)\""))
  }

  @Test func anUnknownEnumeratedValueIsRejectedWithTheKnownOnes() {
    let result = validate(severity: "Severe")
    guard case .failure(let rejection) = result else {
      Issue.record("accepted \"Severe\"")
      return
    }
    #expect(rejection.description.contains("Critical, High, Medium, Low, Informational"))
  }

  @Test(arguments: ["web-01", "wéb-01", "ウェブ-01", "x"])
  func keysWithoutEdgeWhitespaceAreAccepted(machine: String) throws {
    #expect(try validate(machine: machine).get().machineName == machine)
  }

  @Test(arguments: [" web-01", "web-01 ", "\u{00A0}web-01", "web-01\u{2003}", "\tweb-01"])
  func keysWithEdgeWhitespaceAreRejected(machine: String) {
    #expect(throws: FindingRejection.self) { try validate(machine: machine).get() }
  }

  @Test func nonASCIIStringsAreValidatedAsUTF8() throws {
    let good = Array(#"{"VulnId":"CVE-1","MachineName":"wéb","LastModified":"2025-11-06T10:30:00Z"}"#.utf8)
    #expect(try FindingValidator().validate(bytes: good).get().machineName == "wéb")
    var bad = good
    let accent = bad.firstIndex(of: 0xC3)!
    bad[accent + 1] = 0x28  // a lead byte followed by a non-continuation byte
    #expect(throws: FindingRejection.self) { try FindingValidator().validate(bytes: bad).get() }
  }
}
