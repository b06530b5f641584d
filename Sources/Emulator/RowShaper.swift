import Findings

/// A value as the workspace stores it.
enum StoredValue: Sendable, Equatable {
  case text(String)
  case integer(Int64)
  case real(Double)
}

/// What the service would silently have done to one request's rows.
struct ShapingCounts: Sendable {
  var rowsReceived = 0
  /// Array elements that were not objects (the service drops them).
  var droppedRecords = 0
  var droppedColumns = 0
  var nulledValues = 0
  var truncatedValues = 0
  var timeGeneratedReplaced = 0
}

/// One request's rows, shaped to the table's columns.
struct ShapedBatch: Sendable {
  /// One array per row, aligned with `RowShaper.tableColumns`.
  var rows: [[StoredValue?]] = []
  /// Natural key text per row, aligned with `rows`.
  var naturalKeys: [String] = []
  var counts = ShapingCounts()
}

/// Applies the stream declaration, the transform's `TimeGenerated` rule and the table's columns
/// to parsed rows, as the Logs Ingestion pipeline does: undeclared columns dropped, values that
/// do not parse as their column's type nulled, strings over 64 KB truncated.
struct RowShaper: Sendable {
  /// Longest string value kept, in UTF-8 bytes (the service's 64 KB field limit).
  static let maxStringBytes = 65_536

  let stream: StreamSchema
  let table: TableSchema
  let rule: TimeGeneratedRule
  private let streamIndex: [String: Int]
  /// For each table column: where its value comes from.
  private let sources: [Source]
  private let keyIndexes: [Int]

  private enum Source: Sendable {
    case timeGenerated
    case stream(Int)
    case none
  }

  var tableColumns: [Column] { table.columns }

  init(stream: StreamSchema, table: TableSchema, rule: TimeGeneratedRule) {
    self.stream = stream
    self.table = table
    self.rule = rule
    var index: [String: Int] = [:]
    for (position, column) in stream.columns.enumerated() { index[column.name] = position }
    streamIndex = index
    sources = table.columns.map { column in
      if column.name == "TimeGenerated" { return .timeGenerated }
      return index[column.name].map(Source.stream) ?? .none
    }
    keyIndexes = StreamSchema.naturalKeyColumns.compactMap { index[$0] }
  }

  /// Shapes the elements of a JSON array received at `receivedAt`.
  func shape(_ elements: [JSONValue], receivedAt: Timestamp) -> ShapedBatch {
    var batch = ShapedBatch()
    batch.counts.rowsReceived = elements.count
    batch.rows.reserveCapacity(elements.count)
    let earliest = receivedAt.adding(seconds: -2 * 86_400)
    let latest = receivedAt.adding(seconds: 86_400)
    for element in elements {
      guard case .object(let members) = element else {
        batch.counts.droppedRecords += 1
        continue
      }
      var values = [StoredValue?](repeating: nil, count: stream.columns.count)
      var times = [Timestamp?](repeating: nil, count: stream.columns.count)
      for member in members {
        guard let position = streamIndex[member.name] else {
          batch.counts.droppedColumns += 1
          continue
        }
        let (stored, time) = coerce(member.value, to: stream.columns[position].type, counts: &batch.counts)
        values[position] = stored
        times[position] = time
      }
      var timeGenerated = receivedAt
      if let columnName = rule.sourceColumn {
        let position = streamIndex[columnName]
        let parsed = position.flatMap { times[$0] ?? values[$0].flatMap(Self.timestamp(of:)) }
        if let parsed, parsed >= earliest, parsed <= latest {
          timeGenerated = parsed
        } else {
          batch.counts.timeGeneratedReplaced += 1
        }
      }
      var row = [StoredValue?]()
      row.reserveCapacity(sources.count)
      for source in sources {
        switch source {
        case .timeGenerated: row.append(.text(timeGenerated.iso8601))
        case .stream(let position): row.append(values[position])
        case .none: row.append(nil)
        }
      }
      batch.rows.append(row)
      batch.naturalKeys.append(keyIndexes.map { Self.keyText(values[$0]) }.joined(separator: "\u{1F}"))
    }
    return batch
  }

  private static func keyText(_ value: StoredValue?) -> String {
    switch value {
    case .text(let text): return text
    case .integer(let number): return String(number)
    case .real(let number): return String(number)
    case nil: return ""
    }
  }

  private static func timestamp(of value: StoredValue) -> Timestamp? {
    if case .text(let text) = value { return Timestamp(iso8601: text) }
    return nil
  }

  /// Converts one JSON value to its column's type; nil with a count when it does not parse.
  private func coerce(_ value: JSONValue, to type: ColumnType, counts: inout ShapingCounts) -> (StoredValue?, Timestamp?) {
    if case .null = value { return (nil, nil) }
    switch (type, value) {
    case (.string, .string(let text)), (.guid, .string(let text)):
      return (.text(truncated(text, counts: &counts)), nil)
    case (.int, _), (.long, _):
      let text: String? =
        switch value {
        case .number(let t), .string(let t): t
        default: nil
        }
      if let text, let number = Int64(text) ?? Double(text).flatMap({ $0 == $0.rounded() && abs($0) < 9.2e18 ? Int64($0) : nil }),
        type == .long || Int64(Int32.min)...Int64(Int32.max) ~= number
      {
        return (.integer(number), nil)
      }
    case (.real, .number(let text)), (.real, .string(let text)):
      if let number = Double(text), number.isFinite { return (.real(number), nil) }
    case (.boolean, .bool(let flag)):
      return (.integer(flag ? 1 : 0), nil)
    case (.boolean, .string(let text)):
      switch text.lowercased() {
      case "true": return (.integer(1), nil)
      case "false": return (.integer(0), nil)
      default: break
      }
    case (.datetime, .string(let text)):
      if let time = Timestamp(iso8601: text) { return (.text(time.iso8601), time) }
    case (.dynamic, _):
      return (.text(truncated(CanonicalJSONWriter.text(value), counts: &counts)), nil)
    default: break
    }
    counts.nulledValues += 1
    return (nil, nil)
  }

  private func truncated(_ text: String, counts: inout ShapingCounts) -> String {
    let utf8 = Array(text.utf8)
    guard utf8.count > RowShaper.maxStringBytes else { return text }
    counts.truncatedValues += 1
    var end = RowShaper.maxStringBytes
    while end > 0, utf8[end] & 0xC0 == 0x80 { end -= 1 }  // back to the start of a character
    return String(decoding: utf8[..<end], as: UTF8.self)
  }
}
