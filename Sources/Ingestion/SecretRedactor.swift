import Synchronization

/// The process-wide list of secret values, and the scrub every printed line goes through.
///
/// Configuration loading registers the client secret (file, secret file or environment), token
/// fetches register federated assertions and bearer tokens, and the CLI's two output choke
/// points call ``scrub(_:)``. So a secret pasted into the wrong field is masked wherever it
/// turns up, even inside a validation message about that field.
///
/// Besides the registered values, ``scrub(_:)`` masks shapes that are credentials whatever
/// their value: a URL's userinfo password (`https://user:<redacted>@host`), `Bearer <token>`,
/// JWTs, and `client_secret=…` / `"access_token":"…"` pairs. Prose such as "set
/// application_secret or application_secret_file" is left alone.
public enum SecretRedactor {
  private struct Registry {
    /// Configuration secrets: kept for the life of the process.
    var pinned: [String] = []
    /// Bearer tokens and assertions: the last few only (a `--watch` fetches one an hour).
    var transient: [String] = []
  }

  private static let registry = Mutex(Registry())
  /// How many transient values (tokens) are remembered.
  static let transientLimit = 8

  /// Remembers `secret` (trimmed; values shorter than 4 characters are ignored) for the life of the process.
  public static func register(_ secret: String) {
    let values = variants(of: secret)
    guard !values.isEmpty else { return }
    registry.withLock { registry in
      for value in values where !registry.pinned.contains(value) { registry.pinned.append(value) }
      registry.pinned.sort { $0.utf8.count > $1.utf8.count }  // longest first: no partial leftovers
    }
  }

  /// Remembers a ``Secret`` (see ``register(_:)-swift.type.method``).
  public static func register(_ secret: Secret) { register(secret.revealed) }

  /// Remembers a short-lived value (a bearer token, a federated assertion); only the last
  /// ``transientLimit`` are kept, so a long `--watch` does not grow the list.
  public static func registerTransient(_ value: String) {
    let values = variants(of: value)
    guard !values.isEmpty else { return }
    registry.withLock { registry in
      for value in values where !registry.transient.contains(value) { registry.transient.append(value) }
      if registry.transient.count > transientLimit {
        registry.transient.removeFirst(registry.transient.count - transientLimit)
      }
    }
  }

  /// `text` with every registered secret, URL password, bearer token, JWT and credential pair masked.
  public static func scrub(_ text: String) -> String {
    var out = text
    for value in registeredValues where out.contains(value) {
      out = out.replacingAll(value, with: "<redacted>")
    }
    return CredentialShapes.mask(out)
  }

  /// Every registered value, longest pinned first.
  static var registeredValues: [String] { registry.withLock { $0.pinned + $0.transient } }

  /// `value` shortened for a message: up to 12 characters as they are, else the first 4, `…`
  /// and the length, so a secret pasted into the wrong field is never echoed whole.
  public static func abbreviate(_ value: String) -> String {
    value.count <= 12 ? "'\(value)'" : "'\(value.prefix(4))…' (\(value.count) characters)"
  }

  /// The value as typed, form-encoded (as on the wire) and JSON-escaped (as in `--json` output).
  private static func variants(of secret: String) -> [String] {
    let value = secret.trimmingWhitespace()
    guard value.count >= 4 else { return [] }
    let json = value.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"")
    var all = [value]
    for variant in [FormEncoding.escape(value), json] where !all.contains(variant) { all.append(variant) }
    return all
  }

  /// Forgets every value (tests only).
  static func reset() { registry.withLock { $0 = Registry() } }
}
