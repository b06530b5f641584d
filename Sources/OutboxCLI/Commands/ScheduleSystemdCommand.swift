import ArgumentParser
import Foundation
import Operator

/// `cvebuster-outbox schedule systemd`: units for scheduled or continuous drains.
struct ScheduleSystemdCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "systemd",
    abstract: "Print (or --install) a hardened systemd service and timer for scheduled drains.",
    discussion: """
      The service runs as a dynamic user (or --user), keeps the outbox in \
      /var/lib/cvebuster-outbox (StateDirectory=, CVEBUSTER_OUTBOX_DB=%S/cvebuster-outbox/outbox.sqlite), \
      and receives the configuration file through LoadCredential=, so the file holding the \
      client secret stays root-only (0600) and only the service can read its copy. The \
      sandbox forbids writing anywhere else, new privileges, capabilities, and sockets other \
      than IP and Unix. --interval takes a calendar event (hourly, *:0/15, Mon..Fri 08:00) or a \
      period (15min, 2h), checked before anything is written. --watch writes one service \
      running `drain --watch` instead. A daily prune service and timer (prune --sent-older-than \
      30d --dead-older-than 90d) come with either. Exit 75 (rows wait for a retry) does not \
      mark a unit failed. Example: `sudo cvebuster-outbox schedule systemd --interval hourly --install`.
      """)

  @Option(help: "When to drain: a systemd calendar event (hourly, *:0/15) or a period (15min, 2h). Default: hourly.")
  var interval: String?

  @Flag(help: "Write a service running `drain --watch` instead of a timer.")
  var watch = false

  @Option(help: "The cvebuster-outbox executable the units start (default: this one).", completion: .file())
  var binary: String?

  /// `--config`: the configuration file the service loads as a credential
  /// (default /etc/cvebuster-outbox/connector_config.json).
  @OptionGroup(title: "Global Options") var global: GlobalOptions
  var config: String { global.config ?? "/etc/cvebuster-outbox/connector_config.json" }

  @Option(help: "Run as this existing system user instead of a dynamic user.")
  var user: String?

  @Flag(help: "Write the unit files instead of printing them.")
  var install = false

  @Option(help: "Where --install writes the units.", completion: .directory)
  var unitDir = "/etc/systemd/system"

  /// For Scripts/package-deb: write every unit the Debian package ships (timer, watch and
  /// prune units for /usr/bin/cvebuster-outbox as the package's system user) into DIR.
  @Option(help: .hidden, completion: .directory)
  var packageUnits: String?

  func units() throws -> SystemdUnits {
    do throws(ScheduleError) {
      if watch && interval != nil {
        throw ScheduleError("--interval applies to the timer; with --watch the drain runs continuously")
      }
      let mode: SystemdUnits.Mode = watch ? .watch : .timer(try ScheduleInterval(parsing: interval ?? "hourly"))
      return try SystemdUnits(
        mode: mode, binary: binary ?? ScheduleCommand.ownExecutable, configFile: config, user: user)
    } catch {
      throw usage(error)
    }
  }

  func validate() throws {
    if packageUnits != nil { return }
    let units = try units()
    if case .timer(.calendar(let expression)) = units.mode { try CalendarCheck.validate(expression) }
  }

  func run() async throws {
    if let packageUnits {
      try PackageUnits.write(into: packageUnits)
      return
    }
    let units = try units()
    for warning in units.warnings {
      FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
    }
    guard install else {
      for file in units.files {
        print("# \(unitDir)/\(file.name)")
        print(file.contents)
      }
      Diagnostics.write(
        """
        # To install: add --install (as root), or save the files above into \(unitDir) and run:
        \(units.activationCommands(unitDirectory: unitDir).map { "#   \($0)" }.joined(separator: "\n"))

        """)
      return
    }
    try UnitInstaller(directory: unitDir).install(units)
  }
}
