import Foundation

/// Diagnostics on stderr; results go to stdout. Only the CLI prints.
enum Diagnostics {
  nonisolated(unsafe) static var quiet = false

  static func error(_ message: String) {
    write("error: " + message)
  }

  static func warning(_ message: String) {
    guard !quiet else { return }
    write("warning: " + message)
  }

  static func info(_ message: String) {
    guard !quiet else { return }
    write(message)
  }

  static func write(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }
}

/// Buffered writes to stdout.
struct StandardOutput {
  static func write(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
  }

  /// Pretty, key-sorted JSON with snake_case keys, then a newline.
  static func writeJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    write(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n")
  }
}
