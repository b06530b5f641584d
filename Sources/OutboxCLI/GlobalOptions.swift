import ArgumentParser
import Foundation

/// Options every command accepts, before or after the subcommand (see ``RootCommand``).
struct GlobalOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "Outbox database file. Default: $CVEBUSTER_OUTBOX_DB, else $XDG_STATE_HOME/cvebuster-outbox/outbox.sqlite (~/.local/state/...).",
      valueName: "path"),
    completion: .file())
  var db: String?

  @Option(
    name: .long, help: ArgumentHelp("Client configuration file (see `config`).", valueName: "path"),
    completion: .file(extensions: ["json"]))
  var config: String?

  @Option(name: .long, help: "Log line format on stderr: text or json.")
  var logFormat: LogFormat = .text

  @Flag(name: .shortAndLong, help: "Only errors on stderr.")
  var quiet = false

  @Flag(name: .shortAndLong, help: "More detail on stderr (debug events).")
  var verbose = false

  /// The database path after flags, environment and defaults.
  var databasePath: String {
    DatabaseLocation.resolve(flag: db, environment: ProcessInfo.processInfo.environment)
  }

  /// The log format and verbosity read loosely from a command line that did not parse, so even
  /// a usage error is reported in the format asked for.
  static func scanned(from arguments: [String]) -> GlobalOptions {
    var found: [String] = []
    for (index, argument) in arguments.enumerated() {
      if argument == "--" { break }
      if argument == "--log-format", index + 1 < arguments.count, LogFormat(rawValue: arguments[index + 1]) != nil {
        found += [argument, arguments[index + 1]]
      } else if argument.hasPrefix("--log-format="), LogFormat(rawValue: String(argument.dropFirst(13))) != nil {
        found.append(argument)
      } else if ["-q", "--quiet", "-v", "--verbose"].contains(argument) {
        found.append(argument)
      }
    }
    return (try? GlobalOptions.parse(found)) ?? GlobalOptions.defaults
  }

  /// Every option at its default.
  static var defaults: GlobalOptions {
    do { return try GlobalOptions.parse([]) } catch { preconditionFailure("no arguments always parse: \(error)") }
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
    let state =
      environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
      ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
    return state + "/cvebuster-outbox/outbox.sqlite"
  }
}
