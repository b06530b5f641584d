extension SystemdUnits {
  /// The sandbox: identity and state, the credential (for units that send), then everything
  /// a drain never needs. Units without `network` get no credential and no IP sockets.
  func hardening(network: Bool) -> String {
    let identity = user.map { "User=\($0)" } ?? "DynamicUser=yes\nUser=cvebuster-outbox"
    return """
      \(identity)
      StateDirectory=\(Self.stateDirectory)
      StateDirectoryMode=0700
      Environment=CVEBUSTER_OUTBOX_DB=%S/\(Self.stateDirectory)/outbox.sqlite
      \(network ? "LoadCredential=\(Self.credentialName):\(SystemdEscaping.specifierSafe(configFile))" : "PrivateNetwork=yes")
      UMask=0077
      NoNewPrivileges=yes
      CapabilityBoundingSet=
      AmbientCapabilities=
      ProtectSystem=strict
      ProtectHome=yes
      PrivateTmp=yes
      PrivateDevices=yes
      PrivateMounts=yes
      DevicePolicy=closed
      ProtectKernelTunables=yes
      ProtectKernelModules=yes
      ProtectKernelLogs=yes
      ProtectControlGroups=yes
      ProtectClock=yes
      ProtectHostname=yes
      ProtectProc=invisible
      ProcSubset=pid
      RestrictAddressFamilies=\(network ? "AF_INET AF_INET6 AF_UNIX" : "AF_UNIX")
      RestrictNamespaces=yes
      RestrictRealtime=yes
      RestrictSUIDSGID=yes
      LockPersonality=yes
      MemoryDenyWriteExecute=yes
      RemoveIPC=yes
      SystemCallArchitectures=native
      SystemCallFilter=@system-service
      SystemCallFilter=~@privileged
      SystemCallErrorNumber=EPERM
      """
  }

}
