import Foundation
import OutboxTestSupport
import Testing

@testable import Ingestion

/// Unknown keys, JSON syntax errors, permission wording and systemd credentials (issue 15.9, 10.5).
@Suite(.timeLimit(.minutes(10))) struct ConfigurationHardeningTests {
  let directory = TemporaryDirectory()

  @Test func unknownKeysGetADidYouMean() {
    #expect(ClientConfiguration.suggestion(for: "application_secert") == "application_secret")
    #expect(ClientConfiguration.suggestion(for: "Tenant_ID") == "tenant_id")
    #expect(ClientConfiguration.suggestion(for: "completely_unrelated") == nil)
    let warnings = ClientConfiguration.unknownKeyWarnings(["tenant_id", "dce_endpont"], source: "c.json")
    #expect(warnings == ["c.json: unknown key 'dce_endpont' ignored (did you mean dce_endpoint?)"])
  }

  @Test func aMisspeltSecretKeysValueIsRegistered() throws {
    let path = directory.write("c.json", #"{"application_secert": "misspelt-secret-value-77"}"#)
    _ = try ClientConfiguration.readFile(path)
    #expect(SecretRedactor.scrub("x misspelt-secret-value-77 y") == "x <redacted> y")
  }

  @Test func syntaxErrorsGiveLineAndColumn() {
    let path = directory.write("c.json", "# comment\n{\n  \"tenant_id\": \"x\",,\n}\n")
    #expect {
      _ = try ClientConfiguration.readFile(path)
    } throws: { error in
      (error as? ConfigurationError)?.reason.hasPrefix("invalid JSON at line 3, column ") == true
    }
  }

  @Test func loadWarnsAboutUnknownKeys() throws {
    let path = directory.write(
      "c.json",
      #"{"tenant_id":"t","application_id":"a","application_secret":"s-value","dce_endpoint":"https://x.ingest.monitor.azure.com","dcr_immutable_id":"dcr-1","stream_name":"Custom-x","strem_name":"y"}"#
    )
    let configuration = try ClientConfiguration.load(path: path, environment: [:])
    #expect(configuration.warnings.count == 1)
    #expect(configuration.warnings.first?.contains("did you mean stream_name?") == true)
  }

  @Test func permissionRefusalDescribesTheActualBits() {
    #expect(ClientConfiguration.describeSharedBits(0o611) == "group can execute, others can execute")
    #expect(ClientConfiguration.describeSharedBits(0o644) == "group can read, others can read")
    #expect(ClientConfiguration.describeSharedBits(0o660) == "group can read/write")
    let path = directory.write("c.json", "{}", mode: 0o611)
    do {
      try ClientConfiguration.refuseIfShared(path, what: "config file")
      Issue.record("0611 must be refused")
    } catch {
      #expect(error.reason.contains("mode 0611: group can execute, others can execute"))
      #expect(!error.reason.contains("readable"))
    }
  }

  @Test func systemdCredentialCopyIsAccepted() throws {
    let credentials = TemporaryDirectory()
    let path = credentials.write("connector_config.json", "{}", mode: 0o440)
    try ClientConfiguration.refuseIfShared(path, what: "config file", environment: ["CREDENTIALS_DIRECTORY": credentials.path])
    // Outside the directory the same mode is refused; inside, a file others can read is not accepted.
    #expect(throws: ConfigurationError.self) { try ClientConfiguration.refuseIfShared(path, what: "config file") }
    let open = credentials.write("open.json", "{}", mode: 0o444)
    #expect(throws: ConfigurationError.self) {
      try ClientConfiguration.refuseIfShared(open, what: "config file", environment: ["CREDENTIALS_DIRECTORY": credentials.path])
    }
  }

  @Test func dcrPropagationIsMentionedForInvalidStreamAndNotFound() {
    let invalid = HTTPResponse(status: 400, body: Array(#"{"error":{"code":"InvalidStream","message":"no"}}"#.utf8))
    let missing = HTTPResponse(status: 404, body: Array(#"{"error":{"code":"NotFound","message":"no"}}"#.utf8))
    for response in [invalid, missing] {
      guard case .configuration(let message) = ResponseClassifier.classify(response, now: 0) else {
        Issue.record("\(response.status) should be a configuration error")
        continue
      }
      #expect(message.contains("may not have propagated yet"))
    }
  }
}
