import Findings
import Testing

/// The parser options other modules rely on, and the shared writer and calendar helpers.
@Suite(.timeLimit(.minutes(10))) struct JSONParserOptionsTests {
  static func parse(_ text: String, _ options: JSONParser.Options = JSONParser.Options()) throws(JSONSyntaxError) -> JSONValue {
    try JSONParser.parse(Array(text.utf8), options: options)
  }

  @Test func duplicateNamesAreRefusedByDefaultAndKeptInOrderWhenAllowed() throws {
    #expect(throws: JSONSyntaxError.self) { try Self.parse(#"{"a":1,"a":2}"#) }
    let value = try Self.parse(#"{"a":1,"a":2}"#, JSONParser.Options(rejectsDuplicateNames: false))
    #expect(value == .object([JSONMember(name: "a", value: .number("1")), JSONMember(name: "a", value: .number("2"))]))
  }

  @Test func nestingLimitFollowsTheOption() throws {
    let deep = { (levels: Int) in String(repeating: "[", count: levels) + String(repeating: "]", count: levels) }
    _ = try Self.parse(deep(JSONParser.maximumDepth))
    #expect(throws: JSONSyntaxError.self) { try Self.parse(deep(JSONParser.maximumDepth + 1)) }
    _ = try Self.parse(deep(512), JSONParser.Options(maximumDepth: 512))
    #expect(throws: JSONSyntaxError.self) { try Self.parse(deep(513), JSONParser.Options(maximumDepth: 512)) }
  }

  @Test func byteOrderMarkIsSkippedOnlyWhenAsked() throws {
    let text = "\u{FEFF}{\"a\": true}"
    #expect(throws: JSONSyntaxError.self) { try Self.parse(text) }
    #expect(try Self.parse(text, JSONParser.Options(skipsByteOrderMark: true)) == .object([JSONMember(name: "a", value: .bool(true))]))
  }

  @Test func errorsNameLineAndColumnInCharacters() {
    do {
      _ = try Self.parse("{\n  \"é\": tru\n}")
      Issue.record("accepted invalid JSON")
    } catch {
      #expect(error.offset == 10)
      #expect(error.line == 2 && error.column == 8)
    }
  }

  @Test func accessorsReadMembersAndElements() throws {
    let value = try Self.parse(#"{"list": [1, "x", false], "o": {}}"#)
    #expect(value["list"]?[0]?.doubleValue == 1)
    #expect(value["list"]?[1]?.stringValue == "x")
    #expect(value["list"]?[2]?.boolValue == false)
    #expect(value["list"]?[3] == nil)
    #expect(value["o"]?.objectValue?.isEmpty == true)
    #expect(value.objectValue?.map(\.name) == ["list", "o"])
    #expect(value["missing"] == nil && value["list"]?["x"] == nil)
  }

  @Test func canonicalTextEscapesOnlyWhatJSONRequires() {
    let value = JSONValue.object([JSONMember(name: "k\"", value: .array([.string("é\n\u{01}\\"), .number("1.50"), .null]))])
    #expect(CanonicalJSONWriter.text(value) == #"{"k\"":["é\n\u0001\\",1.50,null]}"#)
    #expect(CanonicalJSONWriter.quoted("tab\there") == #""tab\there""#)
  }

  @Test(arguments: [
    (0, CivilDate(year: 1970, month: 1, day: 1)), (-1, CivilDate(year: 1969, month: 12, day: 31)),
    (19_782, CivilDate(year: 2024, month: 2, day: 29)), (-719_162, CivilDate(year: 1, month: 1, day: 1)),
    (2_932_896, CivilDate(year: 9999, month: 12, day: 31)),
  ])
  func civilDatesConvertBothWays(days: Int, date: CivilDate) {
    #expect(date.daysSince1970 == days)
    #expect(CivilDate(daysSince1970: days) == date)
  }

  @Test func civilDateRoundTripsEveryDayFromYear1To9999() {
    var expected = CivilDate(year: 1, month: 1, day: 1)
    for days in -719_162...2_932_896 {
      let date = CivilDate(daysSince1970: days)
      guard date == expected, date.isValid, date.daysSince1970 == days else {
        Issue.record("day \(days): \(date), expected \(expected)")
        return
      }
      let nextDay = expected.day + 1
      if nextDay <= CivilDate.daysIn(month: expected.month, year: expected.year) {
        expected = CivilDate(year: expected.year, month: expected.month, day: nextDay)
      } else if expected.month < 12 {
        expected = CivilDate(year: expected.year, month: expected.month + 1, day: 1)
      } else {
        expected = CivilDate(year: expected.year + 1, month: 1, day: 1)
      }
    }
  }

  @Test(arguments: [(2023, 2, 29), (2100, 2, 29), (2024, 13, 1), (2024, 4, 31), (2024, 1, 0)])
  func invalidCivilDates(year: Int, month: Int, day: Int) {
    #expect(!CivilDate(year: year, month: month, day: day).isValid)
  }
}
