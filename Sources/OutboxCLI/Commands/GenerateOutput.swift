import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where `generate` writes: stdout, or a file replaced atomically (written beside it under a
/// temporary name, then renamed), so a reader never sees half a file.
/// `write(2)`, under a name the class's own `write` does not hide.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
  write(descriptor, bytes, count)
}

final class GenerateOutput {
  /// A write that failed, with the file and the system's reason.
  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  private let descriptor: Int32
  private let path: String?
  private var temporaryPath: String?

  /// Writes to an open descriptor the caller owns and closes.
  init(descriptor: Int32) {
    self.descriptor = descriptor
    path = nil
    temporaryPath = nil
  }

  /// Opens `path` for writing (its temporary sibling, really), or stdout when `path` is nil.
  init(path: String?) throws(Failure) {
    self.path = path
    guard let path else {
      descriptor = STDOUT_FILENO
      temporaryPath = nil
      return
    }
    let temporary = path + ".tmp-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw Self.failure("cannot create", temporary) }
    descriptor = fd
    temporaryPath = temporary
  }

  deinit {
    guard path != nil else { return }
    close(descriptor)
    // Still set only when `finish` did not move the file into place.
    if let temporaryPath { unlink(temporaryPath) }
  }

  /// Writes all of `bytes`, retrying short writes and interrupted calls.
  func write(_ bytes: [UInt8]) throws(Failure) {
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { buffer in
        systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
      }
      if written < 0 {
        if errno == EINTR { continue }
        throw Self.failure("cannot write", temporaryPath ?? "stdout")
      }
      offset += written
    }
  }

  /// Flushes the file to disk and moves it into place; nothing to do for stdout.
  func finish() throws(Failure) {
    guard let path, let temporaryPath else { return }
    guard fsync(descriptor) == 0 else { throw Self.failure("cannot flush", temporaryPath) }
    guard rename(temporaryPath, path) == 0 else { throw Self.failure("cannot rename \(temporaryPath) to", path) }
    self.temporaryPath = nil
  }

  private static func failure(_ action: String, _ path: String) -> Failure {
    Failure(description: "\(action) \(path): \(String(cString: strerror(errno)))")
  }
}
