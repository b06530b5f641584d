import ArgumentParser
import Foundation
import Logging

/// `cvebuster-outbox`: the command tree.
///
/// The global options are declared here, so they may come before the subcommand or after it:
/// the root takes them from anywhere on the line, and every subcommand's `@OptionGroup var
/// global: GlobalOptions` receives the root's values (and shows them in its help).
public struct RootCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "cvebuster-outbox",
    abstract: "Deliver cveBuster vulnerability findings to Microsoft Sentinel through a durable SQLite outbox.",
    version: BuildInfo.versionLine,
    subcommands: [
      EnqueueCommand.self,
      StatusCommand.self,
      InspectCommand.self,
      RetryCommand.self,
      PruneCommand.self,
      GenerateCommand.self,
      EmulatorCommand.self,
      ConnectorCommand.self,
      ScheduleCommand.self,
      DrainCommand.self,
      DoctorCommand.self,
      ConfigCommand.self,
    ])

  @OptionGroup(title: "Global Options") var global: GlobalOptions

  public init() {}
}

/// The process entry point, called from `main.swift`.
public enum Entrypoint {
  /// On the main thread, so a synchronous command (a drain) never blocks a cooperative thread
  /// that the metrics server needs.
  @MainActor public static func run() async -> Never {
    let arguments = Array(CommandLine.arguments.dropFirst())
    let console = Console.shared
    var command: any ParsableCommand
    do {
      command = try RootCommand.parseAsRoot(arguments)
    } catch {
      console.configure(GlobalOptions.scanned(from: arguments))
      finish(with: error)
    }
    console.configure(globalOptions(of: command) ?? GlobalOptions.scanned(from: arguments))
    LoggingSystem.bootstrap { label in ConsoleLogHandler(console: .shared, label: label) }
    do {
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch {
      finish(with: error)
    }
    exit(ExitStatus.ok.rawValue)
  }

  /// The command's global options. Nonisolated, so the cast cannot pick a main-actor conformance,
  /// which would tie `command` to the main actor and forbid sending it to its `run()`.
  private nonisolated static func globalOptions(of command: any ParsableCommand) -> GlobalOptions? {
    (command as? any UsesGlobalOptions)?.global
  }

  /// Reports `error` (unless its message was printed already) and exits with its status.
  static func finish(with error: any Error) -> Never {
    let status = ExitStatus(for: error)
    let console = Console.shared
    switch error {
    case is ExitCode, is CommandFailure:
      break  // the command printed why
    default:
      let known = RootCommand.exitCode(for: error) != .failure
      if known && status == .ok {
        // --help, --version: the parser's text on stdout.
        console.result(RootCommand.fullMessage(for: error) + "\n")
      } else if known && console.format == .text {
        console.raw(RootCommand.fullMessage(for: error) + "\n")
      } else {
        let message = known ? RootCommand.message(for: error) : "internal error: \(error)"
        console.log(.error, message, ["exit_code": .stringConvertible(Int(status.rawValue))])
      }
    }
    exit(status.rawValue)
  }
}

/// A command that has the global options (all of ours); the entry point configures the console from them.
protocol UsesGlobalOptions {
  var global: GlobalOptions { get }
}

extension RootCommand: UsesGlobalOptions {}
extension EnqueueCommand: UsesGlobalOptions {}
extension StatusCommand: UsesGlobalOptions {}
extension InspectCommand: UsesGlobalOptions {}
extension RetryCommand: UsesGlobalOptions {}
extension PruneCommand: UsesGlobalOptions {}
extension GenerateCommand: UsesGlobalOptions {}
extension EmulatorCommand: UsesGlobalOptions {}
extension ConnectorCommand.Check: UsesGlobalOptions {}
extension ConnectorCommand.Build: UsesGlobalOptions {}
extension ScheduleSystemdCommand: UsesGlobalOptions {}
extension ScheduleCronCommand: UsesGlobalOptions {}
extension DrainCommand: UsesGlobalOptions {}
extension DoctorCommand: UsesGlobalOptions {}
extension ConfigInitCommand: UsesGlobalOptions {}
extension ConfigShowCommand: UsesGlobalOptions {}
extension ConfigCheckCommand: UsesGlobalOptions {}
