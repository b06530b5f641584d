import ArgumentParser
import Delivery
import Foundation
import Ingestion
import OutboxStore
import Synchronization

/// Set by SIGTERM/SIGINT; the drain finishes or gives back in-flight work, then exits 0.
private let stopRequested = Atomic<Bool>(false)

/// `drain`: send pending findings to the Logs Ingestion API.
struct DrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "drain",
    abstract: "Send pending findings to the Logs Ingestion API (or the emulator), at least once.",
    discussion: """
      Claims ready rows under a lease, packs them into gzip JSON bodies of at most 1,000,000 bytes, \
      sends several at once, and records each outcome. 429/503 wait for Retry-After; 408/5xx/network \
      errors back off with full jitter; 413 splits; 400 bisects down to the rejected rows, which go \
      dead with the service's message. 401 (after a token refresh), 403 and 404 stop the run and \
      give the rows back. See docs/delivery.md.
      Exit 0 done; 1 some rows went dead; 75 endpoint unavailable or another drain is running; \
      78 configuration (auth, permissions, DCR); 74 database.

      Example: cvebuster-outbox drain --config connector_config.json --max-duration 10m
      """)

  @OptionGroup var global: GlobalOptions

  @Flag(help: "Keep running: drain whenever rows are ready, sleep otherwise (a service).")
  var watch = false

  @Option(help: ArgumentHelp("Sleep between passes with --watch, e.g. 30s.", valueName: "duration"))
  var interval = DurationArgument("30s")!

  @Option(help: "Requests in flight at once.")
  var concurrency = 4

  @Option(help: "Stop after this many rows.")
  var maxRows: Int?

  @Option(help: ArgumentHelp("Stop claiming after this long, e.g. 10m (in-flight requests finish).", valueName: "duration"))
  var maxDuration: DurationArgument?

  @Option(help: "Largest uncompressed request body (at most 1000000).")
  var maxBodyBytes = ClientConfiguration.bodyLimit

  @Option(help: "Attempts before a row goes dead.")
  var maxAttempts = 12

  @Flag(help: "If another drain is running on this database, wait for it instead of exiting 75.")
  var wait = false

  @Flag(help: ArgumentHelp("Skip the one-drain-per-database lock (leases keep overlapping drains safe).", visibility: .hidden))
  var noLock = false

  @Option(help: ArgumentHelp("How long a claim holds its rows, e.g. 300s.", visibility: .hidden))
  var lease = DurationArgument("300s")!

  @Option(help: ArgumentHelp("Rows leased per claim transaction (default: about two bodies per worker).", visibility: .hidden))
  var claimRows: Int?

  @Option(help: ArgumentHelp("Gzip implementation: libdeflate or zlib.", visibility: .hidden))
  var compressor = "libdeflate"

  @Option(help: ArgumentHelp("Gzip level.", visibility: .hidden))
  var level: Int32 = 6

  func validate() throws {
    guard concurrency >= 1 && concurrency <= 64 else { throw ValidationError("--concurrency must be 1 to 64") }
    guard (1024...ClientConfiguration.bodyLimit).contains(maxBodyBytes) else {
      throw ValidationError("--max-body-bytes must be 1024 to 1000000")
    }
    guard CompressorKind(rawValue: compressor) != nil else { throw ValidationError("--compressor: libdeflate or zlib") }
    if let maxRows, maxRows < 1 { throw ValidationError("--max-rows must be at least 1") }
  }

  func run() throws {
    Diagnostics.quiet = global.quiet
    let environment = ProcessInfo.processInfo.environment
    let client: ClientConfiguration
    do {
      client = try ClientConfiguration.load(path: configPath(environment), environment: environment)
    } catch {
      throw fail(.configuration, error.description)
    }
    let lock: DrainLock?
    do {
      lock = try DrainLock(databasePath: global.databasePath, wait: wait)
      if lock == nil && !noLock {
        throw fail(.temporary, "another drain is running on \(global.databasePath); try later, or pass --wait")
      }
    } catch let error as DrainLockError {
      throw fail(.ioError, error.description)
    }
    defer { withExtendedLifetime(lock) {} }
    MemoryTuning.returnFreedMemoryPromptly()
    // NORMAL is safe for drain: a `sent` mark lost to power loss only means a resend (at least once).
    // A drain walks the ready index and the narrow delivery rows in order and reads each payload
    // once, so a 2 MiB page cache does as well as enqueue's 8 MiB (measured) and keeps RSS down.
    let outbox: Outbox
    do {
      outbox = try Outbox(
        path: global.databasePath, options: OutboxOptions(synchronous: .normal, create: false, cacheKiB: 2_048))
    } catch {
      throw fail(error.exitStatus, error.description)
    }
    installSignalHandlers()

    var options = DrainOptions()
    options.concurrency = concurrency
    options.maxBodyBytes = maxBodyBytes
    options.maxAttempts = maxAttempts
    options.maxRows = maxRows
    // Claim about what the workers send next: each attempt is counted at claim, so a drain that
    // dies spends attempts only of rows it was about to send.
    options.claimRows = max(1, claimRows ?? min(8_000, concurrency * 2 * max(1, maxBodyBytes / 250)))
    options.leaseMillis = max(1_000, lease.millis)
    options.maxDurationMillis = maxDuration?.millis
    options.compressor = CompressorKind(rawValue: compressor) ?? .libdeflate
    options.compressionLevel = level
    options.transport.caBundle = client.caBundle
    let log = BatchLog(format: global.logFormat, quiet: global.quiet, verbose: global.verbose)
    // Counting rows scans the table: only when a progress line can be shown.
    let total = !watch && log.useProgressBar ? ((try? outbox.status())?.pending) ?? 0 : 0
    let progress = ProgressLine(enabled: total >= 10_000, total: total)
    let drainer = Drainer(
      outbox: outbox, configuration: client, options: options,
      shouldStop: { stopRequested.load(ordering: .relaxed) },
      onBatch: { event in
        log.batch(event)
        progress.add(event)
      })
    var exit = ExitStatus.ok
    repeat {
      let report: DrainReport
      do {
        report = try drainer.run()
      } catch {
        progress.finish()
        throw fail(error.exitStatus, error.description)
      }
      progress.finish()
      log.summary(report)
      if report.deadRows > 0 { exit = .partial }
      switch report.stop {
      case .configuration(let message):
        throw fail(.configuration, message)
      case .outage(let message):
        guard watch else { throw fail(.temporary, "endpoint unavailable, rows left pending: \(message)") }
        Diagnostics.warning("endpoint unavailable, retrying in \(interval.seconds)s: \(message)")
      case .deferred(let until):
        guard watch else {
          throw fail(.temporary, "rows wait for a retry at \(Formatting.timestamp(until)) (throttled or failing); run drain again later")
        }
      case .interrupted:
        return
      case .drained, .maxRows, .maxDuration:
        break
      }
    } while watch && sleepInterruptibly(seconds: interval.seconds)
    if exit != .ok { throw exit.exitCode }
  }

  /// `--config`, else `$CVEBUSTER_OUTBOX_CONFIG`, else nothing (environment variables alone).
  private func configPath(_ environment: [String: String]) -> String? {
    global.config ?? environment["CVEBUSTER_OUTBOX_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
  }

  private func sleepInterruptibly(seconds: Int64) -> Bool {
    let end = Date().addingTimeInterval(Double(seconds))
    while Date() < end {
      if stopRequested.load(ordering: .relaxed) { return false }
      usleep(100_000)
    }
    return !stopRequested.load(ordering: .relaxed)
  }

  private func installSignalHandlers() {
    for signalNumber in [SIGTERM, SIGINT] {
      signal(signalNumber) { number in
        stopRequested.store(true, ordering: .relaxed)
        signal(number, SIG_DFL)  // a second signal ends the process at once
      }
    }
  }
}

/// One line per request on stderr (text or JSON), and the run's summary on stdout.
struct BatchLog: Sendable {
  let format: LogFormat
  let quiet: Bool
  let verbose: Bool

  /// On a terminal, text logs show a progress line instead of per-batch lines (unless -v).
  var useProgressBar: Bool { format == .text && !quiet && !verbose && isatty(STDERR_FILENO) == 1 }

  func batch(_ event: BatchEvent) {
    guard !quiet else { return }
    let isFailure = event.outcome != "delivered"
    guard !useProgressBar || isFailure else { return }
    switch format {
    case .json:
      var object: [String: Any] = [
        "event": "batch", "rows": event.rows, "raw_bytes": event.rawBytes, "wire_bytes": event.wireBytes,
        "outcome": event.outcome, "ms": event.millis, "client_request_id": event.clientRequestID,
      ]
      object["status"] = event.status
      object["error"] = event.error
      let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
      Diagnostics.write(String(decoding: data, as: UTF8.self))
    case .text:
      var line = "batch \(event.outcome) rows=\(event.rows) raw=\(event.rawBytes) wire=\(event.wireBytes) "
        + "status=\(event.status.map(String.init) ?? "-") ms=\(event.millis) id=\(event.clientRequestID)"
      if let error = event.error { line += " error=\"\(error)\"" }
      Diagnostics.write(useProgressBar ? "\r\u{1B}[K" + line : line)
    }
  }

  func summary(_ report: DrainReport) {
    let seconds = max(0.001, Double(report.elapsedMillis) / 1000)
    let rate = Int(Double(report.sentRows) / seconds)
    StandardOutput.write(
      "sent \(report.sentRows) rows in \(report.requests) requests (\(report.rawBytes) bytes raw, "
        + "\(report.wireBytes) on the wire) in \(String(format: "%.2f", seconds)) s, \(rate) rows/s; "
        + "dead \(report.deadRows), given back \(report.retriedRows)"
        + (report.fencedRows > 0 ? ", lost lease on \(report.fencedRows)" : "") + "\n")
  }
}

/// `\r`-redrawn progress on stderr: rows sent of the total and rows/s.
final class ProgressLine: @unchecked Sendable {
  private let enabled: Bool
  private let total: Int
  private var sent = 0
  private let started = Date()
  private var lastDraw = Date.distantPast

  init(enabled: Bool, total: Int) {
    self.enabled = enabled
    self.total = total
  }

  func add(_ event: BatchEvent) {
    guard enabled else { return }
    if event.outcome == "delivered" { sent += event.rows }
    let now = Date()
    guard now.timeIntervalSince(lastDraw) > 0.1 else { return }
    lastDraw = now
    let fraction = total > 0 ? min(1, Double(sent) / Double(total)) : 0
    let filled = Int(fraction * 30)
    let rate = Int(Double(sent) / max(0.001, now.timeIntervalSince(started)))
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
    FileHandle.standardError.write(Data("\r[\(bar)] \(sent)/\(total) rows  \(rate) rows/s".utf8))
  }

  func finish() {
    guard enabled, lastDraw != .distantPast else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    lastDraw = .distantPast
  }
}
