import ArgumentParser
import Foundation

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp(
    "Outbox database file. Default: $CVEBUSTER_OUTBOX_DB, else $XDG_STATE_HOME/cvebuster-outbox/outbox.sqlite (~/.local/state/...).",
    valueName: "path"))
  var db: String?

  @Option(name: .long, help: ArgumentHelp("Client configuration file (see `config`).", valueName: "path"))
  var config: String?

  @Option(name: .long, help: "Log line format on stderr: text or json.")
  var logFormat: LogFormat = .text

  @Flag(name: .shortAndLong, help: "Only errors on stderr.")
  var quiet = false

  @Flag(name: .shortAndLong, help: "More detail on stderr.")
  var verbose = false

  /// The database path after flags, environment and defaults.
  var databasePath: String {
    DatabaseLocation.resolve(flag: db, environment: ProcessInfo.processInfo.environment)
  }
}

enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
  case text, json
}

/// Where the outbox lives when `--db` is not given.
enum DatabaseLocation {
  static func resolve(flag: String?, environment: [String: String]) -> String {
    if let flag, !flag.isEmpty { return flag }
    if let path = environment["CVEBUSTER_OUTBOX_DB"], !path.isEmpty { return path }
    let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
      ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
    return state + "/cvebuster-outbox/outbox.sqlite"
  }
}
