import ArgumentParser
import FindingGenerator
import Findings
import Foundation
import Intake
import OutboxStore

/// `cvebuster-outbox generate`: realistic test findings, the seed's generator and demo mode.
public struct GenerateCommand: AsyncParsableCommand {
  @OptionGroup var global: GlobalOptions

  public static let configuration = CommandConfiguration(
    commandName: "generate",
    abstract: "Write realistic test findings as a JSON array or NDJSON.",
    discussion: """
      Generates findings shaped exactly like the stream's 11 columns: a 30/25/25/20 % \
      Critical/High/Medium/Low mix with CVSS inside each severity's CVSS v3 band, CVE ids and \
      titles that stay the same for a CVE on every machine, 48 machines with their asset \
      criticality, statuses that agree with the patch flag, and DiscoveryDate never after \
      LastModified. --enqueue stores them in the outbox through the same reader and validator \
      as `enqueue`, which is the seed GUI's "Manual Send" when followed by `drain`. --demo moves 30 % of LastModified into the last 2 minutes and 70 % to \
      30–90 days ago, like the seed's demo mode. The same --seed and --now give byte-identical \
      output; without --seed a random seed is used and printed on stderr. Example: \
      `cvebuster-outbox generate --count 1000 --seed 7 --format ndjson --output findings.ndjson`.
      """)

  @Option(help: "How many findings to generate.")
  var count = 500

  @Option(help: "Seed for reproducible output (0 to 2^64-1); random when omitted.")
  var seed: UInt64?

  @Flag(help: "Demo timing: 30 % modified in the last 2 minutes, 70 % 30 to 90 days ago.")
  var demo = false

  @Option(help: "Output layout: json (one array) or ndjson (one object per line).")
  var format: FindingFormat = .json

  @Option(
    name: [.short, .long], help: "File to write (replaced atomically); stdout when omitted or '-'.",
    completion: .file())
  var output: String?

  @Flag(help: "Store the findings in the outbox (--db) instead of writing them out.")
  var enqueue = false

  @Option(help: "The time dates are relative to, as YYYY-MM-DDTHH:MM:SSZ (default: now).")
  var now: String?

  public init() {}

  public func validate() throws {
    guard count >= 0, count <= FindingGenerator.maximumCount else {
      throw ValidationError("--count must be between 0 and \(FindingGenerator.maximumCount), got \(count)")
    }
    if enqueue && output != nil {
      throw ValidationError("--enqueue stores the findings in the outbox; leave out --output")
    }
    if let now, Self.parseTimestamp(now) == nil {
      throw ValidationError("--now \(now) is not a UTC timestamp like 2026-03-01T12:00:00Z")
    }
  }

  public func run() async throws {
    Diagnostics.quiet = global.quiet
    let seed = seed ?? UInt64.random(in: 0...UInt64.max)
    let referenceTime = now.flatMap(Self.parseTimestamp) ?? Int64(Date().timeIntervalSince1970)
    let generator = try FindingGenerator(
      .init(count: count, seed: seed, timing: demo ? .demo : .spread, referenceTime: referenceTime))
    let target: String
    if enqueue {
      target = try store(generator)
    } else {
      let destination = output == "-" ? nil : output
      do {
        let sink = try GenerateOutput(path: destination)
        try FindingEncoder.write(generator, format: format) { (chunk: [UInt8]) throws(GenerateOutput.Failure) in
          try sink.write(chunk)
        }
        try sink.finish()
      } catch {
        throw fail(.ioError, "\(error)")
      }
      target = destination ?? "stdout"
    }
    Diagnostics.info(
      "generated \(count) findings to \(target) (seed \(seed), \(demo ? "demo" : "spread") timing, "
        + "now \(UTCTimestamp.format(referenceTime)))")
  }

  /// `--enqueue`: runs the findings through `enqueue`'s pipeline; a rejected finding is a bug
  /// in the generator, reported like any rejected record (exit 65).
  private func store(_ generator: FindingGenerator) throws -> String {
    umask(0o077)
    let outbox = try openOutbox(global, create: true)
    var rejected = 0
    let summary: InputSummary
    do {
      summary = try GenerateEnqueue.run(generator, pipeline: EnqueuePipeline(outbox: outbox)) { rejection in
        rejected += 1
        for error in rejection.errors { Diagnostics.error("\(rejection.location): \(error)") }
      }
    } catch let error as OutboxError {
      throw fail(error.exitStatus, error.description)
    } catch {
      throw fail(.ioError, "\(error)")
    }
    let counts = summary.counts
    StandardOutput.write(
      "new \(counts.new), updated \(counts.updated), refreshed \(counts.refreshed), unchanged \(counts.unchanged), rejected \(rejected)\n")
    if rejected > 0 { throw ExitStatus.dataError.exitCode }
    return "the outbox \(global.databasePath)"
  }

  /// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ`.
  static func parseTimestamp(_ text: String) -> Int64? {
    UTCTimestamp.seconds(parsing: text)
  }
}

extension FindingFormat: ExpressibleByArgument {}
