import ArgumentParser
import Foundation
import HealthChecks
import Ingestion

/// `config show`: the effective configuration, secret redacted.
struct ConfigShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Print the effective configuration with the secret redacted.",
    discussion: """
      Shows what `drain` would use: the file's values after application_secret_file and the \
      AZURE_* environment overrides, with defaults filled in (authority_host, scope from the \
      endpoint's cloud). The secret is shown as <redacted>. A file that does not load is shown \
      as written (secret redacted, unknown keys without their values) with the reason on stderr, and the \
      exit code is 78. Unknown keys are a warning with the nearest known key.

      Example: cvebuster-outbox config show --config connector_config.json
      """)

  @OptionGroup var global: GlobalOptions

  @Flag(help: "Print a JSON object instead of key: value lines.")
  var json = false

  func run() throws {
    let environment = ProcessInfo.processInfo.environment
    let path = ConfigLocation.resolve(global, environment)
    let overridden = [
      "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_AUTHORITY_HOST",
      "AZURE_FEDERATED_TOKEN_FILE",
    ].filter { environment[$0].map { !$0.isEmpty } ?? false }
    do {
      let configuration = try ClientConfiguration.load(path: path, environment: environment, enforcingPermissions: false)
      for warning in configuration.warnings { Diagnostics.warning(warning) }
      if json {
        try StandardOutput.writeJSON(ShownConfiguration(configuration, source: path, overrides: overridden))
      } else {
        StandardOutput.write("# source: \(path ?? "environment")\n")
        if !overridden.isEmpty { StandardOutput.write("# overridden by: \(overridden.joined(separator: ", "))\n") }
        StandardOutput.write(configuration.description + "\n")
      }
      // The drain would refuse a shared file; say so here too.
      do {
        _ = try ClientConfiguration.load(path: path, environment: environment)
      } catch {
        throw fail(.configuration, error.description)
      }
    } catch let error as ConfigurationError {
      guard let path, let values = try? ClientConfiguration.readFile(path) else {
        throw fail(.configuration, error.description)
      }
      var shown = values
      if shown["application_secret"] != nil { shown["application_secret"] = "<redacted>" }
      // An unknown key may be a misspelt secret: never echo its value.
      for key in values.keys where !ClientConfiguration.knownKeys.contains(key) {
        shown[key] =
          "<not shown: unknown key"
          + (ClientConfiguration.suggestion(for: key).map { "; did you mean \($0)?" } ?? "") + ">"
      }
      if json {
        try StandardOutput.writeJSON(shown)
      } else {
        StandardOutput.write("# source: \(path) (as written; it does not load)\n")
        for key in shown.keys.sorted() { StandardOutput.write("\(key): \(shown[key]!)\n") }
      }
      throw fail(.configuration, error.description)
    }
  }
}

/// `config show --json`: the effective values, secret redacted.
struct ShownConfiguration: Encodable {
  let source: String
  let overriddenBy: [String]
  let auth: String
  let tenantId: String?
  let applicationId: String?
  let applicationSecret: String?
  let dceEndpoint: String
  let dcrImmutableId: String
  let streamName: String
  let authorityHost: String
  let scope: String
  let ingestionUrl: String
  let maxBodyBytes: Int

  init(_ c: ClientConfiguration, source: String?, overrides: [String]) {
    self.source = source ?? "environment"
    overriddenBy = overrides
    auth = c.auth.rawValue
    tenantId = c.tenantID
    applicationId = c.applicationID
    applicationSecret = c.secret == nil ? nil : "<redacted>"
    dceEndpoint = c.endpoint.absoluteString
    dcrImmutableId = c.dcrImmutableID
    streamName = c.streamName
    authorityHost = c.authorityHost.absoluteString
    scope = c.scope
    ingestionUrl = c.ingestionURL
    maxBodyBytes = c.maxBodyBytes
  }
}
