/// A finding that passed validation, in the exact form the outbox stores and sends.
public struct ValidFinding: Sendable, Equatable {
  public let vulnId: String
  public let machineName: String
  /// Canonical UTC date-time (see `UTCDateTime`).
  public let lastModified: String
  /// The canonical JSON object: stream columns in declaration order, absent and null values left out.
  public let payload: [UInt8]
  /// SHA-256 of `payload`.
  public let contentHash: [UInt8]
}

/// One reason a record was rejected; `field` is nil when the problem is the record as a whole.
public struct FieldError: Error, Sendable, Equatable, CustomStringConvertible {
  public let field: String?
  public let reason: String

  public init(field: String?, reason: String) {
    self.field = field
    self.reason = reason
  }

  public var description: String { field.map { "field \($0): \(reason)" } ?? reason }
}

/// Every reason one record was rejected.
public struct FindingRejection: Error, Sendable, Equatable, CustomStringConvertible {
  public let errors: [FieldError]

  public init(_ errors: [FieldError]) {
    self.errors = errors
  }

  public var description: String { errors.map(\.description).joined(separator: "; ") }
}

/// Checks findings against the stream declaration and the domain rules, and canonicalises them.
///
/// The Logs Ingestion API answers 204 even for rows it will drop or blank, so everything the
/// service would change silently is an error here: unknown fields, wrong types, bad dates,
/// strings over 64 KB, CVSS outside 0–10, unknown Severity or Status values.
public struct FindingValidator: Sendable {
  public let schema: StreamSchema
  private let columnIndex: [String: Int]

  public init(schema: StreamSchema = .embedded) {
    self.schema = schema
    var index: [String: Int] = [:]
    for (position, column) in schema.columns.enumerated() { index[column.name] = position }
    columnIndex = index
  }

  /// Parses and validates one record's bytes.
  public func validate(bytes: [UInt8]) -> Result<ValidFinding, FindingRejection> {
    let value: JSONValue
    do throws(JSONSyntaxError) {
      value = try JSONParser.parse(bytes)
    } catch {
      return .failure(FindingRejection([FieldError(field: nil, reason: error.description)]))
    }
    return validate(value)
  }

  /// Validates one parsed record, collecting every problem rather than stopping at the first.
  public func validate(_ value: JSONValue) -> Result<ValidFinding, FindingRejection> {
    guard case .object(let members) = value else {
      return .failure(FindingRejection([FieldError(field: nil, reason: "expected a JSON object, found \(value.kindDescription)")]))
    }
    var errors: [FieldError] = []
    var slots = [JSONValue?](repeating: nil, count: schema.columns.count)
    for member in members {
      guard let position = columnIndex[member.name] else {
        let hint = schema.columns.first { $0.name.lowercased() == member.name.lowercased() }.map { " (did you mean \($0.name)?)" } ?? ""
        errors.append(FieldError(field: member.name, reason: "not a column of stream \(schema.streamName)\(hint); the service would drop it"))
        continue
      }
      if case .null = member.value { continue }
      if case .string(let text) = member.value, StreamSchema.naturalKeyColumns.contains(member.name),
        Self.hasEdgeWhitespace(text)
      {
        errors.append(
          FieldError(
            field: member.name,
            reason: "has leading or trailing whitespace; it is part of the natural key, so \"web-01\" and \" web-01\" "
              + "would be two findings (fix: trim the value where the scan is exported)"))
        continue
      }
      switch canonicalise(member.value, column: schema.columns[position]) {
      case .success(let canonical): slots[position] = canonical
      case .failure(let error): errors.append(error)
      }
    }
    var key: (vulnId: String?, machineName: String?, lastModified: String?) = (nil, nil, nil)
    for name in StreamSchema.naturalKeyColumns {
      guard let position = columnIndex[name] else { continue }
      switch slots[position] {
      case .string(let text) where !text.allSatisfy(\.isWhitespace):
        switch name {
        case "VulnId": key.vulnId = text
        case "MachineName": key.machineName = text
        case "LastModified": key.lastModified = text
        default: break
        }
      case .string:
        errors.append(FieldError(field: name, reason: "must not be empty (part of the natural key)"))
      default:
        if !errors.contains(where: { $0.field == name }) {
          errors.append(FieldError(field: name, reason: "required (part of the natural key VulnId + MachineName + LastModified)"))
        }
      }
    }
    guard errors.isEmpty, let vulnId = key.vulnId, let machineName = key.machineName, let lastModified = key.lastModified
    else {
      return .failure(FindingRejection(errors))
    }
    var writer = CanonicalJSONWriter()
    writer.write(
      .object(
        zip(schema.columns, slots).compactMap { column, value in
          value.map { JSONMember(name: column.name, value: $0) }
        }))
    return .success(
      ValidFinding(
        vulnId: vulnId, machineName: machineName, lastModified: lastModified,
        payload: writer.bytes, contentHash: SHA256.digest(writer.bytes)))
  }

  /// The value in canonical form for its column, or why it does not fit.
  private func canonicalise(_ value: JSONValue, column: Column) -> Result<JSONValue, FieldError> {
    func fail(_ reason: String) -> Result<JSONValue, FieldError> {
      .failure(FieldError(field: column.name, reason: reason))
    }
    switch (column.type, value) {
    case (.string, .string(let text)), (.guid, .string(let text)):
      if text.utf8.count > FindingRules.maximumStringBytes {
        return fail("\(text.utf8.count) bytes long; the service truncates strings over \(FindingRules.maximumStringBytes) bytes")
      }
      switch FindingRules.canonicalValue(text, column: column.name) {
      case .none: return .success(value)
      case .some(.some(let canonical)): return .success(.string(canonical))
      case .some(.none):
        let known = FindingRules.knownValues[column.name, default: []].joined(separator: ", ")
        return fail("\"\(text.prefix(40))\" is not one of \(known)")
      }
    case (.real, .number(let text)):
      guard let number = Double(text), number.isFinite else { return fail("\(text) is out of range for a real") }
      if column.name == "CVSS" && !FindingRules.cvssRange.contains(number) {
        return fail("\(text) is outside the CVSS range 0.0–10.0")
      }
      return .success(.number(Self.canonicalReal(number)))
    case (.int, .number(let text)):
      guard let number = Int32(text) else { return fail("\(text) is not a 32-bit integer") }
      return .success(.number(String(number)))
    case (.long, .number(let text)):
      guard let number = Int64(text) else { return fail("\(text) is not a 64-bit integer") }
      return .success(.number(String(number)))
    case (.boolean, .bool):
      return .success(value)
    case (.datetime, .string(let text)):
      do throws(DateTimeError) {
        return .success(.string(try UTCDateTime(parsing: text).canonical))
      } catch {
        return fail("\"\(text.prefix(40))\": \(error.reason)")
      }
    case (.dynamic, _):
      return .success(value)
    case (let type, _):
      return fail("expected \(Self.expectation(type)), found \(value.kindDescription)")
    }
  }

  /// Whether `text` starts or ends with whitespace but is not all whitespace (printable ASCII
  /// at both ends, the usual case, is decided without Unicode property lookups).
  private static func hasEdgeWhitespace(_ text: String) -> Bool {
    if let first = text.utf8.first, let last = text.utf8.last, (0x21..<0x7F).contains(first), (0x21..<0x7F).contains(last) {
      return false
    }
    guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
      first.properties.isWhitespace || last.properties.isWhitespace
    else { return false }
    return !text.unicodeScalars.allSatisfy(\.properties.isWhitespace)
  }

  private static func expectation(_ type: ColumnType) -> String {
    switch type {
    case .string, .guid: "a string"
    case .real: "a number"
    case .int, .long: "an integer"
    case .boolean: "true or false"
    case .datetime: "an ISO-8601 date-time string"
    case .dynamic: "any JSON value"
    }
  }

  /// Shortest round-tripping decimal text, always valid JSON (`7` becomes `7.0`).
  static func canonicalReal(_ number: Double) -> String {
    let text = number == 0 ? "0.0" : "\(number)"
    return text
  }
}
