import ArgumentParser
import Foundation
import HealthChecks

/// `config`: the seed GUI's configuration jobs in the terminal.
struct ConfigCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "config",
    abstract: "Create, show and check the client configuration file.",
    discussion: """
      `init` asks for the six values the Sentinel connector page shows after Deploy (or takes \
      them as flags) and writes the file with mode 0600; `show` prints the effective \
      configuration with the secret redacted; `check` validates it without touching the network \
      (`doctor` also tests the network). The file is the one --config names, else \
      $CVEBUSTER_OUTBOX_CONFIG (init: else ./connector_config.json).

      Example: cvebuster-outbox config init --config /etc/cvebuster-outbox/connector_config.json
      """,
    subcommands: [ConfigInitCommand.self, ConfigShowCommand.self, ConfigCheckCommand.self])
}

/// `config check`: the configuration checks of `doctor`, without network.
struct ConfigCheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Validate the configuration file without contacting anything.",
    discussion: """
      Checks that the file exists and is readable, is a JSON object whose values have the right \
      shapes (GUIDs, dcr- plus 32 hex digits, https:// or loopback http:// URLs, Custom- stream), \
      holds every key the chosen auth mode needs (after AZURE_* overrides), and is not readable \
      by group or others when it holds the secret. Exit 0 valid (warnings allowed), 78 not.

      Example: cvebuster-outbox config check --config connector_config.json
      """)

  @OptionGroup var global: GlobalOptions

  @Flag(help: "Print the results as JSON on stdout.")
  var json = false

  func run() throws {
    let environment = ProcessInfo.processInfo.environment
    let path = ConfigLocation.resolve(global, environment)
    try DoctorReport.print(ConfigurationChecks(path: path, environment: environment).run().results, json: json)
  }
}
