import Foundation

/// Which URLs the client may send credentials or data to: `https://` anywhere, `http://` only
/// to the loopback interface (the emulator).
public enum EndpointPolicy {
  /// The URL, parsed and checked.
  /// - Throws: ``ConfigurationError`` naming `key` when the URL is malformed or plain HTTP off loopback.
  public static func check(_ text: String, key: String, source: String) throws(ConfigurationError) -> URL {
    let trimmed = text.trimmingWhitespace()
    guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty
    else {
      throw ConfigurationError(
        source: source, key: key, reason: "\(SecretRedactor.abbreviate(CredentialShapes.mask(trimmed))) is not an absolute URL",
        fix: "use the full address, e.g. https://my-dce.eastus-1.ingest.monitor.azure.com")
    }
    if url.user != nil || url.password != nil {
      throw ConfigurationError(
        source: source, key: key, reason: "the URL holds a user name or password (user:password@host)",
        fix: "remove it: this client authenticates with Entra ID tokens, never with credentials in a URL")
    }
    switch scheme {
    case "https": return url
    case "http" where isLoopback(host): return url
    case "http":
      throw ConfigurationError(
        source: source, key: key, reason: "plain http:// is only allowed to a loopback host, not \(host)",
        fix: "use https://")
    default:
      throw ConfigurationError(source: source, key: key, reason: "unsupported URL scheme '\(scheme)'", fix: "use https://")
    }
  }

  /// True for `localhost`, `127.0.0.0/8` and `::1`.
  public static func isLoopback(_ host: String) -> Bool {
    let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    if h == "localhost" || h.hasSuffix(".localhost") || h == "::1" { return true }
    let parts = h.split(separator: ".")
    return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
  }
}
