#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A thread could not be started.
public struct ThreadStartError: Error, Sendable, CustomStringConvertible {
  /// `pthread_create`'s result.
  public let code: Int32
  public var description: String { "cannot start a thread: \(String(cString: strerror(code)))" }
}

/// A POSIX thread that its owner joins: ``join()`` returns only once `body` has returned and
/// the thread is gone, so nothing it used (a descriptor, say) can be touched afterwards.
///
/// Not `Sendable`: the thread that started it joins it, exactly once.
public final class JoinedThread {
  #if canImport(Darwin)
    private var thread: pthread_t?
  #else
    private var thread = pthread_t()
  #endif
  private var joined = false

  /// Starts `body` on a new thread with a `stackSize`-byte stack.
  /// - Throws: ``ThreadStartError`` when the system refuses a thread.
  public init(stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Void) throws(ThreadStartError) {
    let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
    pthread_attr_init(attributes)
    defer {
      pthread_attr_destroy(attributes)
      attributes.deallocate()
    }
    pthread_attr_setstacksize(attributes, stackSize)
    let context = Unmanaged.passRetained(Body(body)).toOpaque()
    let code = pthread_create(
      &thread, attributes,
      { context in
        #if canImport(Darwin)
          Unmanaged<Body>.fromOpaque(context).takeRetainedValue().run()
        #else
          Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
        #endif
        return nil
      }, context)
    guard code == 0 else {
      Unmanaged<Body>.fromOpaque(context).release()
      throw ThreadStartError(code: code)
    }
  }

  /// Waits until the thread has finished (at once if it has).
  public func join() {
    guard !joined else { return }
    joined = true
    #if canImport(Darwin)
      if let thread { pthread_join(thread, nil) }
    #else
      pthread_join(thread, nil)
    #endif
  }

  deinit { precondition(joined, "a JoinedThread must be joined before it is released") }
}

/// The thread's closure, carried through `pthread_create`'s context pointer.
private final class Body {
  let run: @Sendable () -> Void
  init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
