import Foundation
import OutboxStore

/// Keeps a second drain of the same database from running at the same time: an exclusive
/// `flock` on `<database>.drain-lock`, released when the process ends (even by SIGKILL).
///
/// Leases already make overlapping drains safe; the lock only avoids two of them splitting
/// the endpoint's throughput and the database's write lock for nothing.
public final class DrainLock {
  /// The lock file's path.
  public let path: String
  private let descriptor: Int32

  /// Takes the lock for `databasePath`.
  /// - Parameter wait: block until the other drain ends, instead of failing at once.
  /// - Returns: nil when another process holds the lock and `wait` is false.
  /// - Throws: ``DrainLockError`` when the lock file cannot be opened.
  public init?(databasePath: String, wait: Bool) throws(DrainLockError) {
    path = databasePath + ".drain-lock"
    // Never through a planted symlink, never one of the database's own files, always 0600.
    do {
      descriptor = try PrivateFile.open(path, flags: O_RDWR, protecting: PrivateFile.databaseFamily(databasePath))
    } catch {
      throw DrainLockError(path: path, reason: "\(error.reason) (fix: \(error.fix))")
    }
    while flock(descriptor, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
      if errno == EINTR { continue }
      let failure = errno
      close(descriptor)
      if failure == EWOULDBLOCK { return nil }
      throw DrainLockError(path: path, reason: String(cString: strerror(failure)))
    }
  }

  deinit {
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }
}

/// The drain lock file could not be opened or locked.
public struct DrainLockError: Error, Sendable, CustomStringConvertible {
  public let path: String
  public let reason: String
  public var description: String { "cannot lock \(path): \(reason)" }
}
