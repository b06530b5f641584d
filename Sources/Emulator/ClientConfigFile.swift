import Foundation

/// The client config for a running emulator (the seed's `connector_config.json` keys plus
/// `authority_host`), so `drain --config FILE` works with no editing.
public enum ClientConfigFile {
  /// The JSON document for an emulator listening at `baseURL`.
  public static func document(baseURL: String, identity: EmulatorIdentity, streamName: String) -> Data {
    let document: [String: String] = [
      "tenant_id": identity.tenantId,
      "application_id": identity.clientId,
      "application_secret": identity.clientSecret,
      "dce_endpoint": baseURL,
      "dcr_immutable_id": identity.dcrImmutableId,
      "stream_name": streamName,
      "authority_host": baseURL,
    ]
    let data = (try? JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    return data + Data("\n".utf8)
  }

  /// Writes the config to `path` with mode 0600 (it holds the client secret).
  /// - Throws: `EmulatorError` (`.configFile`) naming the file and the system's reason.
  public static func write(to path: String, baseURL: String, identity: EmulatorIdentity, streamName: String) throws(EmulatorError) {
    let data = document(baseURL: baseURL, identity: identity, streamName: streamName)
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw EmulatorError(.configFile, "cannot write client config \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    guard fchmod(descriptor, 0o600) == 0 else {
      throw EmulatorError(.configFile, "cannot make client config \(path) private (chmod 600): \(String(cString: strerror(errno)))")
    }
    let written = data.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
    guard written == data.count else {
      throw EmulatorError(.configFile, "cannot write client config \(path): \(String(cString: strerror(errno)))")
    }
  }
}
