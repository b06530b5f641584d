import Foundation
import Logging
import Testing

@testable import OutboxCLI

/// The console's event format: one line, quoted values, valid JSON.
@Suite(.timeLimit(.minutes(10))) struct LogLineTests {
  let line = LogLine(
    timestamp: Date(timeIntervalSince1970: 1_796_153_497.5), level: .info, message: "batch delivered\nsecond line",
    fields: ["rows": .stringConvertible(500), "error": .string("say \"no\"\nnow"), "id": .string("a-b")])

  @Test func textIsOneLineWithTimestampLevelAndQuotedFields() {
    let text = line.text()
    #expect(!text.contains("\n"))
    #expect(text == #"2026-12-01T19:31:37.500Z info batch delivered\nsecond line error="say \"no\"\nnow" id=a-b rows=500"#)
  }

  @Test func jsonIsOneObjectWithTypedFields() throws {
    let json = line.json()
    #expect(!json.contains("\n"))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(object["timestamp"] as? String == "2026-12-01T19:31:37.500Z")
    #expect(object["level"] as? String == "info")
    #expect(object["message"] as? String == "batch delivered\nsecond line")
    #expect(object["rows"] as? Int == 500)
  }

  @Test func durationsParseAndPrintAsTyped() {
    #expect(DurationArgument("30s")?.millis == 30_000)
    #expect(DurationArgument("15m")?.description == "15m")
    #expect(DurationArgument("2h")?.seconds == 7_200)
    #expect(DurationArgument("7d")?.description == "7d")
    #expect(DurationArgument("90")?.description == "90s")
    #expect(DurationArgument("120s")?.description == "2m")
    #expect(DurationArgument("250ms")?.description == "250ms")
    for bad in ["", "s", "1.5h", "-3s", "10y", "3 s"] { #expect(DurationArgument(bad) == nil, "\(bad)") }
  }

  @Test func unexpectedErrorsAreNot1() {
    struct Surprise: Error {}
    #expect(ExitStatus(for: Surprise()) == .internalError)
    #expect(ExitStatus(for: ExitStatus.partial.exitCode) == .partial)
    #expect(ExitStatus(for: CocoaError(.fileWriteOutOfSpace)) == .ioError)
  }
}
