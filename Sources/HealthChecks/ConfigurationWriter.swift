import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Why a configuration file could not be written.
public struct ConfigurationWriteError: Error, Sendable, CustomStringConvertible {
  public let path: String
  public let reason: String
  /// True when the file exists and `--force` was not given.
  public let exists: Bool

  public var description: String {
    exists ? "\(path) already exists; refusing to overwrite it (pass --force to replace it)" : "\(path): \(reason)"
  }
}

/// Writes a client configuration file: mode 0600 from the first byte, complete or not at all.
public enum ConfigurationWriter {
  /// The order keys are written in (the seed's, then the extras).
  public static let keyOrder = [
    "tenant_id", "application_id", "application_secret", "application_secret_file", "dce_endpoint",
    "dcr_immutable_id", "stream_name", "authority_host", "scope", "auth",
  ]

  /// The JSON document for `values` (keys in ``keyOrder``, then the rest sorted), ending in a newline.
  public static func document(_ values: [String: String]) -> String {
    let keys = keyOrder.filter { values[$0] != nil } + values.keys.filter { !keyOrder.contains($0) }.sorted()
    let lines = keys.map { "  \(quote($0)): \(quote(values[$0]!))" }
    return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
  }

  /// Writes `values` to `path`: a 0600 temporary file beside it, fsynced, then linked into place
  /// (refusing an existing file) or, with `overwrite`, renamed over it.
  /// - Throws: ``ConfigurationWriteError`` naming the path and the system's reason.
  public static func write(_ values: [String: String], to path: String, overwrite: Bool) throws(ConfigurationWriteError) {
    let data = Array(document(values).utf8)
    let directory = (path as NSString).deletingLastPathComponent
    let dir = directory.isEmpty ? "." : directory
    var template = Array((dir + "/.connector_config.XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard descriptor >= 0 else { throw failure(path, "cannot create a file in \(dir): \(errnoText())") }
    let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    defer {
      close(descriptor)
      unlink(temporary)
    }
    guard fchmod(descriptor, 0o600) == 0 else { throw failure(path, "cannot chmod 600: \(errnoText())") }
    let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    guard written == data.count else { throw failure(path, "cannot write: \(errnoText())") }
    guard fsync(descriptor) == 0 else { throw failure(path, "cannot sync: \(errnoText())") }
    if overwrite {
      guard rename(temporary, path) == 0 else { throw failure(path, "cannot replace: \(errnoText())") }
    } else {
      guard link(temporary, path) == 0 else {
        if errno == EEXIST { throw ConfigurationWriteError(path: path, reason: "exists", exists: true) }
        throw failure(path, "cannot create: \(errnoText())")
      }
    }
    let dirDescriptor = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dirDescriptor >= 0 {
      fsync(dirDescriptor)
      close(dirDescriptor)
    }
  }

  private static func failure(_ path: String, _ reason: String) -> ConfigurationWriteError {
    ConfigurationWriteError(path: path, reason: reason, exists: false)
  }

  private static func errnoText() -> String { String(cString: strerror(errno)) }

  private static func quote(_ s: String) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data()
    return String(decoding: data, as: UTF8.self)
  }
}
