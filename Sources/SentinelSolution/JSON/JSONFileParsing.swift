import Findings

/// Why a connector file is not JSON: the file, line and column of the problem.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
  public let file: String
  public let line: Int
  public let column: Int
  public let reason: String
  public var description: String { "\(file):\(line):\(column): invalid JSON: \(reason)" }
}

extension JSONParser.Options {
  /// Connector and package files: a leading byte order mark is allowed, nesting to 512 levels,
  /// and duplicate keys are an error (ARM and Sentinel tooling silently keep one of them).
  static let connectorFile = JSONParser.Options(maximumDepth: 512, rejectsDuplicateNames: true, skipsByteOrderMark: true)
}

extension JSONParser {
  /// Parses the whole text of `file` (named in errors); trailing non-space text is an error.
  public static func parse(_ text: String, file: String) throws(JSONParseError) -> JSONValue {
    do throws(JSONSyntaxError) {
      return try parse(Array(text.utf8), options: .connectorFile)
    } catch {
      throw JSONParseError(file: file, line: error.line, column: error.column, reason: error.reason)
    }
  }
}
