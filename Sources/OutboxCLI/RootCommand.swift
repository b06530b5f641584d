import ArgumentParser

/// `cvebuster-outbox`: the command tree.
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

  public init() {}
}

/// The process entry point, called from `main.swift`.
public enum Entrypoint {
  public static func run() async {
    await RootCommand.main()
  }
}
