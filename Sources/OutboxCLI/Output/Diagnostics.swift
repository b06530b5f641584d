import Foundation
import Logging

/// Diagnostics on stderr, through ``Console`` (a thin facade kept for the commands' call sites).
enum Diagnostics {
  /// `-q`: only errors. Setting it reconfigures the console's level.
  static var quiet: Bool {
    get { Console.shared.level >= .error }
    set {
      if newValue { Console.shared.configure(format: Console.shared.format, quiet: true, verbose: false) }
    }
  }

  static func error(_ message: String) {
    Console.shared.log(.error, message)
  }

  static func warning(_ message: String) {
    Console.shared.log(.warning, message)
  }

  static func info(_ message: String) {
    Console.shared.log(.info, message)
  }

  /// Text for a person at a terminal (prompts, hints); one info event per line in JSON mode.
  static func write(_ line: String) {
    Console.shared.raw(line + "\n")
  }
}

/// Results on stdout, through ``Console``.
struct StandardOutput {
  static func write(_ text: String) {
    Console.shared.result(text)
  }

  /// Pretty, key-sorted JSON with snake_case keys, then a newline.
  static func writeJSON(_ value: some Encodable) throws {
    try Console.shared.resultJSON(value)
  }
}
