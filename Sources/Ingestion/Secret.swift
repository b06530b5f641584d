/// A credential (client secret, federated assertion, access token) that must never be printed.
///
/// `description`, `debugDescription`, string interpolation and `dump` all show `<redacted>`;
/// only ``withValue(_:)`` or ``revealed`` hand out the characters, and only to code that sends them.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
  CustomReflectable
{
  private let value: String

  /// Wraps `value`, trimming surrounding whitespace and newlines (as a secret file usually ends in one).
  public init(_ value: String) {
    self.value = value.trimmingWhitespace()
  }

  /// True when the secret has no characters.
  public var isEmpty: Bool { value.isEmpty }

  /// The secret's characters, for the code that puts them on the wire.
  public var revealed: String { value }

  public var description: String { "<redacted>" }
  public var debugDescription: String { "Secret(<redacted>)" }
  public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension String {
  /// The string without leading and trailing spaces, tabs, CR and LF.
  func trimmingWhitespace() -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
    guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
    let end = lastIndex(where: { !isSpace($0) })!
    return String(self[start...end])
  }
}
