/// A problem with one input file: which file (relative to the project root), where in it
/// (a JSON path such as `$.properties.dcrConfig.streamName`), and what is wrong.
public struct SourceError: Error, Sendable, Equatable, CustomStringConvertible {
  public let file: String
  public let path: String
  public let message: String

  public init(file: String, path: String, message: String) {
    self.file = file
    self.path = path
    self.message = message
  }

  public var description: String { "\(file): \(path): \(message)" }
}
