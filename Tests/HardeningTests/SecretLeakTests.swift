import Foundation
import OutboxTestSupport
import Testing

/// Issue 15.6: a secret pasted into the wrong field, a misspelt secret key and a URL password
/// are never printed, by any command, in text or JSON.
@Suite(.timeLimit(.minutes(10))) struct SecretLeakTests {
  let directory = TemporaryDirectory()
  static let secret = "Zq8Q~kP3vXw9sLm2nB7cR4tY6uI1oA5eD0fGhJ"

  static let valid: [String: String] = [
    "tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
    "application_id": "00000000-1111-2222-3333-444444444444",
    "dce_endpoint": "https://my-dce.eastus-1.ingest.monitor.azure.com",
    "dcr_immutable_id": "dcr-0123456789abcdef0123456789abcdef",
    "stream_name": "Custom-cveBusterVulnerabilities",
  ]

  /// Every command that reads the configuration, run on `config`; stdout and stderr together.
  func outputs(_ config: [String: String]) throws -> [String: String] {
    let path = directory.file("config-\(UUID().uuidString).json")
    let data = try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
    _ = FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600])
    let db = directory.file("outbox.sqlite")
    let runs: [String: [String]] = [
      "doctor": ["doctor", "--config", path, "--db", db],
      "doctor --json": ["doctor", "--json", "--config", path, "--db", db],
      "config check": ["config", "check", "--config", path],
      "config check --json": ["config", "check", "--json", "--config", path],
      "config show": ["config", "show", "--config", path],
      "config show --json": ["config", "show", "--json", "--config", path],
      "drain": ["drain", "--config", path, "--db", db],
    ]
    var out: [String: String] = [:]
    for (name, arguments) in runs {
      let result = try runCLI(arguments)
      out[name] = result.stdout + result.stderr
    }
    return out
  }

  @Test(arguments: ["tenant_id", "application_id", "dcr_immutable_id", "stream_name", "authority_host", "dce_endpoint"])
  func secretPastedIntoAFieldIsNeverPrinted(field: String) throws {
    var config = Self.valid
    config["application_secret"] = Self.secret
    config[field] = Self.secret
    for (command, text) in try outputs(config) {
      #expect(!text.contains(Self.secret.prefix(12)), "\(command) printed the secret for \(field): \(text)")
    }
  }

  @Test func secretInAnEnvironmentVariableAndAWrongFieldIsNeverPrinted() throws {
    var config = Self.valid
    config["tenant_id"] = Self.secret
    let path = directory.write("env.json", String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self))
    for arguments in [["config", "check", "--config", path], ["config", "show", "--config", path]] {
      let result = try runCLI(arguments, environment: ["AZURE_CLIENT_SECRET": Self.secret])
      #expect(!(result.stdout + result.stderr).contains(Self.secret.prefix(12)), "\(arguments): \(result.stdout)\(result.stderr)")
    }
  }

  @Test func misspeltSecretKeyIsNeverEchoedAndGetsADidYouMean() throws {
    var config = Self.valid
    config["application_secert"] = Self.secret
    let texts = try outputs(config)
    for (command, text) in texts {
      #expect(!text.contains(Self.secret.prefix(12)), "\(command) printed the misspelt secret: \(text)")
    }
    #expect(texts["config show"]?.contains("did you mean application_secret?") == true, "\(texts["config show"] ?? "")")
    #expect(texts["config check"]?.contains("did you mean application_secret?") == true, "\(texts["config check"] ?? "")")
  }

  @Test func passwordInAURLsUserinfoIsNeverPrinted() throws {
    var config = Self.valid
    config["application_secret"] = Self.secret
    config["dce_endpoint"] = "https://ingest:Pw9-hunter2-Pw9@my-dce.eastus-1.ingest.monitor.azure.com"
    for (command, text) in try outputs(config) {
      #expect(!text.contains("hunter2"), "\(command) printed the URL password: \(text)")
    }
  }

  @Test func validationMessagesStillNameTheField() throws {
    var config = Self.valid
    config["application_secret"] = Self.secret
    config["tenant_id"] = Self.secret
    let text = try outputs(config)["config check"] ?? ""
    #expect(text.contains("tenant_id"))
    #expect(text.contains("is not a GUID"))
  }
}
