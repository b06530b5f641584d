import Findings
import Foundation
import Logging

/// One log event, formatted as a single text line or a single JSON object (never a newline inside).
struct LogLine: Sendable {
  var timestamp = Date()
  var level: Logger.Level
  var message: String
  var fields: Logger.Metadata = [:]
  /// The logger's label when it is not the CLI's own (a library).
  var label: String?

  /// `2026-12-01T19:31:37.699Z info batch delivered rows=500 client_request_id=…`.
  func text() -> String {
    var line = Self.iso8601(timestamp) + " " + level.rawValue + " " + Self.singleLine(message)
    if let label { line += " logger=" + Self.quoted(label) }
    for key in fields.keys.sorted() {
      line += " " + key + "=" + Self.quoted(Self.plain(fields[key]!))
    }
    return line
  }

  /// `{"timestamp":…,"level":…,"message":…, fields…}`, keys sorted.
  func json() -> String {
    var object: [String: Any] = [:]
    for (key, value) in fields { object[key] = Self.jsonValue(value) }
    object["timestamp"] = Self.iso8601(timestamp)
    object["level"] = level.rawValue
    object["message"] = message
    if let label { object["logger"] = label }
    let data =
      (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
      ?? Data(#"{"level":"error","message":"unencodable log event"}"#.utf8)
    return String(decoding: data, as: UTF8.self)
  }

  /// UTC with milliseconds: `2026-12-01T19:31:37.699Z`.
  static func iso8601(_ date: Date) -> String {
    UTCTimestamp.format(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
  }

  /// Newlines and other control characters escaped, so an event stays on one line.
  static func singleLine(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.properties.generalCategory == .control {
          out += String(format: "\\u{%02X}", scalar.value)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out
  }

  /// A value as is when it is a bare word, else in double quotes with `"` and `\` escaped.
  static func quoted(_ value: String) -> String {
    let bare =
      !value.isEmpty
      && value.unicodeScalars.allSatisfy { scalar in
        scalar.value > 0x20 && scalar.value < 0x7F && scalar != "\"" && scalar != "\\" && scalar != "="
      }
    if bare { return value }
    return "\"" + singleLine(value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))
      + "\""
  }

  static func plain(_ value: Logger.MetadataValue) -> String {
    switch value {
    case .string(let string): string
    case .stringConvertible(let convertible): convertible.description
    case .array(let values): values.map(plain).joined(separator: ",")
    case .dictionary(let values): values.keys.sorted().map { "\($0):\(plain(values[$0]!))" }.joined(separator: ",")
    }
  }

  static func jsonValue(_ value: Logger.MetadataValue) -> Any {
    switch value {
    case .string(let string): return string
    case .stringConvertible(let convertible):
      switch convertible {
      case let bool as Bool: return bool
      case let int as Int: return int
      case let int as Int64: return int
      case let int as Int32: return int
      case let double as Double: return double.isFinite ? double : double.description
      default: return convertible.description
      }
    case .array(let values): return values.map(jsonValue)
    case .dictionary(let values): return values.mapValues(jsonValue)
    }
  }
}
