import Findings
import Foundation

/// How the data flow's transform sets `TimeGenerated`; the emulator understands only these forms.
public enum TimeGeneratedRule: Sendable, Equatable {
  /// `source | extend TimeGenerated = now()`: the receive time.
  case now
  /// `source | extend TimeGenerated = todatetime(Column)` or `= Column`.
  case column(String)
  /// `source` alone: the stream must carry a `TimeGenerated` column itself.
  case passThrough

  /// Reads the rule from a transform, checking any named column against the stream.
  /// - Throws: `EmulatorError` naming the transform when it is a form the emulator cannot apply.
  public init(transformKql: String, stream: StreamSchema) throws(EmulatorError) {
    let text = transformKql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    func refuse(_ why: String) -> EmulatorError {
      EmulatorError(
        .unsupportedTransform,
        "the DCR transform \"\(transformKql)\" cannot be emulated: \(why); "
          + "supported: `source`, `source | extend TimeGenerated = now()`, "
          + "`source | extend TimeGenerated = todatetime(Column)` and `source | extend TimeGenerated = Column`")
    }
    if text == "source" {
      guard stream.column(named: "TimeGenerated") != nil else {
        throw refuse("the stream declares no TimeGenerated column")
      }
      self = .passThrough
      return
    }
    let prefix = "source | extend TimeGenerated = "
    guard text.hasPrefix(prefix) else { throw refuse("it is not `source | extend TimeGenerated = …`") }
    var expression = String(text.dropFirst(prefix.count)).replacingOccurrences(of: " ", with: "")
    if expression == "now()" {
      self = .now
      return
    }
    if expression.hasPrefix("todatetime("), expression.hasSuffix(")") {
      expression = String(expression.dropFirst("todatetime(".count).dropLast())
    }
    let isIdentifier =
      expression.first.map { $0.isLetter || $0 == "_" } == true
      && expression.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    guard isIdentifier else { throw refuse("`\(expression)` is neither now() nor a column") }
    guard stream.column(named: expression) != nil else {
      throw refuse("column \(expression) is not declared in stream \(stream.streamName)")
    }
    self = .column(expression)
  }

  /// The stream column whose value becomes `TimeGenerated`, or nil for `now()`.
  public var sourceColumn: String? {
    switch self {
    case .now: return nil
    case .column(let name): return name
    case .passThrough: return "TimeGenerated"
    }
  }
}
