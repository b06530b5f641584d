import Dispatch
import Findings
import OutboxStore
import Synchronization

/// Accepted findings (in input order, ready to store) and the rejections met while reading them.
struct Chunk: Sendable {
  var findings: [StorableFinding] = []
  var rejections: [Rejection] = []
}

/// Hands chunks, one at a time, from the reader thread to the writer.
///
/// Checked `Sendable`: the queue and the end are under a `Mutex`, the consumer's stop is an
/// `Atomic`, and the two semaphores count free slots and ready items.
final class ChunkChannel: Sendable {
  private struct State {
    var queue: [Chunk] = []
    var finished = false
    var failure: InputReadError?
  }

  private let state = Mutex(State())
  private let stopped = Atomic<Bool>(false)
  /// One permit per free slot: at most one chunk waits, so memory holds two chunks at most.
  private let space = DispatchSemaphore(value: 1)
  /// One permit per queued chunk, and one for the end of input.
  private let ready = DispatchSemaphore(value: 0)

  /// Whether the consumer has gone away (the producer stops reading).
  var isCancelled: Bool { stopped.load(ordering: .acquiring) }

  /// Blocks while the slot is taken; false when the consumer has gone away.
  func put(_ chunk: Chunk) -> Bool {
    space.wait()
    guard !isCancelled else {
      space.signal()
      return false
    }
    state.withLock { $0.queue.append(chunk) }
    ready.signal()
    return true
  }

  /// The end of input, or the read error that ended it.
  func finish(throwing error: InputReadError?) {
    state.withLock {
      $0.finished = true
      $0.failure = error
    }
    ready.signal()
  }

  /// The next chunk; nil once the producer finished and everything was taken.
  /// - Throws: the ``InputReadError`` that ended the input.
  func take() throws(InputReadError) -> Chunk? {
    ready.wait()
    let (chunk, failure) = state.withLock { state -> (Chunk?, InputReadError?) in
      state.queue.isEmpty ? (nil, state.failure) : (state.queue.removeFirst(), nil)
    }
    if let chunk {
      space.signal()
      return chunk
    }
    ready.signal()  // the end stays visible to a later take
    if let failure { throw failure }
    return nil
  }

  /// The consumer stops early (an error): the producer's next `put` returns false.
  func cancel() {
    stopped.store(true, ordering: .releasing)
    space.signal()
  }
}
