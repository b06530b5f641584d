import Findings

/// How a set of findings is laid out in a file.
public enum FindingFormat: String, Sendable, CaseIterable {
  /// One JSON array, one finding per line: what the seed's scripts wrote.
  case json
  /// Newline-delimited JSON: one object per line, nothing else.
  case ndjson
}

/// Writes findings as JSON bytes, fields in the stream's column order, without Foundation's
/// encoders: a million findings take about a second instead of a minute.
public enum FindingEncoder {
  /// One finding as a compact JSON object, e.g. for a test or a log line.
  public static func object(_ finding: GeneratedFinding) -> String {
    var bytes: [UInt8] = []
    appendObject(finding, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Appends one finding as a compact JSON object (no trailing newline).
  public static func appendObject(_ finding: GeneratedFinding, to bytes: inout [UInt8]) {
    appendKey("{\"VulnId\":", to: &bytes)
    appendString(finding.vulnId, to: &bytes)
    appendKey(",\"VulnTitle\":", to: &bytes)
    appendString(finding.vulnTitle, to: &bytes)
    appendKey(",\"Severity\":", to: &bytes)
    appendString(finding.severity.rawValue, to: &bytes)
    appendKey(",\"CVSS\":", to: &bytes)
    bytes.append(contentsOf: finding.cvssText.utf8)
    appendKey(",\"MachineName\":", to: &bytes)
    appendString(finding.machineName, to: &bytes)
    appendKey(",\"AssetCriticality\":", to: &bytes)
    appendString(finding.assetCriticality.rawValue, to: &bytes)
    appendKey(",\"PatchAvailable\":", to: &bytes)
    appendKey(finding.patchAvailable ? "true" : "false", to: &bytes)
    appendKey(",\"ExploitAvailable\":", to: &bytes)
    appendKey(finding.exploitAvailable ? "true" : "false", to: &bytes)
    appendKey(",\"DiscoveryDate\":\"", to: &bytes)
    UTCTimestamp.append(finding.discoveryDate, to: &bytes)
    appendKey("\",\"LastModified\":\"", to: &bytes)
    UTCTimestamp.append(finding.lastModified, to: &bytes)
    appendKey("\",\"Status\":", to: &bytes)
    appendString(finding.status.rawValue, to: &bytes)
    bytes.append(UInt8(ascii: "}"))
  }

  /// Writes `findings` as a whole document in `format`, handing the bytes to `sink` in chunks of
  /// at least `chunkSize` bytes (the last one may be shorter). Nothing is kept after a chunk
  /// is handed over, so memory stays flat however many findings there are.
  public static func write<Findings: Sequence<GeneratedFinding>, Failure: Error>(
    _ findings: Findings, format: FindingFormat, chunkSize: Int = 1 << 20,
    to sink: ([UInt8]) throws(Failure) -> Void
  ) throws(Failure) {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(chunkSize + 1024)
    var first = true
    if format == .json { buffer.append(UInt8(ascii: "[")) }
    for finding in findings {
      if format == .json {
        appendKey(first ? "\n" : ",\n", to: &buffer)
      }
      first = false
      appendObject(finding, to: &buffer)
      if format == .ndjson { buffer.append(UInt8(ascii: "\n")) }
      if buffer.count >= chunkSize {
        try sink(buffer)
        buffer.removeAll(keepingCapacity: true)
      }
    }
    if format == .json { appendKey(first ? "]\n" : "\n]\n", to: &buffer) }
    if !buffer.isEmpty { try sink(buffer) }
  }

  private static func appendKey(_ literal: StaticString, to bytes: inout [UInt8]) {
    literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }

  /// A JSON string literal: quotes, backslashes and control characters escaped.
  private static func appendString(_ value: String, to bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "\""))
    for byte in value.utf8 {
      switch byte {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"):
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(byte)
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
        bytes.append(hex[Int(byte >> 4)])
        bytes.append(hex[Int(byte & 0xF)])
      default:
        bytes.append(byte)
      }
    }
    bytes.append(UInt8(ascii: "\""))
  }
}
