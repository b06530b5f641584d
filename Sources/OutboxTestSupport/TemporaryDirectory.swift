import Foundation

/// A fresh directory under the system temp dir, removed when the value is deinitialised.
public final class TemporaryDirectory: @unchecked Sendable {
  public let path: String

  public init(_ prefix: String = "cvebuster-test") {
    let template = NSTemporaryDirectory() + "/\(prefix)-XXXXXX"
    var bytes = Array(template.utf8CString)
    guard let created = mkdtemp(&bytes) else { preconditionFailure("mkdtemp failed: \(errno)") }
    path = String(cString: created)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }

  /// `path/name`.
  public func file(_ name: String) -> String { path + "/" + name }

  /// Writes `text` to `name` and returns its path.
  @discardableResult
  public func write(_ name: String, _ text: String) -> String {
    write(name, bytes: Array(text.utf8))
  }

  @discardableResult
  public func write(_ name: String, bytes: [UInt8]) -> String {
    let target = file(name)
    precondition(FileManager.default.createFile(atPath: target, contents: Data(bytes)), "cannot write \(target)")
    return target
  }
}
