#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a record came from, for error messages: file, line, and (for a JSON array) index.
public struct RecordLocation: Sendable, Equatable, CustomStringConvertible {
  public let source: String
  /// 1-based line on which the record starts.
  public let line: Int
  /// 0-based position in the top-level JSON array; nil for NDJSON.
  public let index: Int?

  public init(source: String, line: Int, index: Int?) {
    self.source = source
    self.line = line
    self.index = index
  }

  public var description: String {
    if let index { return "\(source): line \(line), record [\(index)]" }
    return "\(source): line \(line)"
  }
}

/// What a `RecordReader` yields: the bytes of one record, or a part of the input that is not one.
public enum RecordEvent: Sendable {
  case record(location: RecordLocation, bytes: [UInt8])
  /// Input that cannot be split into records; `bytes` holds it (possibly cut short) for a rejects file.
  case malformed(location: RecordLocation, reason: String, bytes: [UInt8])
}

/// An input that could not be read at all.
public struct InputReadError: Error, Sendable, CustomStringConvertible {
  public let source: String
  public let reason: String
  public var description: String { "\(source): \(reason)" }
}

/// Splits a JSON array of records or NDJSON (one record per line) into records, streaming: memory
/// holds one record and one read chunk, whatever the file size. The format is detected from the
/// first non-blank byte (`[` array, `{` NDJSON); a UTF-8 byte order mark and CRLF lines are accepted.
public struct RecordReader {
  /// Records longer than this are rejected rather than buffered.
  public static let maximumRecordBytes = 16 << 20
  static let chunkBytes = 1 << 20

  private enum Mode { case detect, ndjson, array, arrayDone, finished }

  private let fileDescriptor: Int32
  private let source: String
  private var buffer: [UInt8] = []
  private var start = 0
  private var endOfInput = false
  private var line = 1
  private var mode = Mode.detect
  private var arrayIndex = 0
  private var chunk = [UInt8](repeating: 0, count: RecordReader.chunkBytes)

  /// Reads from an open file descriptor (not closed by the reader); `source` names it in messages.
  public init(fileDescriptor: Int32, source: String) {
    self.fileDescriptor = fileDescriptor
    self.source = source
  }

  /// The next record or malformed part; nil at the end of the input.
  public mutating func next() throws(InputReadError) -> RecordEvent? {
    switch mode {
    case .detect: return try detect()
    case .ndjson: return try nextLine()
    case .array: return try nextElement()
    case .arrayDone: return try afterArray()
    case .finished: return nil
    }
  }

  // MARK: - Buffer

  /// Reads one more chunk; false at end of input.
  private mutating func fill() throws(InputReadError) -> Bool {
    if endOfInput { return false }
    if start > 0 && start >= buffer.count / 2 {
      buffer.removeSubrange(0..<start)
      start = 0
    }
    while true {
      let count = chunk.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
      if count > 0 {
        buffer.append(contentsOf: chunk[0..<count])
        return true
      }
      if count == 0 {
        endOfInput = true
        return false
      }
      if errno == EINTR { continue }
      throw InputReadError(source: source, reason: "read failed: \(String(cString: strerror(errno)))")
    }
  }

  private mutating func skipBlank() throws(InputReadError) {
    while true {
      while start < buffer.count {
        switch buffer[start] {
        case 0x0A:
          line += 1
          start += 1
        case 0x20, 0x09, 0x0D: start += 1
        default: return
        }
      }
      guard try fill() else { return }
    }
  }

  private func location(index: Int? = nil) -> RecordLocation {
    RecordLocation(source: source, line: line, index: index)
  }

  // MARK: - Format detection

  private mutating func detect() throws(InputReadError) -> RecordEvent? {
    while buffer.count - start < 3, try fill() {}
    if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { start = 3 }
    try skipBlank()
    guard start < buffer.count else {
      mode = .finished
      return .malformed(location: location(), reason: "the input is empty: expected a JSON array or NDJSON", bytes: [])
    }
    switch buffer[start] {
    case UInt8(ascii: "["):
      start += 1
      mode = .array
      return try nextElement()
    case UInt8(ascii: "{"):
      mode = .ndjson
      return try nextLine()
    default:
      mode = .finished
      let sample = Array(buffer[start..<min(buffer.count, start + 200)])
      return .malformed(location: location(), reason: "expected a JSON array ('[') or NDJSON objects ('{')", bytes: sample)
    }
  }

  // MARK: - NDJSON

  private mutating func nextLine() throws(InputReadError) -> RecordEvent? {
    var scanned = start
    while true {
      if let newline = buffer[scanned...].firstIndex(of: 0x0A) {
        var end = newline
        if end > start && buffer[end - 1] == 0x0D { end -= 1 }
        let recordLine = line
        let bytes = Array(buffer[start..<end])
        let content = bytes.filter { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }
        if content.isEmpty {  // a blank line: next one, without recursion
          start = newline + 1
          line += 1
          scanned = start
          continue
        }
        if content == [UInt8(ascii: "{")] { return try prettyPrintedObject() }
        start = newline + 1
        line += 1
        return .record(location: RecordLocation(source: source, line: recordLine, index: nil), bytes: bytes)
      }
      scanned = buffer.count
      if buffer.count - start > Self.maximumRecordBytes {
        return try skipOversizedLine()
      }
      let scannedOffset = scanned - start
      guard try fill() else {
        mode = .finished
        var end = buffer.count
        if end > start && buffer[end - 1] == 0x0D { end -= 1 }
        let bytes = Array(buffer[start..<end])
        start = buffer.count
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
        return .record(location: location(), bytes: bytes)
      }
      scanned = start + scannedOffset
    }
  }

  private mutating func skipOversizedLine() throws(InputReadError) -> RecordEvent? {
    let recordLocation = location()
    let sample = Array(buffer[start..<start + 200])
    while true {
      if let newline = buffer[start...].firstIndex(of: 0x0A) {
        start = newline + 1
        line += 1
        break
      }
      start = buffer.count
      guard try fill() else {
        mode = .finished
        break
      }
    }
    return .malformed(location: recordLocation, reason: "record longer than \(Self.maximumRecordBytes >> 20) MiB", bytes: sample)
  }

  /// A JSON object pretty-printed over several lines of what looked like NDJSON: reported once,
  /// with the fix, instead of one error per line. `start` is at the line holding only `{`.
  private mutating func prettyPrintedObject() throws(InputReadError) -> RecordEvent? {
    while buffer[start] != UInt8(ascii: "{") { start += 1 }
    let firstLine = line
    let scan = try scanValue(objectOnly: true)
    let end: Int
    if case .objectEnd(let e) = scan.end { end = e } else { end = buffer.count }
    let bytes = scan.oversizedSample ?? Array(buffer[start..<end])
    start = end
    line += scan.newlines
    if end == buffer.count, case .endOfInput = scan.end { mode = .finished }
    return .malformed(
      location: RecordLocation(source: source, line: firstLine, index: nil),
      reason: "a JSON object pretty-printed over lines \(firstLine)–\(firstLine + scan.newlines): NDJSON needs each "
        + "finding on one line (fix: `jq -c . FILE` writes one object per line; or put the findings in a JSON array [ … ])",
      bytes: bytes)
  }

  /// Where a scanned value ended.
  private enum ScanEnd {
    /// At the `,` (index) after an array element.
    case comma(Int)
    /// At the array's closing `]` (index).
    case close(Int)
    /// Just after the closing `}` (index) of an object scanned with `objectOnly`.
    case objectEnd(Int)
    /// The input ended; `complete` when no object, array or string was left open.
    case endOfInput(complete: Bool)
  }

  private struct Scan {
    var end: ScanEnd
    /// Line feeds inside the value.
    var newlines: Int
    /// The value's first 200 bytes when it was longer than the record limit (and so skipped
    /// without being kept in memory); nil for a value of normal size.
    var oversizedSample: [UInt8]?
  }

  /// The scan's result; a value that ended within the last chunk read but is over the limit is oversized too.
  private func ended(_ end: ScanEnd, at position: Int, _ newlines: Int, _ sample: [UInt8]?) -> Scan {
    let oversized = sample ?? (position - start > Self.maximumRecordBytes ? Array(buffer[start..<start + 200]) : nil)
    return Scan(end: end, newlines: newlines, oversizedSample: oversized)
  }

  /// Scans one JSON value from `start`, tracking strings and nesting. A value over
  /// ``maximumRecordBytes`` is read to its end but not kept, so the next record is still found.
  private mutating func scanValue(objectOnly: Bool) throws(InputReadError) -> Scan {
    var depth = 0
    var inString = false
    var escaped = false
    var position = start
    var newlines = 0
    var sample: [UInt8]? = nil
    while true {
      while position < buffer.count {
        let byte = buffer[position]
        if inString {
          if escaped {
            escaped = false
          } else if byte == UInt8(ascii: "\\") {
            escaped = true
          } else if byte == UInt8(ascii: "\"") {
            inString = false
          } else if byte == 0x0A {
            newlines += 1
          }
        } else {
          switch byte {
          case UInt8(ascii: "\""): inString = true
          case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
          case UInt8(ascii: "}"):
            depth -= 1
            if objectOnly && depth == 0 { return ended(.objectEnd(position + 1), at: position, newlines, sample) }
          case UInt8(ascii: "]"):
            if depth == 0 && !objectOnly { return ended(.close(position), at: position, newlines, sample) }
            depth -= 1
          case UInt8(ascii: ","):
            if depth == 0 && !objectOnly { return ended(.comma(position), at: position, newlines, sample) }
          case 0x0A: newlines += 1
          default: break
          }
        }
        position += 1
      }
      if sample == nil && position - start > Self.maximumRecordBytes {
        sample = Array(buffer[start..<start + 200])
      }
      if sample != nil { start = position }  // drop what was scanned: memory stays at one chunk
      let offset = position - start
      guard try fill() else {
        return Scan(end: .endOfInput(complete: depth == 0 && !inString), newlines: newlines, oversizedSample: sample)
      }
      position = start + offset
    }
  }

  // MARK: - JSON array

  private mutating func nextElement() throws(InputReadError) -> RecordEvent? {
    try skipBlank()
    let index = arrayIndex
    let elementLine = line
    guard start < buffer.count else {
      mode = .finished
      return .malformed(location: location(index: index), reason: "the input ends before the array's closing ']' (truncated?)", bytes: [])
    }
    if buffer[start] == UInt8(ascii: "]") && index == 0 {
      start += 1
      mode = .arrayDone
      return try afterArray()
    }
    let scan = try scanValue(objectOnly: false)
    switch scan.end {
    case .comma(let end), .close(let end):
      let closes = if case .close = scan.end { true } else { false }
      if let sample = scan.oversizedSample {
        start = end + 1
        line += scan.newlines
        arrayIndex += 1
        mode = closes ? .arrayDone : .array
        return .malformed(
          location: RecordLocation(source: source, line: elementLine, index: index),
          reason: "record longer than \(Self.maximumRecordBytes >> 20) MiB: skipped (the rest of the input is read)",
          bytes: sample)
      }
      return finishElement(end: end, closesArray: closes, index: index, line: elementLine, newlines: scan.newlines)
    case .objectEnd:
      preconditionFailure("array elements end at ',' or ']'")
    case .endOfInput(let complete):
      if complete, scan.oversizedSample == nil {
        // A complete value with the array left open: keep the record; the next call reports the missing ']'.
        let event = finishElement(end: buffer.count, closesArray: false, index: index, line: elementLine, newlines: scan.newlines)
        start = buffer.count
        return event
      }
      mode = .finished
      let bytes = scan.oversizedSample ?? Array(buffer[start..<buffer.count])
      start = buffer.count
      return .malformed(
        location: RecordLocation(source: source, line: elementLine, index: index),
        reason: "the input ends inside this record (truncated?)", bytes: bytes)
    }
  }

  private mutating func finishElement(end: Int, closesArray: Bool, index: Int, line elementLine: Int, newlines: Int) -> RecordEvent {
    var last = end
    while last > start, [0x20, 0x09, 0x0A, 0x0D].contains(buffer[last - 1]) { last -= 1 }
    let bytes = Array(buffer[start..<last])
    start = end + 1
    line += newlines
    arrayIndex += 1
    mode = closesArray ? .arrayDone : .array
    let location = RecordLocation(source: source, line: elementLine, index: index)
    if bytes.isEmpty {
      return .malformed(location: location, reason: closesArray ? "trailing comma before ']'" : "empty record between commas", bytes: [])
    }
    return .record(location: location, bytes: bytes)
  }

  private mutating func afterArray() throws(InputReadError) -> RecordEvent? {
    try skipBlank()
    mode = .finished
    guard start < buffer.count else { return nil }
    let sample = Array(buffer[start..<min(buffer.count, start + 200)])
    return .malformed(location: location(), reason: "unexpected data after the array's closing ']'", bytes: sample)
  }
}
