import Foundation
import Logging
import Synchronization

/// The one place the CLI writes: results on stdout, diagnostics and log events on stderr.
///
/// Every line passes through ``redact(_:)`` first. Log events (and the `Diagnostics` facade)
/// are formatted by ``LogLine``: text `2026-12-01T19:31:37.699Z info message key=value`, or
/// one JSON object per line with `--log-format json`.
final class Console: Sendable {
  static let shared = Console()

  struct Settings: Sendable {
    var format: LogFormat = .text
    /// The least severe level written (`-q`: error, default: info, `-v`: debug).
    var level: Logger.Level = .info
  }

  private let settings = Mutex(Settings())
  /// Serialises writes so lines from several threads never interleave.
  private let output = Mutex(())

  var format: LogFormat { settings.withLock { $0.format } }
  var level: Logger.Level { settings.withLock { $0.level } }

  /// Sets the format and level from the global options (once, before the command runs).
  func configure(_ options: GlobalOptions) {
    configure(format: options.logFormat, quiet: options.quiet, verbose: options.verbose)
  }

  func configure(format: LogFormat, quiet: Bool, verbose: Bool) {
    settings.withLock {
      $0.format = format
      $0.level = quiet ? .error : verbose ? .debug : .info
    }
  }

  /// Whether an event at `level` is written.
  func wants(_ level: Logger.Level) -> Bool { level >= self.level }

  /// The CLI's logger: events go through this console.
  var logger: Logger {
    var logger = Logger(label: "cvebuster-outbox") { _ in ConsoleLogHandler(console: self) }
    logger.logLevel = level
    return logger
  }

  // MARK: - Results (stdout)

  /// Writes `text` to stdout as it is (after redaction).
  func result(_ text: String) {
    write(redact(text), to: FileHandle.standardOutput)
  }

  /// Pretty, key-sorted JSON with snake_case keys, then a newline.
  func resultJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    result(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n")
  }

  // MARK: - Diagnostics and logs (stderr)

  /// One event at `level`, with `fields` as metadata.
  func log(_ level: Logger.Level, _ message: String, _ fields: Logger.Metadata = [:], label: String? = nil) {
    guard wants(level) else { return }
    emit(LogLine(level: level, message: message, fields: fields, label: label))
  }

  /// Writes one formatted event (already filtered by level).
  func emit(_ line: LogLine) {
    let text = format == .json ? line.json() : line.text()
    write(redact(text) + "\n", to: FileHandle.standardError)
  }

  /// Text written to stderr as it is in text mode (prompts, a progress bar); in JSON mode each
  /// line becomes an info event, so every stderr line stays one JSON object.
  func raw(_ text: String) {
    guard format == .json else {
      write(redact(text), to: FileHandle.standardError)
      return
    }
    for line in text.split(whereSeparator: \.isNewline) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
      emit(LogLine(level: .info, message: String(line)))
    }
  }

  private func write(_ text: String, to handle: FileHandle) {
    output.withLock { _ in handle.write(Data(text.utf8)) }
  }
}

/// A swift-log handler that writes through ``Console``.
struct ConsoleLogHandler: LogHandler {
  let console: Console
  var metadata: Logger.Metadata = [:]
  var metadataProvider: Logger.MetadataProvider?
  var logLevel: Logger.Level
  /// Labels other than the CLI's own (libraries): shown in the event.
  var label: String?

  init(console: Console, label: String? = nil) {
    self.console = console
    self.label = label == "cvebuster-outbox" ? nil : label
    // Libraries' chatter only with -v.
    logLevel = self.label == nil ? console.level : max(console.level, console.level == .debug ? .debug : .warning)
  }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    var fields = metadata
    if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
    if let extra = event.metadata { fields.merge(extra) { $1 } }
    if let error = event.error { fields["error"] = "\(error)" }
    console.emit(LogLine(level: event.level, message: event.message.description, fields: fields, label: label))
  }
}
