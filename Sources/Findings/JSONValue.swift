/// A parsed JSON value. Numbers keep their source text so no precision is lost before a column
/// type decides how to read them; objects keep member order and reject duplicate names.
public enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  /// The number exactly as written (already checked against JSON's number grammar).
  case number(String)
  case string(String)
  case array([JSONValue])
  case object([JSONMember])

  /// A short name of the value's kind, for error messages ("a string", "an array", ...).
  public var kindDescription: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }
}

/// One `"name": value` pair of a JSON object.
public struct JSONMember: Sendable, Equatable {
  public let name: String
  public let value: JSONValue

  public init(name: String, value: JSONValue) {
    self.name = name
    self.value = value
  }
}

/// Why some bytes are not one JSON value.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Byte offset of the problem, counted from the start of the record.
  public let offset: Int
  /// Line of the problem, from 1 (lines end at LF).
  public let line: Int
  /// Column of the problem in characters, from 1.
  public let column: Int
  public let reason: String

  public var description: String { "invalid JSON at byte \(offset + 1): \(reason)" }
}
