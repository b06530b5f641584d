import ArgumentParser
import FindingGenerator
import Foundation

/// `cvebuster-outbox generate`: realistic test findings, the seed's generator and demo mode.
public struct GenerateCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "generate",
    abstract: "Write realistic test findings as a JSON array or NDJSON.",
    discussion: """
      Generates findings shaped exactly like the stream's 11 columns: a 30/25/25/20 % \
      Critical/High/Medium/Low mix with CVSS inside each severity's CVSS v3 band, CVE ids and \
      titles that stay the same for a CVE on every machine, 48 machines with their asset \
      criticality, statuses that agree with the patch flag, and DiscoveryDate never after \
      LastModified. --demo moves 30 % of LastModified into the last 2 minutes and 70 % to \
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

  @Option(help: "The time dates are relative to, as YYYY-MM-DDTHH:MM:SSZ (default: now).")
  var now: String?

  public init() {}

  public func validate() throws {
    guard count >= 0, count <= FindingGenerator.maximumCount else {
      throw ValidationError("--count must be between 0 and \(FindingGenerator.maximumCount), got \(count)")
    }
    if let now, Self.parseTimestamp(now) == nil {
      throw ValidationError("--now \(now) is not a UTC timestamp like 2026-03-01T12:00:00Z")
    }
  }

  public func run() async throws {
    let seed = seed ?? UInt64.random(in: 0...UInt64.max)
    let referenceTime = now.flatMap(Self.parseTimestamp) ?? Int64(Date().timeIntervalSince1970)
    let generator = try FindingGenerator(
      .init(count: count, seed: seed, timing: demo ? .demo : .spread, referenceTime: referenceTime))
    let destination = output == "-" ? nil : output
    do {
      let sink = try GenerateOutput(path: destination)
      try FindingEncoder.write(generator, format: format) { (chunk: [UInt8]) throws(GenerateOutput.Failure) in
        try sink.write(chunk)
      }
      try sink.finish()
    } catch {
      FileHandle.standardError.write(Data("cvebuster-outbox generate: \(error)\n".utf8))
      throw ExitCode(74)
    }
    let target = destination ?? "stdout"
    let timing = demo ? "demo timing" : "spread timing"
    FileHandle.standardError.write(
      Data("generated \(count) findings to \(target) (seed \(seed), \(timing), now \(UTCTimestamp.format(referenceTime)))\n".utf8))
  }

  /// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ`.
  static func parseTimestamp(_ text: String) -> Int64? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    guard text.hasSuffix("Z"), let date = formatter.date(from: text) else { return nil }
    return Int64(date.timeIntervalSince1970)
  }
}

extension FindingFormat: ExpressibleByArgument {}
