import Foundation

/// The client config for a running emulator (the seed's `connector_config.json` keys plus
/// `authority_host`), so `drain --config FILE` works with no editing.
public enum ClientConfigFile {
  /// Which credential the written config uses.
  public enum Auth: String, Sendable, CaseIterable {
    /// `application_secret` (the seed's).
    case secret
    /// `auth: managed_identity` with `imds_endpoint` = the emulator (its system-assigned identity).
    case managedIdentity = "managed_identity"
    /// `auth: workload_identity` with `federated_token_file` = the config's path + `.federated-token`.
    case workloadIdentity = "workload_identity"
  }

  /// Where the federated token is written for a workload identity config at `configPath`.
  public static func federatedTokenPath(forConfig configPath: String) -> String {
    configPath + ".federated-token"
  }

  /// The JSON document for an emulator listening at `baseURL`.
  public static func document(
    baseURL: String, identity: EmulatorIdentity, streamName: String, auth: Auth = .secret,
    federatedTokenFile: String? = nil
  ) -> Data {
    var document: [String: String] = [
      "dce_endpoint": baseURL,
      "dcr_immutable_id": identity.dcrImmutableId,
      "stream_name": streamName,
    ]
    switch auth {
    case .secret:
      document["tenant_id"] = identity.tenantId
      document["application_id"] = identity.clientId
      document["application_secret"] = identity.clientSecret
      document["authority_host"] = baseURL
    case .managedIdentity:
      document["auth"] = auth.rawValue
      document["imds_endpoint"] = baseURL
    case .workloadIdentity:
      document["auth"] = auth.rawValue
      document["tenant_id"] = identity.tenantId
      document["application_id"] = identity.clientId
      document["authority_host"] = baseURL
      document["federated_token_file"] = federatedTokenFile ?? ""
    }
    let data = (try? JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    return data + Data("\n".utf8)
  }

  /// Writes the config to `path` with mode 0600 (it may hold the client secret); for workload
  /// identity also the federated token, 0600, to ``federatedTokenPath(forConfig:)``.
  /// - Throws: `EmulatorError` (`.configFile`) naming the file and the system's reason.
  public static func write(
    to path: String, baseURL: String, identity: EmulatorIdentity, streamName: String, auth: Auth = .secret
  ) throws(EmulatorError) {
    var tokenFile: String?
    if auth == .workloadIdentity {
      let tokenPath = absolute(federatedTokenPath(forConfig: path))
      try writePrivate(Data(identity.federatedToken.utf8), to: tokenPath, what: "federated token file")
      tokenFile = tokenPath
    }
    let data = document(
      baseURL: baseURL, identity: identity, streamName: streamName, auth: auth, federatedTokenFile: tokenFile)
    try writePrivate(data, to: path, what: "client config")
  }

  private static func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }

  private static func writePrivate(_ data: Data, to path: String, what: String) throws(EmulatorError) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw EmulatorError(.configFile, "cannot write \(what) \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    guard fchmod(descriptor, 0o600) == 0 else {
      throw EmulatorError(.configFile, "cannot make \(what) \(path) private (chmod 600): \(String(cString: strerror(errno)))")
    }
    let written = data.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
    guard written == data.count else {
      throw EmulatorError(.configFile, "cannot write \(what) \(path): \(String(cString: strerror(errno)))")
    }
  }
}
