import ArgumentParser
import Delivery
import Foundation
import Ingestion
import OutboxStore
import Synchronization
import Telemetry

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

      With --watch --metrics-listen HOST:PORT it serves GET /metrics (Prometheus text) and GET \
      /healthz (200, or 503 with a JSON reason during an outage or a configuration error, which \
      then does not end the run); --metrics-file PATH writes the same metrics after each pass \
      (node_exporter textfile format, replaced atomically).

      Example: cvebuster-outbox drain --config connector_config.json --max-duration 10m
      """)

  @OptionGroup var global: GlobalOptions

  @Flag(help: "Keep running: drain whenever rows are ready, sleep otherwise (a service).")
  var watch = false

  @Option(help: ArgumentHelp("Sleep between passes with --watch, e.g. 30s.", valueName: "duration"))
  var interval = DurationArgument(millis: 30_000)

  @Option(help: "Requests in flight at once.")
  var concurrency = 4

  @Option(help: "Stop after this many rows.")
  var maxRows: Int?

  @Option(help: ArgumentHelp("Stop claiming after this long, e.g. 10m (in-flight requests finish).", valueName: "duration"))
  var maxDuration: DurationArgument?

  @Option(help: "Largest uncompressed request body (at most 1000000).")
  var maxBodyBytes = ClientConfiguration.bodyLimit

  @Option(help: ArgumentHelp("No longer used: transient failures never make a row dead.", visibility: .hidden))
  var maxAttempts: Int?

  @Option(help: ArgumentHelp("After SIGTERM/SIGINT, how long requests under way may finish, e.g. 15s.", valueName: "duration"))
  var shutdownGrace = DurationArgument("15s")!

  @Option(help: "Failed requests in a row (no success between) that end a run with exit 75, rows kept pending.")
  var outageAfter = 6

  @Flag(help: "If another drain is running on this database, wait for it instead of exiting 75.")
  var wait = false

  @Flag(help: ArgumentHelp("Skip the one-drain-per-database lock (leases keep overlapping drains safe).", visibility: .hidden))
  var noLock = false

  @Option(help: ArgumentHelp("How long a claim holds its rows, e.g. 300s.", visibility: .hidden))
  var lease = DurationArgument(millis: 300_000)

  @Option(help: ArgumentHelp("Rows leased per claim transaction (default: about two bodies per worker).", visibility: .hidden))
  var claimRows: Int?

  @Option(help: ArgumentHelp("Gzip implementation: libdeflate or zlib.", visibility: .hidden))
  var compressor = CompressorKind.libdeflate

  @Option(help: ArgumentHelp("Gzip level.", visibility: .hidden))
  var level: Int32 = 5

  @Option(help: ArgumentHelp("Order of rows in a body: title (for the compressor) or id.", visibility: .hidden))
  var rowOrder = RowOrder.title

  @Option(
    help: ArgumentHelp(
      "With --watch: serve GET /metrics and GET /healthz on HOST:PORT (e.g. 127.0.0.1:9464).", valueName: "host:port"))
  var metricsListen: ListenAddress?

  @Option(
    help: ArgumentHelp(
      "Write the metrics to this file after each pass (atomically; node_exporter textfile format).",
      valueName: "path"), completion: .file(extensions: ["prom"]))
  var metricsFile: String?

  func validate() throws {
    if metricsListen != nil && !watch { throw ValidationError("--metrics-listen needs --watch (use --metrics-file for one-shot drains)") }
    guard concurrency >= 1 && concurrency <= 64 else { throw ValidationError("--concurrency must be 1 to 64") }
    guard (1024...ClientConfiguration.bodyLimit).contains(maxBodyBytes) else {
      throw ValidationError("--max-body-bytes must be 1024 to 1000000")
    }
    if let maxRows, maxRows < 1 { throw ValidationError("--max-rows must be at least 1") }
    guard outageAfter >= 1 else { throw ValidationError("--outage-after must be at least 1") }
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
    for warning in client.warnings { Diagnostics.warning(warning) }
    // A timer enabled before the first scan is not a failure (checked before the lock, which
    // would need the outbox's directory and leave a lock file behind).
    if access(global.databasePath, F_OK) != 0 && errno == ENOENT {
      StandardOutput.write("nothing enqueued yet: no outbox at \(global.databasePath)\n")
      return
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
    if maxAttempts != nil {
      Diagnostics.warning("--max-attempts is ignored: only a verdict about a row's content makes it dead (docs/delivery.md)")
    }
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
    options.holdsDrainLock = lock != nil && !noLock
    options.outageThreshold = outageAfter
    options.shutdownGraceMillis = shutdownGrace.millis
    options.maxRows = maxRows
    // Claim about what the workers send next (about two bodies per worker).
    options.claimRows = max(1, claimRows ?? min(8_000, concurrency * 2 * max(1, maxBodyBytes / 250)))
    options.leaseMillis = max(1_000, lease.millis)
    options.maxDurationMillis = maxDuration?.millis
    options.compressor = compressor
    options.compressionLevel = level
    options.rowOrder = rowOrder == .title ? .byTitle : nil
    options.transport.caBundle = client.caBundle
    let log = BatchLog(console: .shared)
    let monitor = DrainMonitor(outbox: outbox, metricsFile: metricsFile)
    let server = try metricsListen.map { try MetricsServerThread(monitor: monitor, address: $0) }
    defer { server?.stop() }
    // Counting rows scans the table: only when a progress line can be shown.
    let total = !watch && log.useProgressBar ? ((try? outbox.status())?.pending) ?? 0 : 0
    let progress = ProgressLine(enabled: total >= 10_000, total: total)
    let drainer = Drainer(
      outbox: outbox, configuration: client, options: options,
      shouldStop: { stopRequested.load(ordering: .relaxed) },
      onBatch: { event in
        log.batch(event)
        progress.add(event)
        monitor.batch(event)
      })
    var exit = ExitStatus.ok
    var nextPassAt: Int64 = 0
    repeat {
      nextPassAt = 0
      let report: DrainReport
      do {
        report = try drainer.run()
      } catch {
        progress.finish()
        throw fail(error.exitStatus, error.description)
      }
      progress.finish()
      monitor.pass(report)
      log.summary(report, watching: watch)
      if report.deadRows > 0 { exit = .partial }
      switch report.stop {
      case .configuration(let message):
        // With a health endpoint the watch stays up and says so (503); otherwise it ends (78).
        guard server != nil else { throw fail(.configuration, message) }
        Diagnostics.error("configuration error, trying again in \(interval): \(message)")
      case .outage(let reason, let nextTryAt):
        let waiting = ((try? outbox.status())?.pending).map { "\($0) rows wait for the endpoint" } ?? "rows wait"
        let message = "endpoint unavailable (\(reason)); \(waiting); next try \(Formatting.timestamp(nextTryAt))"
        guard watch else { throw fail(.temporary, message) }
        Diagnostics.warning(message)
        nextPassAt = nextTryAt
      case .interrupted:
        return
      case .drained, .maxRows, .maxDuration:
        break
      }
    } while watch && sleepInterruptibly(millis: max(interval.millis, nextPassAt - Outbox.now()))
    if exit != .ok { throw exit.exitCode }
  }

  /// `--config`, else `$CVEBUSTER_OUTBOX_CONFIG`, else nothing (environment variables alone).
  private func configPath(_ environment: [String: String]) -> String? {
    global.config ?? environment["CVEBUSTER_OUTBOX_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
  }

  private func sleepInterruptibly(millis: Int64) -> Bool {
    let end = Date().addingTimeInterval(Double(millis) / 1000)
    while Date() < end {
      if stopRequested.load(ordering: .relaxed) { return false }
      usleep(100_000)
    }
    return !stopRequested.load(ordering: .relaxed)
  }

  private func installSignalHandlers() {
    // A parent may start us with these blocked (posix_spawn keeps the spawning thread's mask):
    // unblock them, or SIGTERM would stay pending and the drain would never stop.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGTERM)
    sigaddset(&unblock, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    for signalNumber in [SIGTERM, SIGINT] {
      signal(signalNumber) { number in
        stopRequested.store(true, ordering: .relaxed)
        signal(number, SIG_DFL)  // a second signal ends the process at once
      }
    }
  }
}
