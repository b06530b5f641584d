import Findings
import Foundation
import SentinelSolution
import Testing

@Suite(.timeLimit(.minutes(10))) struct JSONToolsTests {
  @Test func parserKeepsOrderAndWriterRoundTrips() throws {
    let text = "{\n  \"b\": 1,\n  \"a\": [\n    true,\n    null,\n    \"x\\u00e9\\n\"\n  ],\n  \"c\": {},\n  \"d\": 1.50\n}\n"
    let value = try JSONParser.parse(text, file: "t.json")
    #expect(value.objectValue?.map(\.name) == ["b", "a", "c", "d"])
    #expect(JSONWriter.pretty(value) == text.replacingOccurrences(of: "\\u00e9", with: "é"))
  }

  @Test(arguments: ["{\"a\":1,\"a\":2}", "[1,]", "{\"a\":01}", "\"\u{01}\"", "{} x"])
  func parserRejects(_ text: String) {
    #expect(throws: JSONParseError.self) { try JSONParser.parse(text, file: "bad.json") }
  }

  @Test func parseErrorNamesLineAndColumn() {
    do {
      _ = try JSONParser.parse("{\n  \"a\": tru\n}", file: "x.json")
      Issue.record("accepted invalid JSON")
    } catch {
      #expect(error.line == 2 && error.column == 8)
    }
  }

  @Test func validatorCoversTheKeywordsItClaims() throws {
    let schema = try JSONParser.parse(
      """
      {"definitions": {"name": {"type": "string", "pattern": "^[a-z]+$", "minLength": 2, "maxLength": 4}},
       "type": "object", "required": ["name", "kind"], "additionalProperties": false,
       "properties": {"name": {"$ref": "#/definitions/name"}, "kind": {"enum": ["a", "b"]},
         "n": {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string"}]},
         "list": {"type": "array", "items": {"type": "boolean"}, "maxItems": 1},
         "ext": {"$ref": "other.json#/definitions/x"}}}
      """, file: "s.json")
    let other = try JSONParser.parse("{\"definitions\": {\"x\": {\"const\": 7}}}", file: "o.json")
    let validator = JSONSchemaValidator(documents: ["s.json": schema, "other.json": other])
    let good = try JSONParser.parse("{\"name\": \"abc\", \"kind\": \"a\", \"n\": 2, \"list\": [true], \"ext\": 7}", file: "g")
    #expect(validator.validate(good, against: "s.json") == [])
    let bad = try JSONParser.parse("{\"name\": \"ABCDE\", \"n\": 0, \"list\": [1, true], \"ext\": 8, \"zz\": 1}", file: "b")
    let paths = Set(validator.validate(bad, against: "s.json").map(\.path))
    #expect(paths == ["$", "$.name", "$.n", "$.list", "$.list[0]", "$.ext", "$.zz"])
  }

  @Test func connectorFilesMayStartWithAByteOrderMark() throws {
    #expect(try JSONParser.parse("\u{FEFF}{\"a\": 1}", file: "bom.json")["a"] == 1)
  }

  @Test func schemaEqualityComparesNumbersByValueAndMembersInAnyOrder() throws {
    let schema = try JSONParser.parse(#"{"properties": {"e": {"enum": [1.0, "x"]}, "c": {"const": {"a": 1, "b": [2]}}}}"#, file: "s.json")
    let validator = JSONSchemaValidator(documents: ["s.json": schema])
    let good = try JSONParser.parse(#"{"e": 1, "c": {"b": [2.0], "a": 1}}"#, file: "g")
    #expect(validator.validate(good, against: "s.json") == [])
    let bad = try JSONParser.parse(#"{"e": 2, "c": {"b": [2], "a": 1, "z": 0}}"#, file: "b")
    #expect(Set(validator.validate(bad, against: "s.json").map(\.path)) == ["$.e", "$.c"])
  }

  @Test func zipRoundTripsAndIsDeterministic() throws {
    let entries: [StoredZip.Entry] = [.init(name: "a.json", data: Data("{}\n".utf8)), .init(name: "b.txt", data: Data())]
    let archive = StoredZip.archive(entries)
    #expect(archive == StoredZip.archive(entries))
    #expect(try StoredZip.read(archive) == entries)
  }
}
