import Foundation
import OutboxTestSupport
import Testing

/// `--log-format json`: every stderr line of every command is one JSON object with at least
/// timestamp, level and message; text lines carry a UTC timestamp and a level.
@Suite(.timeLimit(.minutes(2))) struct LogFormatCLITests {
  let directory = TemporaryDirectory()

  /// Parses every stderr line as a JSON object with the three required members.
  func jsonLines(_ stderr: String) throws -> [[String: Any]] {
    try stderr.split(separator: "\n").map { line in
      let object = try #require(
        try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
      #expect(object["timestamp"] is String && object["level"] is String && object["message"] is String, "\(line)")
      return object
    }
  }

  @Test func everyStderrLineIsJSONAcrossCommandsAndErrors() throws {
    let db = directory.file("outbox.sqlite")
    let bad = directory.write("bad.ndjson", Fixtures.finding() + "\n" + Fixtures.finding(vulnId: "CVE-9", overrides: ["CVSS": 12.5]) + "\n")
    let runs: [([String], Int32)] = [
      (["enqueue", "--db", db, bad], 65),
      (["enqueue", "--db", db, directory.file("missing.json")], 74),
      (["status", "--db", directory.file("none.sqlite")], 74),
      (["status", "--db", db, "--no-such-flag"], 64),
      (["retry", "--db", db], 64),
      (["generate", "--count", "2", "--seed", "1", "-o", directory.file("g.json")], 0),
      (["schedule", "cron", "--interval", "15min"], 0),
      (["connector", "check", "--root", directory.path], 1),
      (["drain", "--db", db, "--config", directory.file("missing-config.json")], 78),
    ]
    for (arguments, status) in runs {
      for placement in [["--log-format", "json"] + arguments, arguments + ["--log-format", "json"]] {
        let result = try runCLI(placement)
        #expect(result.status == status, "\(placement): \(result.stderr)")
        let lines = try jsonLines(result.stderr)
        #expect(!lines.isEmpty || status == 0, "\(placement) says why it failed")
        if status != 0 && status != 1 { #expect(lines.contains { $0["level"] as? String == "error" }, "\(placement)") }
      }
    }
  }

  @Test func eachRequestLineCarriesBothRequestIDs() throws {
    let emulator = try EmulatorProcess(in: directory)
    let db = try enqueuedDatabase(in: directory, count: 50)
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath, "--log-format", "json", "-v"])
    #expect(result.status == 0, "\(result.stderr)")
    let batches = try jsonLines(result.stderr).filter { $0["event"] as? String == "batch" }
    #expect(!batches.isEmpty)
    for batch in batches {
      #expect((batch["client_request_id"] as? String)?.count == 36, "\(batch)")
      #expect((batch["request_id"] as? String)?.isEmpty == false, "\(batch)")
      #expect(batch["rows"] is Int)
    }
  }

  @Test func textLinesHaveATimestampALevelAndNoEmbeddedNewline() throws {
    let result = try runCLI(["enqueue", "--db", directory.file("o.sqlite"), directory.file("missing.json")])
    #expect(result.status == 74)
    let line = try #require(result.stderr.split(separator: "\n").first)
    #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z error "#, options: .regularExpression) != nil, "\(line)")
  }
}
