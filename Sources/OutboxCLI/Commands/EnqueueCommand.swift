import ArgumentParser
import Findings
import Foundation
import Intake
import OutboxStore

/// `enqueue`: validate findings and store them in the outbox.
struct EnqueueCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "enqueue",
    abstract: "Validate findings (JSON array or NDJSON) and add them to the outbox.",
    discussion: """
      Reads each FILE (or stdin for `-` or no FILE), detects JSON array or NDJSON from the first \
      byte, checks every finding against the stream columns of Connector/DCR.json, and stores it \
      once per VulnId + MachineName + LastModified. Same key and content: unchanged. Same key, \
      new content: a new revision, sent again. A rejected record is reported on stderr with file, \
      line or index, field and reason; good records are kept (unless --strict). \
      Exit 0 when all were accepted, 65 when some were rejected, 74 on I/O errors.

      Example: cvebuster-outbox enqueue --rejects rejected.ndjson scan-2025-11-06.json
      """)

  @OptionGroup var global: GlobalOptions

  @Argument(help: ArgumentHelp("Files of findings; `-` or none reads stdin.", valueName: "file"), completion: .file())
  var files: [String] = []

  @Flag(help: "All or nothing per file: store nothing from a file with any rejected record.")
  var strict = false

  @Option(help: ArgumentHelp("Append rejected records, with their reasons, to this NDJSON file.", valueName: "path"), completion: .file())
  var rejects: String?

  @Option(help: ArgumentHelp("Durability: FULL survives power loss; NORMAL is faster but may lose the last commits on power loss.", valueName: "mode"))
  var synchronous: SynchronousMode = .full

  @Option(help: "Records per transaction (a concurrent writer waits for at most one).")
  var chunkSize = 20_000

  @Option(
    help: ArgumentHelp(
      "Queue an unchanged finding again once its last delivery is this old (e.g. 1d, 12h; `off` never). Default: config key refresh_after, else 1d.",
      valueName: "duration"))
  var refreshAfter: String?

  func validate() throws {
    guard chunkSize > 0 else { throw ValidationError("--chunk-size must be positive") }
    if let refreshAfter, RefreshInterval.parse(refreshAfter) == nil {
      throw ValidationError("--refresh-after must be a duration like 1d or 12h, or off")
    }
  }

  func run() throws {
    Diagnostics.quiet = global.quiet
    umask(0o077)
    let outbox: Outbox
    do {
      outbox = try Outbox(path: global.databasePath, options: OutboxOptions(synchronous: synchronous))
    } catch {
      throw fail(error.exitStatus, error.description)
    }
    let rejectsWriter: RejectsWriter?
    do {
      rejectsWriter = try rejects.map { try RejectsWriter(path: $0, databasePath: global.databasePath) }
    } catch {
      throw fail(.ioError, "cannot open --rejects file: \(error)")
    }
    let refresh: Int64?
    do {
      refresh = try RefreshInterval.resolve(flag: refreshAfter, configPath: global.config)
    } catch {
      throw fail(.configuration, error.description)
    }
    let pipeline = EnqueuePipeline(outbox: outbox, chunkSize: chunkSize, strict: strict, refreshAfter: refresh)
    var total = EnqueueCounts()
    var rejected = 0
    var ioFailure = false
    var limiter = RejectionLimiter()
    for file in files.isEmpty ? ["-"] : files {
      let descriptor = file == "-" ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else {
        Diagnostics.error("\(file): cannot open: \(String(cString: strerror(errno)))")
        ioFailure = true
        continue
      }
      defer { if descriptor != STDIN_FILENO { close(descriptor) } }
      do {
        let summary = try pipeline.enqueue(fileDescriptor: descriptor, source: file == "-" ? "stdin" : file) { rejection in
          for line in limiter.lines(location: rejection.location, errors: rejection.errors) { Diagnostics.error(line) }
          rejectsWriter?.write(rejection)
        }
        total += summary.counts
        rejected += summary.rejected
        if summary.rolledBack {
          Diagnostics.error("\(summary.source): --strict: \(summary.rejected) record(s) rejected, so nothing from this file was stored")
        }
      } catch let error as OutboxError {
        throw fail(error.exitStatus, error.description)
      } catch {
        Diagnostics.error("\(error)")
        ioFailure = true
      }
    }
    if let summary = limiter.summary(rejectsPath: rejects) { Diagnostics.error(summary) }
    if let rejectsWriter, let failure = rejectsWriter.finish() {
      Diagnostics.error("--rejects \(rejects ?? ""): \(failure)")
      ioFailure = true
    }
    StandardOutput.write("new \(total.new), updated \(total.updated), refreshed \(total.refreshed), unchanged \(total.unchanged), rejected \(rejected)\n")
    if ioFailure { throw ExitStatus.ioError.exitCode }
    if rejected > 0 { throw ExitStatus.dataError.exitCode }
  }
}

/// Appends rejected records to an NDJSON file: location, reasons, and the record itself
/// (as text, or base64 when it is not valid UTF-8), so nothing is lost.
final class RejectsWriter {
  private let handle: FileHandle
  private var failure: String?

  /// Opens `path` for appending: no symlink followed, 0600, never the database or its -wal/-shm.
  init(path: String, databasePath: String) throws {
    let descriptor = try PrivateFile.open(
      path, flags: O_WRONLY | O_APPEND, protecting: PrivateFile.databaseFamily(databasePath))
    handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
  }

  func write(_ rejection: Rejection) {
    var object: [String: Any] = [
      "source": rejection.location.source,
      "line": rejection.location.line,
      "errors": rejection.errors.map { error -> [String: String] in
        var entry = ["reason": error.reason]
        if let field = error.field { entry["field"] = field }
        return entry
      },
    ]
    if let index = rejection.location.index { object["index"] = index }
    if let text = String(validating: rejection.bytes, as: UTF8.self) {
      object["record"] = text
    } else {
      object["record_base64"] = Data(rejection.bytes).base64EncodedString()
    }
    do {
      var line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
      line.append(0x0A)
      try handle.write(contentsOf: line)
    } catch {
      failure = failure ?? "\(error)"
    }
  }

  /// Flushes to disk; the first write error, if any.
  func finish() -> String? {
    do { try handle.synchronize() } catch { failure = failure ?? "\(error)" }
    return failure
  }
}
