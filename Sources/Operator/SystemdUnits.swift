/// A unit file to write: its name (`cvebuster-outbox-drain.timer`) and contents.
public struct UnitFile: Sendable, Equatable {
  public let name: String
  public let contents: String
}

/// The systemd units that run drains unattended, hardened so a compromised drain can reach
/// nothing but its own database, its credential and the network.
public struct SystemdUnits: Sendable {
  /// Scheduled one-shot drains, or one long-running `drain --watch`.
  public enum Mode: Sendable, Equatable {
    case timer(ScheduleInterval)
    case watch
  }

  /// The credential name the config file is loaded under (`$CREDENTIALS_DIRECTORY/<name>`).
  public static let credentialName = "connector_config.json"
  /// The state directory under `/var/lib` that holds the outbox.
  public static let stateDirectory = "cvebuster-outbox"
  /// The daily prune's retention (docs/operations.md, "Retention"): the de-duplication window.
  public static let pruneArguments = ["prune", "--sent-older-than", "30d", "--dead-older-than", "90d"]
  /// The prune units' names.
  public static let pruneService = "cvebuster-outbox-prune.service"
  public static let pruneTimer = "cvebuster-outbox-prune.timer"

  public let mode: Mode
  /// Absolute path of the `cvebuster-outbox` executable.
  public let binary: String
  /// Absolute path of the configuration file on the host; systemd hands a private copy to the
  /// service, so the file itself can stay `root:root 0600`.
  public let configFile: String
  /// A static system user to run as, or nil for `DynamicUser=yes`.
  public let user: String?

  /// - Throws: `ScheduleError` when a path is relative or unprintable, or `user` is not a
  ///   valid system user name.
  public init(mode: Mode, binary: String, configFile: String, user: String? = nil) throws(ScheduleError) {
    self.mode = mode
    self.binary = try SystemdEscaping.checkedPath(binary, option: "--binary")
    self.configFile = try SystemdEscaping.checkedPath(configFile, option: "--config")
    if let user {
      let valid =
        user.count <= 32 && user.first.map { $0 == "_" || ($0.isASCII && $0.isLowercase) } == true
        && user.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }
      guard valid else {
        throw ScheduleError("--user \(user.debugDescription) is not a system user name (lowercase letters, digits, _ and -)")
      }
    }
    self.user = user
  }

  /// The service unit's name.
  public var serviceName: String {
    mode == .watch ? "cvebuster-outbox-watch.service" : "cvebuster-outbox-drain.service"
  }

  /// The unit to enable: the timer, or the watch service.
  public var entryUnit: String {
    mode == .watch ? serviceName : "cvebuster-outbox-drain.timer"
  }

  /// The units to enable: the drain's entry unit and the prune timer.
  public var enabledUnits: [String] { [entryUnit, Self.pruneTimer] }

  /// The files to write into the unit directory: the drain's service first, then its timer
  /// (not with --watch), then the daily prune's service and timer.
  public var files: [UnitFile] {
    let drain: [UnitFile]
    switch mode {
    case .watch: drain = [UnitFile(name: serviceName, contents: watchService)]
    case .timer(let interval):
      drain = [
        UnitFile(name: serviceName, contents: drainService),
        UnitFile(name: entryUnit, contents: timer(interval)),
      ]
    }
    return drain + [
      UnitFile(name: Self.pruneService, contents: pruneServiceUnit),
      UnitFile(name: Self.pruneTimer, contents: pruneTimerUnit),
    ]
  }

  /// Problems systemd would only show when the unit starts: a binary under a directory the
  /// sandbox hides (`ProtectHome=yes` hides /home, /root and /run/user; `PrivateTmp=yes`
  /// replaces /tmp and /var/tmp). `ProtectSystem=strict` only makes paths read-only, so
  /// /usr/local/bin and /opt are fine.
  public var warnings: [String] {
    let hidden = [
      ("/home", "ProtectHome=yes"), ("/root", "ProtectHome=yes"), ("/run/user", "ProtectHome=yes"),
      ("/tmp", "PrivateTmp=yes"), ("/var/tmp", "PrivateTmp=yes"),
    ]
    return hidden.compactMap { directory, setting in
      guard binary == directory || binary.hasPrefix(directory + "/") else { return nil }
      return "--binary \(binary) is under \(directory), which \(setting) hides from the service: it would fail "
        + "with status 203/EXEC. Install the binary elsewhere (e.g. /usr/local/bin) and pass --binary."
    }
  }

  /// What to run after writing the files into `unitDirectory`, in order.
  public func activationCommands(unitDirectory: String = "/etc/systemd/system") -> [String] {
    var commands: [String] = []
    if let user {
      commands.append("id -u \(user) >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin \(user)")
    }
    commands.append("install -d -m 0700 \(ShellQuoting.quote(parentDirectory(of: configFile)))")
    commands.append("chmod 0600 \(ShellQuoting.quote(configFile))")
    commands.append("systemctl daemon-reload")
    commands.append("systemctl enable --now \(enabledUnits.joined(separator: " "))")
    commands.append(mode == .watch ? "systemctl status \(entryUnit)" : "systemctl list-timers 'cvebuster-outbox-*'")
    commands.append("journalctl -u \(serviceName) -f")
    return commands
  }

  private var header: String {
    "# Generated by `cvebuster-outbox schedule systemd`; see man cvebuster-outbox, docs/operations.md.\n"
  }

  private var drainService: String {
    header + """
      # One drain per start; \(entryUnit) starts it, and a start while it still runs is a no-op.
      # Exit 75 (rows wait for a later retry, endpoint unavailable) is not a failure.
      [Unit]
      Description=cvebuster-outbox: send pending findings to Microsoft Sentinel
      Wants=network-online.target
      After=network-online.target

      [Service]
      Type=oneshot
      ExecStart=\(execStart(["drain"]))
      SuccessExitStatus=75
      \(hardening(network: true))

      """
  }

  private var watchService: String {
    header + """
      # A long-running drain that sends findings as they are enqueued; SIGTERM lets it finish or
      # give back in-flight work. Exit 64 (usage) and 78 (configuration) are not retried; exit 75
      # (endpoint unavailable) is not a failure but is restarted.
      [Unit]
      Description=cvebuster-outbox: send findings to Microsoft Sentinel as they arrive
      Wants=network-online.target
      After=network-online.target

      [Service]
      Type=exec
      ExecStart=\(execStart(["drain", "--watch"]))
      Restart=on-failure
      RestartSec=30s
      RestartPreventExitStatus=64 78
      SuccessExitStatus=75
      RestartForceExitStatus=75
      TimeoutStopSec=2min
      \(hardening(network: true))

      [Install]
      WantedBy=multi-user.target

      """
  }

  private func timer(_ interval: ScheduleInterval) -> String {
    let trigger: String
    switch interval {
    case .calendar(let expression):
      trigger = "OnCalendar=\(SystemdEscaping.specifierSafe(expression))\nPersistent=true\nRandomizedDelaySec=1min"
    case .every(let seconds):
      let span = ScheduleInterval.span(seconds)
      // Up to a tenth of the period (at most 5 min), so many hosts do not send at once.
      let delay = ScheduleInterval.span(min(max(seconds / 10, 1), 300))
      trigger = "OnBootSec=2min\nOnUnitActiveSec=\(span)\nRandomizedDelaySec=\(delay)"
    }
    return header + """
      # Randomized delay: hosts sharing a schedule do not all send in the same second.
      [Unit]
      Description=cvebuster-outbox: drain the outbox (\(interval))

      [Timer]
      \(trigger)
      Unit=\(serviceName)

      [Install]
      WantedBy=timers.target

      """
  }

  /// Deletes delivered rows after 30 days and dead rows after 90 (`pruneArguments`); needs
  /// no network and no configuration, and is skipped until the first drain created the outbox.
  private var pruneServiceUnit: String {
    header + """
      # Daily retention: \(Self.pruneArguments.joined(separator: " ")). The retention of sent rows is the
      # de-duplication window (docs/operations.md); edit ExecStart= with a drop-in to change it.
      [Unit]
      Description=cvebuster-outbox: delete old delivered and dead rows from the outbox
      ConditionPathExists=%S/\(Self.stateDirectory)/outbox.sqlite

      [Service]
      Type=oneshot
      ExecStart=\(([SystemdEscaping.execArgument(binary)] + Self.pruneArguments).joined(separator: " "))
      SuccessExitStatus=75
      \(hardening(network: false))

      """
  }

  private var pruneTimerUnit: String {
    header + """
      [Unit]
      Description=cvebuster-outbox: prune the outbox daily

      [Timer]
      OnCalendar=daily
      Persistent=true
      RandomizedDelaySec=1h
      Unit=\(Self.pruneService)

      [Install]
      WantedBy=timers.target

      """
  }

  private func execStart(_ arguments: [String]) -> String {
    ([SystemdEscaping.execArgument(binary)] + arguments + ["--config", "%d/\(Self.credentialName)"])
      .joined(separator: " ")
  }

  private func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
    return String(path[..<slash])
  }
}
