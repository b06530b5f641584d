import ArgumentParser
import Foundation
import HealthChecks
import Ingestion

/// `config init`: asks for (or takes) the connector page's values and writes the file 0600.
struct ConfigInitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Write the client configuration file from the Sentinel connector page's values.",
    discussion: """
      On a terminal, asks for each value the connector page shows after Deploy (tenant id, \
      application id, the application secret — typed without echo —, data collection endpoint \
      URI, DCR immutable id, stream name), checks its shape, and asks again when it is wrong. \
      Values given as flags are not asked. Without a terminal every value must come from flags; \
      the secret comes from --secret-file (a file, or - for stdin), never from a flag, so it does \
      not land in shell history. The file (--config, else $CVEBUSTER_OUTBOX_CONFIG, else \
      ./connector_config.json) is written with mode 0600 in one step and never replaced without \
      --force. Exit 0 written, 64 a value is missing or wrong or the file exists, 74 cannot write.

      Example: cvebuster-outbox config init --config /etc/cvebuster-outbox/connector_config.json
      Non-interactive: printf %s "$SECRET" | cvebuster-outbox config init --tenant-id T \
      --application-id A --dce-endpoint https://x.eastus-1.ingest.monitor.azure.com \
      --dcr-immutable-id dcr-… --secret-file -
      """)

  @OptionGroup var global: GlobalOptions

  @Option(help: "Directory (tenant) ID: a GUID.")
  var tenantId: String?

  @Option(help: "Application (client) ID: a GUID.")
  var applicationId: String?

  @Option(help: ArgumentHelp("File holding the application secret's Value, or - to read it from stdin.", valueName: "path"))
  var secretFile: String?

  @Option(help: "Data collection endpoint URI (https://…ingest.monitor.azure.com).")
  var dceEndpoint: String?

  @Option(help: "Data collection rule immutable ID (dcr- and 32 hex digits).")
  var dcrImmutableId: String?

  @Option(help: "Stream name (default \(FieldRules.defaultStreamName)).")
  var streamName: String?

  @Option(help: ArgumentHelp("Entra ID authority, for sovereign clouds or the emulator (default: from the endpoint's cloud).", valueName: "url"))
  var authorityHost: String?

  @Flag(help: "Replace an existing file.")
  var force = false

  func run() throws {
    let environment = ProcessInfo.processInfo.environment
    let path = ConfigLocation.resolve(global, environment) ?? "connector_config.json"
    if !force, access(path, F_OK) == 0 {
      throw fail(.usage, "\(path) already exists; refusing to overwrite it (pass --force to replace it)")
    }
    let interactive = ConfigPrompt.isInteractive && secretFile != "-"
    if interactive {
      Diagnostics.write(
        "Writing \(path). Open Microsoft Sentinel → Data connectors → cveBuster Vulnerability Scanner "
          + "(Push) → Open connector page; after Deploy it shows each value below.")
    }
    var values: [String: String] = [:]
    let fields: [(key: String, flag: String, label: String, given: String?, defaultValue: String?)] = [
      ("tenant_id", "--tenant-id", "Tenant ID", tenantId, nil),
      ("application_id", "--application-id", "Application ID", applicationId, nil),
      ("dce_endpoint", "--dce-endpoint", "Data collection endpoint URI", dceEndpoint, nil),
      ("dcr_immutable_id", "--dcr-immutable-id", "DCR immutable ID", dcrImmutableId, nil),
      ("stream_name", "--stream-name", "Stream name", streamName, FieldRules.defaultStreamName),
    ]
    for (index, field) in fields.enumerated() {
      values[field.key] = try value(field, interactive: interactive)
      if index == 1 { values["application_secret"] = try secret(interactive: interactive) }
    }
    if let authorityHost {
      if let problem = FieldRules.problem(key: "authority_host", value: authorityHost) {
        throw fail(.usage, "--authority-host: \(problem)")
      }
      values["authority_host"] = authorityHost
    }
    do {
      try ConfigurationWriter.write(values, to: path, overwrite: force)
    } catch {
      throw fail(error.exists ? .usage : .ioError, error.description)
    }
    StandardOutput.write("wrote \(path) (mode 0600)\nnext: cvebuster-outbox doctor --config \(path)\n")
  }

  private func value(
    _ field: (key: String, flag: String, label: String, given: String?, defaultValue: String?), interactive: Bool
  ) throws -> String {
    if let given = field.given {
      let trimmed = given.trimmingCharacters(in: .whitespaces)
      if let problem = FieldRules.problem(key: field.key, value: trimmed) { throw fail(.usage, "\(field.flag): \(problem)") }
      return trimmed
    }
    if !interactive, let defaultValue = field.defaultValue { return defaultValue }
    guard interactive else {
      throw fail(.usage, "missing \(field.flag) (stdin is not a terminal, so nothing can be asked)")
    }
    guard
      let answer = ConfigPrompt.ask(
        field.label, hint: ConfigurationChecks.hint(for: field.key), defaultValue: field.defaultValue,
        validate: { FieldRules.problem(key: field.key, value: $0) })
    else { throw fail(.usage, "input ended before \(field.label) was given; nothing was written") }
    return answer
  }

  private func secret(interactive: Bool) throws -> String {
    let text: String
    if let secretFile {
      let data: Data? = secretFile == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: secretFile)
      guard let data else { throw fail(.usage, "--secret-file: cannot read \(secretFile)") }
      text = Secret(String(decoding: data, as: UTF8.self)).revealed
      guard !text.isEmpty else { throw fail(.usage, "--secret-file: \(secretFile == "-" ? "stdin" : secretFile) is empty") }
    } else if interactive {
      guard let answer = ConfigPrompt.askHidden("Application secret", hint: ConfigurationChecks.hint(for: "application_secret"))
      else { throw fail(.usage, "input ended before the secret was given; nothing was written") }
      text = Secret(answer).revealed
    } else {
      throw fail(.usage, "missing --secret-file (a file holding the secret, or - for stdin); the secret is never taken as a flag")
    }
    SecretRedactor.register(text)  // a secret pasted again into a later prompt is masked too
    if let suspicion = FieldRules.suspicion(key: "application_secret", value: text) {
      Diagnostics.warning(suspicion)
    }
    return text
  }
}
