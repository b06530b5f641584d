import Findings
import Foundation
import Testing

@testable import Emulator

@Suite("JSON and datetime parsing", .timeLimit(.minutes(10)))
struct ParsingTests {
  static func parse(_ text: String) -> JSONValue? {
    Array(text.utf8).withUnsafeBufferPointer { try? JSONParser.parse($0, options: .ingestionBody) }
  }

  @Test("parses escapes, surrogate pairs, numbers as text and keeps booleans distinct")
  func parses() {
    #expect(
      Self.parse(#"["a\"b\\\/\n\u00e9\ud83d\ude00", 1, -2.5e3, true, null, {"k": []}]"#)
        == .array([
          .string("a\"b\\/\né😀"), .number("1"), .number("-2.5e3"), .bool(true), .null, .object([JSONMember(name: "k", value: .array([]))]),
        ]))
  }

  @Test("refuses malformed JSON", arguments: ["[1,]", "[01]", "{\"a\" 1}", "[\"\\ud800\"]", "[1] x", "\"abc", "[-]", "tru"])
  func refuses(text: String) {
    #expect(Self.parse(text) == nil)
  }

  @Test(
    "the sink counter counts top-level elements, ignoring brackets and commas inside strings",
    arguments: [
      ("[]", 0), (" [ ] ", 0), ("[{}]", 1), (#"[{"a":"x,]}"},{"b":[1,2,{"c":"\"],"}]},3]"#, 3), ("{}", nil),
    ] as [(String, Int?)])
  func counts(text: String, expected: Int?) {
    #expect(Array(text.utf8).withUnsafeBufferPointer { JSONArrayCounter.countElements($0) } == expected)
  }

  @Test(
    "datetime strings as Kusto reads them, written back as 7-digit UTC",
    arguments: [
      ("2024-05-02T11:00:00Z", "2024-05-02T11:00:00.0000000Z"),
      ("2024-05-02 11:00:00.123456789", "2024-05-02T11:00:00.1234567Z"),
      ("2024-05-02T13:30:00+02:30", "2024-05-02T11:00:00.0000000Z"),
      ("2024-02-29", "2024-02-29T00:00:00.0000000Z"),
      ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.5000000Z"),
    ])
  func datetimes(text: String, expected: String) {
    #expect(Timestamp(iso8601: text)?.iso8601 == expected)
  }

  @Test("invalid datetimes", arguments: ["2023-02-29", "2024-13-01", "yesterday", "2024-05-02T25:00", "2024-05-02T11:00:00Zjunk"])
  func invalidDatetimes(text: String) {
    #expect(Timestamp(iso8601: text) == nil)
  }
}
