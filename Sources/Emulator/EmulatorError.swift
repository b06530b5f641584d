/// Why the emulator cannot start or keep running; the message says what to change.
public struct EmulatorError: Error, CustomStringConvertible, Sendable {
  /// What kind of problem, for the CLI's exit code.
  public enum Code: Sendable {
    /// The connector files ask for something the emulator cannot imitate.
    case unsupportedTransform
    /// An option value is out of range.
    case invalidSetting
    /// The workspace database could not be opened or written.
    case workspace
    /// The server could not bind or failed while running.
    case server
    /// The client config file could not be written.
    case configFile
  }

  public let code: Code
  public let message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { message }
}
