/// Why the client configuration cannot be used. Never carries a secret's value.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
  /// The file (or `environment`) the problem is in.
  public let source: String
  /// The key at fault, e.g. `dce_endpoint`, or nil for the file as a whole.
  public let key: String?
  /// What is wrong.
  public let reason: String
  /// What to do about it.
  public let fix: String?

  public init(source: String, key: String? = nil, reason: String, fix: String? = nil) {
    self.source = source
    self.key = key
    self.reason = reason
    self.fix = fix
  }

  public var description: String {
    var text = source
    if let key { text += ": \(key)" }
    text += ": \(reason)"
    if let fix { text += " (fix: \(fix))" }
    return text
  }
}
