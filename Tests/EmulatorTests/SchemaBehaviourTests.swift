import Emulator
import Findings
import Foundation
import Testing

@Suite("Schema behaviour like the service", .timeLimit(.minutes(10)))
struct SchemaBehaviourTests {
  /// Runs `sql` against the workspace file with the sqlite3 shell.
  static func query(_ path: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, sql]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test("undeclared columns dropped, wrong types nulled, long strings truncated, every change counted")
  func silentChanges() async throws {
    let workspace = try TemporaryFile(suffix: ".sqlite")
    try FileManager.default.removeItem(atPath: workspace.path)
    let emulator = try await RunningEmulator { $0.workspacePath = workspace.path }
    let rows: [[String: Any]] = [
      TestFindings.row(1, extra: ["Extra": "x", "TimeGenerated": "2000-01-01T00:00:00Z"]),
      TestFindings.row(2, extra: ["CVSS": "high", "PatchAvailable": "maybe", "DiscoveryDate": "yesterday"]),
      TestFindings.row(3, extra: ["VulnTitle": String(repeating: "é", count: 40_000)]),
    ]
    var body = try TestFindings.body(rows)
    body.insert(contentsOf: Data("42,".utf8), at: 1)  // a non-object element
    let reply = try await emulator.post(body, token: try await emulator.token())
    #expect(reply.status == 204)
    let stats = try await emulator.stats()
    #expect(stats["rows_stored"] as? Int == 3)
    #expect(stats["dropped_records"] as? Int == 1)
    #expect(stats["dropped_columns"] as? Int == 2)
    #expect(stats["nulled_values"] as? Int == 3)
    #expect(stats["truncated_values"] as? Int == 1)
    let table = TableSchema.embedded.name
    #expect(try Self.query(workspace.path, "SELECT count(*) FROM \(table) WHERE CVSS IS NULL AND PatchAvailable IS NULL AND DiscoveryDate IS NULL") == "1")
    #expect(try Self.query(workspace.path, "SELECT max(length(CAST(VulnTitle AS BLOB))) FROM \(table)") == "65536")
    // TimeGenerated = now(): the sent value is ignored, receive time used.
    #expect(
      try Self.query(workspace.path, "SELECT count(*) FROM \(table) WHERE TimeGenerated > '2020' AND _RequestId = '\(reply.headers["x-ms-request-id"] ?? "")'")
        == "3")
    #expect(try Self.query(workspace.path, "SELECT LastModified FROM \(table) LIMIT 1") == "2024-05-02T11:00:00.1230000Z")
  }

  @Test("rows whose natural key arrived before are counted as duplicates (and stored, as the service does)")
  func duplicates() async throws {
    let emulator = try await RunningEmulator()
    let token = try await emulator.token()
    #expect(try await emulator.post(try TestFindings.body(count: 10), token: token).status == 204)
    #expect(try await emulator.post(try TestFindings.body(count: 10, offset: 5), token: token).status == 204)
    #expect(try await emulator.stat("duplicate_rows") == 5)
    #expect(try await emulator.stat("rows_stored") == 20)
  }

  @Test("a TimeGenerated column mapping uses the row's time, replacing it when outside -2 d/+1 d")
  func columnMapping() async throws {
    let base = StreamSchema.embedded
    let emulator = try await RunningEmulator {
      $0.stream = StreamSchema(
        streamName: base.streamName, columns: base.columns,
        transformKql: "source | extend TimeGenerated = todatetime(LastModified)", outputStream: base.outputStream)
    }
    let recent = UTCTimestamp.format(Int64(Date().timeIntervalSince1970) - 3600)
    let body = try TestFindings.body([TestFindings.row(1, extra: ["LastModified": recent]), TestFindings.row(2)])
    #expect(try await emulator.post(body, token: try await emulator.token()).status == 204)
    #expect(try await emulator.stat("time_generated_replaced") == 1)
  }

  @Test(
    "transform forms",
    arguments: [
      ("source | extend TimeGenerated = now()", TimeGeneratedRule.now),
      ("source\n| extend TimeGenerated = todatetime(LastModified)", .column("LastModified")),
      ("source | extend TimeGenerated = DiscoveryDate", .column("DiscoveryDate")),
    ])
  func transforms(kql: String, rule: TimeGeneratedRule) throws {
    #expect(try TimeGeneratedRule(transformKql: kql, stream: StreamSchema.embedded) == rule)
  }

  @Test(
    "a transform the emulator cannot apply is refused at startup, naming it",
    arguments: [
      "source | where Severity == 'High'", "source | extend TimeGenerated = todatetime(NoSuchColumn)",
      "source | extend TimeGenerated = ago(1h)",
    ])
  func refusedTransform(kql: String) throws {
    let base = StreamSchema.embedded
    var settings = EmulatorSettings()
    settings.stream = StreamSchema(streamName: base.streamName, columns: base.columns, transformKql: kql, outputStream: base.outputStream)
    let error = try #require(throws: EmulatorError.self) { try EmulatorServer(settings: settings) }
    #expect(error.code == .unsupportedTransform)
    #expect(error.message.contains(kql))
  }
}
