import Foundation

/// A fresh directory under the system temp dir, removed when the value is deinitialised: the one
/// temporary-directory helper of the tests.
public final class TemporaryDirectory: @unchecked Sendable {
  /// The directory's absolute path.
  public let path: String

  /// Creates the directory (`mkdtemp`, so mode 0700) named `prefix-XXXXXX`.
  public init(_ prefix: String = "cvebuster-test") {
    let template = NSTemporaryDirectory() + "/\(prefix)-XXXXXX"
    var bytes = Array(template.utf8CString)
    guard let created = mkdtemp(&bytes) else { preconditionFailure("mkdtemp failed: \(errno)") }
    path = String(cString: created)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }

  /// The directory as a file URL.
  public var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

  /// `path/name`.
  public func file(_ name: String) -> String { path + "/" + name }

  /// Writes `text` to `name` with permissions `mode` (private by default) and returns its path.
  @discardableResult
  public func write(_ name: String, _ text: String, mode: mode_t = 0o600) -> String {
    write(name, bytes: Array(text.utf8), mode: mode)
  }

  /// Writes `bytes` to `name` with permissions `mode` (private by default) and returns its path.
  @discardableResult
  public func write(_ name: String, bytes: [UInt8], mode: mode_t = 0o600) -> String {
    let target = file(name)
    precondition(FileManager.default.createFile(atPath: target, contents: Data(bytes)), "cannot write \(target)")
    precondition(chmod(target, mode) == 0, "cannot chmod \(target)")
    return target
  }
}
