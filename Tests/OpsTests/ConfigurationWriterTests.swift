import Foundation
import HealthChecks
import Ingestion
import OutboxTestSupport
import Testing

@Suite(.timeLimit(.minutes(10))) struct ConfigurationWriterTests {
  let values = [
    "tenant_id": "00000000-0000-4000-8000-000000000001", "application_id": "00000000-0000-4000-8000-000000000002",
    "application_secret": "s3cr\"et\\value", "dce_endpoint": "https://x.eastus-1.ingest.monitor.azure.com",
    "dcr_immutable_id": "dcr-00000000000040008000000000000003", "stream_name": "Custom-cveBusterVulnerabilities",
  ]

  @Test func writesMode0600AndLoadsBack() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("c.json")
    try ConfigurationWriter.write(values, to: path, overwrite: false)
    var info = stat()
    #expect(stat(path, &info) == 0)
    #expect(info.st_mode & 0o777 == 0o600)
    let loaded = try ClientConfiguration.load(path: path, environment: [:])
    #expect(loaded.secret?.revealed == "s3cr\"et\\value")
    #expect(loaded.dcrImmutableID == values["dcr_immutable_id"])
    #expect(try ClientConfiguration.readFile(path) == values)
    // Nothing left beside it.
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["c.json"])
  }

  @Test func refusesToOverwriteUnlessForced() throws {
    let directory = TemporaryDirectory()
    let path = directory.write("c.json", "{\"keep\": \"me\"}")
    #expect(throws: ConfigurationWriteError.self) { try ConfigurationWriter.write(values, to: path, overwrite: false) }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"keep\": \"me\"}")
    try ConfigurationWriter.write(values, to: path, overwrite: true)
    #expect(try ClientConfiguration.readFile(path)["tenant_id"] == values["tenant_id"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["c.json"])
  }

  @Test func missingDirectoryIsNamed() {
    do {
      try ConfigurationWriter.write(values, to: "/nonexistent-dir-for-test/c.json", overwrite: false)
      Issue.record("expected an error")
    } catch {
      #expect(error.description.contains("/nonexistent-dir-for-test"))
    }
  }
}
