import FindingGenerator
import Foundation
import Intake
import OutboxStore

#if canImport(Glibc)
  import Glibc
#endif

/// `generate --enqueue`: feeds the generated findings, as NDJSON through a pipe, to the same
/// `EnqueuePipeline` that `enqueue -` uses, so they are read, validated and stored exactly as
/// a scanner's file would be.
enum GenerateEnqueue {
  /// Runs the pipeline on the read end while a thread writes the findings into the write end.
  ///
  /// - Throws: `OutboxError` from the store; `GenerateOutput.Failure` if the pipe fails;
  ///   `ThreadStartError` when no writer thread can be started.
  static func run(
    _ generator: FindingGenerator, pipeline: EnqueuePipeline, onReject: (Rejection) -> Void
  ) throws -> InputSummary {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else {
      throw GenerateOutput.Failure(description: "cannot create a pipe: \(String(cString: strerror(errno)))")
    }
    let (readEnd, writeEnd) = (ends[0], ends[1])
    // If the pipeline stops early, the writer gets EPIPE instead of killing the process.
    signal(SIGPIPE, SIG_IGN)
    let writer: JoinedThread
    do {
      writer = try JoinedThread {
        let sink = GenerateOutput(descriptor: writeEnd)
        try? FindingEncoder.write(generator, format: .ndjson) { (chunk: [UInt8]) throws(GenerateOutput.Failure) in
          try sink.write(chunk)
        }
        close(writeEnd)
      }
    } catch {
      close(readEnd)
      close(writeEnd)
      throw error
    }
    // The pipeline has joined its reader when it returns; closing the read end then ends the writer.
    defer {
      close(readEnd)
      writer.join()
    }
    return try pipeline.enqueue(fileDescriptor: readEnd, source: "generated") { onReject($0) }
  }
}
