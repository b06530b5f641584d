import Delivery
import Foundation
import Logging

/// The drain's events: one log event per request on stderr, the run's summary on stdout.
struct BatchLog: Sendable {
  let console: Console

  /// On a terminal, text logs show a progress line instead of per-batch lines (unless -v).
  var useProgressBar: Bool {
    console.format == .text && console.level == .info && isatty(STDERR_FILENO) == 1
  }

  func batch(_ event: BatchEvent) {
    let isFailure = event.outcome != "delivered"
    let level: Logger.Level = isFailure ? .warning : .info
    guard console.wants(level), !useProgressBar || isFailure else { return }
    var fields: Logger.Metadata = [
      "event": "batch", "outcome": .string(event.outcome), "rows": .stringConvertible(event.rows),
      "raw_bytes": .stringConvertible(event.rawBytes), "wire_bytes": .stringConvertible(event.wireBytes),
      "ms": .stringConvertible(event.millis), "client_request_id": .string(event.clientRequestID),
      "request_id": .string(event.requestID ?? "-"),
    ]
    if let status = event.status { fields["status"] = .stringConvertible(status) }
    if let error = event.error { fields["error"] = .string(error) }
    if useProgressBar { console.raw("\r\u{1B}[K") }
    console.log(level, "batch \(event.outcome)", fields)
  }

  /// The summary on stdout; an idle pass of `--watch` (nothing was due) only at debug.
  func summary(_ report: DrainReport, watching: Bool) {
    if watching && report.requests == 0 && report.unsentRequests == 0 && report.givenBackRows == 0
      && report.deadRows == 0
    {
      console.log(.debug, "idle pass: nothing due", ["event": "pass", "ms": .stringConvertible(Int(report.elapsedMillis))])
      return
    }
    console.result(Self.summaryLine(report) + "\n")
  }

  /// What a run did, in rows (never row-attempts), and why no request left when none did.
  static func summaryLine(_ report: DrainReport) -> String {
    let seconds = max(0.001, Double(report.elapsedMillis) / 1000)
    let rate = Int(Double(report.sentRows) / seconds)
    var parts: [String] = []
    if report.requests == 0, report.unsentRequests == 0, case .outage = report.stop {
      parts.append("sent 0 rows: no request sent, the endpoint is failing and its next try is not due")
    } else if report.requests == 0 && report.unsentRequests > 0 {
      parts.append("sent 0 rows: no request left this host (\(report.lastUnsentReason ?? "unknown reason"))")
    } else {
      parts.append(
        "sent \(report.sentRows) rows in \(report.requests) requests (\(report.rawBytes) bytes raw, "
          + "\(report.wireBytes) on the wire) in \(String(format: "%.2f", seconds)) s, \(rate) rows/s")
    }
    parts.append("dead \(report.deadRows)")
    if report.givenBackRows > 0 { parts.append("\(report.givenBackRows) rows wait for a later try") }
    if report.fencedRows > 0 { parts.append("lost lease on \(report.fencedRows)") }
    return parts.joined(separator: "; ")
  }
}

/// `\r`-redrawn progress on stderr (a terminal only): rows sent of the total and rows/s.
///
/// `@unchecked Sendable` only to be captured by the drain's `onBatch` closure: it is created,
/// called and finished on the drain thread alone.
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
    Console.shared.raw("\r[\(bar)] \(sent)/\(total) rows  \(rate) rows/s")
  }

  func finish() {
    guard enabled, lastDraw != .distantPast else { return }
    Console.shared.raw("\r\u{1B}[K")
    lastDraw = .distantPast
  }
}
