import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The terminal state to put back if the user presses Ctrl-C while echo is off.
nonisolated(unsafe) private var savedTerminal: termios?

/// Questions on stderr, answers from stdin (a terminal); the secret is read with echo off.
enum ConfigPrompt {
  /// Whether stdin is a terminal someone can answer on.
  static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 }

  /// Asks `label` (with `hint` above it and `defaultValue` in brackets) until `validate` accepts.
  /// - Returns: nil at end of input.
  static func ask(_ label: String, hint: String, defaultValue: String? = nil, validate: (String) -> String?) -> String? {
    Diagnostics.write("\n" + hint)
    while true {
      let suffix = defaultValue.map { " [\($0)]" } ?? ""
      FileHandle.standardError.write(Data("\(label)\(suffix): ".utf8))
      guard let line = readLine(strippingNewline: true) else { return nil }
      var answer = line.trimmingCharacters(in: .whitespaces)
      if answer.isEmpty, let defaultValue { answer = defaultValue }
      if answer.isEmpty {
        Diagnostics.write("  a value is needed")
        continue
      }
      if let problem = validate(answer) {
        Diagnostics.write("  \(problem); try again")
        continue
      }
      return answer
    }
  }

  /// Asks for a secret with terminal echo switched off; nothing typed is shown.
  /// - Returns: nil at end of input.
  static func askHidden(_ label: String, hint: String) -> String? {
    Diagnostics.write("\n" + hint)
    var original = termios()
    let canHide = tcgetattr(STDIN_FILENO, &original) == 0
    if canHide {
      var silent = original
      silent.c_lflag &= ~tcflag_t(ECHO)
      silent.c_lflag |= tcflag_t(ECHONL)
      savedTerminal = original
      signal(SIGINT) { _ in
        if var saved = savedTerminal { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
        _exit(130)
      }
      tcsetattr(STDIN_FILENO, TCSANOW, &silent)
    }
    defer {
      if canHide {
        tcsetattr(STDIN_FILENO, TCSANOW, &original)
        savedTerminal = nil
        signal(SIGINT, SIG_DFL)
      }
    }
    while true {
      FileHandle.standardError.write(Data("\(label) (typing is not shown): ".utf8))
      guard let line = readLine(strippingNewline: true) else { return nil }
      if !line.trimmingCharacters(in: .whitespaces).isEmpty { return line }
      Diagnostics.write("  a value is needed")
    }
  }
}
