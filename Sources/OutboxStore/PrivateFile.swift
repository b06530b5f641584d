#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file this program writes that holds findings or locks (`--rejects`, the drain lock):
/// opened without following a symlink, created 0600, an existing one a regular file made 0600,
/// and never one of the outbox's own files.
public enum PrivateFile {
  /// Opens `path` with `flags` (plus `O_CREAT | O_NOFOLLOW | O_CLOEXEC`) and returns the descriptor.
  /// - Parameter protected: files the path must not be (compared by device and inode), e.g.
  ///   ``databaseFamily(_:)`` of the outbox.
  /// - Throws: ``PrivateFileError`` saying why and what to do.
  public static func open(_ path: String, flags: Int32, protecting protected: [String] = []) throws(PrivateFileError)
    -> Int32
  {
    // By name first: a -wal or -shm that does not exist yet must not be created as our file.
    if let other = protected.first(where: { canonical($0) == canonical(path) }) {
      throw PrivateFileError(
        path: path, reason: "is the outbox's own file \(other); refusing to write into it", fix: "name a file of its own")
    }
    let descriptor = Glibc.open(path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0o600)
    guard descriptor >= 0 else {
      let code = errno
      if code == ELOOP {
        throw PrivateFileError(path: path, reason: "is a symbolic link; refusing to follow it", fix: "name the real file")
      }
      throw PrivateFileError(path: path, reason: String(cString: strerror(code)), fix: "check the path and its directory")
    }
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      close(descriptor)
      throw PrivateFileError(path: path, reason: "is not a regular file", fix: "name a regular file")
    }
    for other in protected {
      var theirs = stat()
      if stat(other, &theirs) == 0, theirs.st_dev == info.st_dev, theirs.st_ino == info.st_ino {
        close(descriptor)
        throw PrivateFileError(
          path: path, reason: "is the outbox's own file \(other); refusing to write into it",
          fix: "name a file of its own")
      }
    }
    if info.st_mode & 0o777 != 0o600, fchmod(descriptor, 0o600) != 0 {
      let mode = String(info.st_mode & 0o777, radix: 8)
      close(descriptor)
      throw PrivateFileError(
        path: path, reason: "is mode 0\(mode) and cannot be made private (0600): \(String(cString: strerror(errno)))",
        fix: "chmod 600 it as its owner, or name a new file")
    }
    // Back to blocking I/O (O_NONBLOCK only kept open() from hanging on a FIFO).
    _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
    return descriptor
  }

  /// The real path of the file's directory plus its name (the file itself need not exist).
  static func canonical(_ path: String) -> String {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard let resolved = realpath(directory, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved) + "/" + name
  }

  /// The database and the files SQLite keeps beside it.
  public static func databaseFamily(_ databasePath: String) -> [String] {
    [databasePath] + ["-wal", "-shm", "-journal"].map { databasePath + $0 }
  }
}

/// A private file could not be opened safely.
public struct PrivateFileError: Error, Sendable, CustomStringConvertible {
  public let path: String
  public let reason: String
  public let fix: String

  public var description: String { "\(path) \(reason) (fix: \(fix))" }
}
