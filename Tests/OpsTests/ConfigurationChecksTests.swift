import Foundation
import HealthChecks
import Ingestion
import OutboxTestSupport
import Testing

@Suite(.timeLimit(.minutes(10))) struct ConfigurationChecksTests {
  let good = [
    "tenant_id": "00000000-0000-4000-8000-000000000001", "application_id": "00000000-0000-4000-8000-000000000002",
    "application_secret": "a-secret-value-1234", "dce_endpoint": "https://x.eastus-1.ingest.monitor.azure.com",
    "dcr_immutable_id": "dcr-00000000000040008000000000000003", "stream_name": "Custom-cveBusterVulnerabilities",
  ]

  func statuses(_ path: String?, environment: [String: String] = [:]) -> [String] {
    ConfigurationChecks(path: path, environment: environment).run().results.map { "\($0.id)=\($0.status.rawValue)" }
  }

  @Test func goodFilePassesAndYieldsAConfiguration() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("c.json")
    try writeConfig(good, to: path)
    let (results, configuration) = ConfigurationChecks(path: path, environment: [:]).run()
    #expect(results.map(\.status) == [.pass, .pass, .pass, .pass])
    #expect(configuration?.streamName == "Custom-cveBusterVulnerabilities")
  }

  @Test func missingFileFailsFirstAndSkipsTheRest() {
    #expect(
      statuses("/nonexistent/c.json") == [
        "config.found=fail", "config.valid=skipped", "config.complete=skipped", "config.permissions=skipped",
      ])
    #expect(statuses(nil).first == "config.found=fail")
  }

  @Test func notJSONFailsValid() {
    let directory = TemporaryDirectory()
    let path = directory.write("c.json", "tenant_id = x\n")
    chmod(path, 0o600)
    #expect(statuses(path).prefix(2) == ["config.found=pass", "config.valid=fail"])
  }

  @Test(arguments: [
    ("tenant_id", "1234"), ("application_id", "app"), ("dcr_immutable_id", "dcr-123"),
    ("dce_endpoint", "http://example.com"), ("stream_name", "cveBusterVulnerabilities"),
  ])
  func badShapeFailsValidNamingTheKey(key: String, value: String) throws {
    let directory = TemporaryDirectory()
    let path = directory.file("c.json")
    var values = good
    values[key] = value
    try writeConfig(values, to: path)
    let valid = ConfigurationChecks(path: path, environment: [:]).run().results[1]
    #expect(valid.status == .fail)
    #expect(valid.detail.contains(key))
    #expect(valid.problem == .configuration)
  }

  @Test func missingKeyFailsComplete() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("c.json")
    var values = good
    values["dcr_immutable_id"] = nil
    try writeConfig(values, to: path)
    let complete = ConfigurationChecks(path: path, environment: [:]).run().results[2]
    #expect(complete.status == .fail)
    #expect(complete.detail.contains("dcr_immutable_id"))
    #expect(complete.fix != nil)
  }

  @Test func sharedFileWithSecretFailsPermissionsWithChmodFix() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("c.json")
    try writeConfig(good, to: path, mode: 0o644)
    let results = ConfigurationChecks(path: path, environment: [:]).run()
    #expect(results.results.map(\.status) == [.pass, .pass, .pass, .fail])
    #expect(results.results[3].fix == "chmod 600 \(path)")
    #expect(results.configuration == nil)
    #expect(!results.results.map(\.detail).joined().contains("a-secret-value-1234"))
  }

  @Test func sharedAndIncompleteReportsBoth() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("c.json")
    var values = good
    values["stream_name"] = nil
    try writeConfig(values, to: path, mode: 0o640)
    #expect(statuses(path) == ["config.found=pass", "config.valid=pass", "config.complete=fail", "config.permissions=fail"])
  }

  @Test func unknownKeyWarns() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("c.json")
    var values = good
    values["dce_endpiont"] = "https://typo"
    try writeConfig(values, to: path)
    let valid = ConfigurationChecks(path: path, environment: [:]).run().results[1]
    #expect(valid.status == .warn)
    #expect(valid.detail.contains("dce_endpiont"))
  }

  @Test func environmentOverridesCount() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("c.json")
    var values = good
    values["application_secret"] = nil
    try writeConfig(values, to: path, mode: 0o644)
    // No secret in the file: the shared mode is fine, AZURE_CLIENT_SECRET completes it.
    #expect(statuses(path, environment: ["AZURE_CLIENT_SECRET": "from-env-1234"]).allSatisfy { $0.hasSuffix("=pass") })
    #expect(statuses(path).contains("config.complete=fail"))
  }
}
