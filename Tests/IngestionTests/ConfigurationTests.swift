import Foundation
import Ingestion
import OutboxTestSupport
import Testing

@Suite(.timeLimit(.minutes(10))) struct ConfigurationTests {
  static let secretValue = "Qx8~sEcReT.vAlUe_1234567890abcdef"

  static let seedFile = """
    # Example Configuration File
    # Copy this to connector_config.json and fill in your Azure details

    {
      "tenant_id": "3474cd6c-c085-4003-b28d-665e24dc31a5",
      "application_id": "11111111-2222-3333-4444-555555555555",
      "application_secret": "\(secretValue)",
      "dce_endpoint": "https://my-dce.eastus-1.ingest.monitor.azure.com",
      "dcr_immutable_id": "dcr-0123456789abcdef0123456789abcdef",
      "stream_name": "Custom-cveBusterVulnerabilities"
    }
    """

  @Test func seedKeysAndCommentLinesAreAccepted() throws {
    let dir = TemporaryDirectory()
    let path = dir.write("connector_config.json", Self.seedFile)
    let config = try ClientConfiguration.load(path: path, environment: [:])
    #expect(config.auth == .secret)
    #expect(config.tenantID == "3474cd6c-c085-4003-b28d-665e24dc31a5")
    #expect(config.secret?.revealed == Self.secretValue)
    #expect(config.scope == "https://monitor.azure.com/.default")
    #expect(config.authorityHost.absoluteString == "https://login.microsoftonline.com")
    #expect(config.maxBodyBytes == 1_000_000)
    #expect(
      config.ingestionURL
        == "https://my-dce.eastus-1.ingest.monitor.azure.com/dataCollectionRules/dcr-0123456789abcdef0123456789abcdef"
        + "/streams/Custom-cveBusterVulnerabilities?api-version=2023-01-01")
  }

  @Test func environmentOverridesTheFile() throws {
    let dir = TemporaryDirectory()
    let path = dir.write("c.json", Self.seedFile)
    let config = try ClientConfiguration.load(
      path: path,
      environment: [
        "AZURE_TENANT_ID": "tenant-from-env", "AZURE_CLIENT_ID": "client-from-env",
        "AZURE_CLIENT_SECRET": "env-secret-value", "AZURE_AUTHORITY_HOST": "login.microsoftonline.us",
      ])
    #expect(config.tenantID == "tenant-from-env")
    #expect(config.applicationID == "client-from-env")
    #expect(config.secret?.revealed == "env-secret-value")
    #expect(config.authorityHost.absoluteString == "https://login.microsoftonline.us")
  }

  @Test func sovereignCloudDefaultsFollowTheEndpoint() throws {
    let dir = TemporaryDirectory()
    let path = dir.write(
      "c.json", Self.seedFile.replacingOccurrences(of: "ingest.monitor.azure.com", with: "ingest.monitor.azure.us"))
    let config = try ClientConfiguration.load(path: path, environment: [:])
    #expect(config.scope == "https://monitor.azure.us/.default")
    #expect(config.authorityHost.absoluteString == "https://login.microsoftonline.us")
  }

  @Test(arguments: [0o644, 0o640, 0o604, 0o660])
  func fileWithSecretReadableByOthersIsRefused(mode: Int) throws {
    let dir = TemporaryDirectory()
    let path = dir.write("c.json", Self.seedFile, mode: mode_t(mode))
    let error = try #require(throws: ConfigurationError.self) {
      try ClientConfiguration.load(path: path, environment: [:])
    }
    #expect(error.description.contains("chmod 600 \(path)"))
    #expect(!error.description.contains(Self.secretValue))
  }

  @Test func fileWithoutSecretMayBeShared() throws {
    let dir = TemporaryDirectory()
    let text = Self.seedFile.replacingOccurrences(of: "\"application_secret\": \"\(Self.secretValue)\",", with: "")
    let path = dir.write("c.json", text, mode: 0o644)
    let config = try ClientConfiguration.load(path: path, environment: ["AZURE_CLIENT_SECRET": "from-env-secret"])
    #expect(config.secret?.revealed == "from-env-secret")
  }

  @Test func secretFileIsReadAndItsPermissionsChecked() throws {
    let dir = TemporaryDirectory()
    let secretPath = dir.write("secret", Self.secretValue + "\n")
    let text = Self.seedFile.replacingOccurrences(
      of: "\"application_secret\": \"\(Self.secretValue)\"", with: "\"application_secret_file\": \"\(secretPath)\"")
    let path = dir.write("c.json", text, mode: 0o644)
    let config = try ClientConfiguration.load(path: path, environment: [:])
    #expect(config.secret?.revealed == Self.secretValue)

    chmod(secretPath, 0o640)
    let error = try #require(throws: ConfigurationError.self) {
      try ClientConfiguration.load(path: path, environment: [:])
    }
    #expect(error.description.contains("chmod 600 \(secretPath)"))
  }

  @Test func plainHTTPIsOnlyAllowedToLoopback() throws {
    let dir = TemporaryDirectory()
    let local = dir.write(
      "a.json",
      Self.seedFile.replacingOccurrences(
        of: "https://my-dce.eastus-1.ingest.monitor.azure.com", with: "http://127.0.0.1:8080"))
    #expect(try ClientConfiguration.load(path: local, environment: [:]).endpoint.port == 8080)
    let remote = dir.write(
      "b.json",
      Self.seedFile.replacingOccurrences(
        of: "https://my-dce.eastus-1.ingest.monitor.azure.com", with: "http://my-dce.example.com"))
    let error = try #require(throws: ConfigurationError.self) {
      try ClientConfiguration.load(path: remote, environment: [:])
    }
    #expect(error.key == "dce_endpoint")
    #expect(error.description.contains("loopback"))
  }

  @Test func missingKeysAreNamed() throws {
    let dir = TemporaryDirectory()
    let path = dir.write("c.json", #"{"dce_endpoint": "https://x.ingest.monitor.azure.com", "stream_name": "Custom-x"}"#)
    let error = try #require(throws: ConfigurationError.self) {
      try ClientConfiguration.load(path: path, environment: [:])
    }
    #expect(error.key == "dcr_immutable_id")
    #expect(error.source == path)
  }

  @Test func managedAndWorkloadIdentityNeedNoSecret() throws {
    let dir = TemporaryDirectory()
    let base = #""dce_endpoint": "https://x.ingest.monitor.azure.com", "dcr_immutable_id": "dcr-1", "stream_name": "Custom-x""#
    let mi = dir.write("mi.json", "{\(base), \"auth\": \"managed_identity\"}", mode: 0o644)
    #expect(try ClientConfiguration.load(path: mi, environment: [:]).auth == .managedIdentity)
    let wi = dir.write("wi.json", "{\(base), \"tenant_id\": \"t\", \"application_id\": \"a\"}", mode: 0o644)
    let config = try ClientConfiguration.load(path: wi, environment: ["AZURE_FEDERATED_TOKEN_FILE": "/var/run/token"])
    #expect(config.auth == .workloadIdentity)
    #expect(config.federatedTokenFile == "/var/run/token")
    let bad = dir.write("bad.json", "{\(base), \"auth\": \"certificate\"}", mode: 0o644)
    let error = try #require(throws: ConfigurationError.self) {
      try ClientConfiguration.load(path: bad, environment: [:])
    }
    #expect(error.key == "auth")
  }

  @Test func maxBodyBytesCannotExceedTheAPILimit() throws {
    let dir = TemporaryDirectory()
    let over = dir.write("c.json", Self.seedFile.replacingOccurrences(of: "{", with: "{\"max_body_bytes\": 2000000,"))
    #expect(throws: ConfigurationError.self) { try ClientConfiguration.load(path: over, environment: [:]) }
    let lower = dir.write("d.json", Self.seedFile.replacingOccurrences(of: "{", with: "{\"max_body_bytes\": 65536,"))
    #expect(try ClientConfiguration.load(path: lower, environment: [:]).maxBodyBytes == 65536)
  }

  @Test func descriptionRedactsTheSecret() throws {
    let dir = TemporaryDirectory()
    let config = try ClientConfiguration.load(path: dir.write("c.json", Self.seedFile), environment: [:])
    let shown = "\(config) \(String(reflecting: config)) \(config.secret!)"
    var dumped = ""
    dump(config, to: &dumped)
    #expect(!shown.contains(Self.secretValue))
    #expect(!dumped.contains(Self.secretValue))
    #expect(shown.contains("<redacted>"))
  }
}
