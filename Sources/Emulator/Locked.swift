import Foundation

/// A value shared between request tasks, guarded by a lock (held only for short, non-async work).
///
/// `@unchecked Sendable`: `value` is only reached inside ``withLock(_:)``, under `lock`.
final class Locked<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Value

  init(_ value: Value) { self.value = value }

  func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    lock.lock()
    defer { lock.unlock() }
    return try body(&value)
  }
}
