import Findings
import Foundation
import Intake
import OutboxStore
import OutboxTestSupport
import Testing

/// The pipeline reads on a joined thread and stores in chunks.
@Suite struct EnqueuePipelineTests {
  @Test func everyRecordIsStoredAndRejectionsComeInInputOrder() throws {
    let dir = TemporaryDirectory()
    let outbox = try Outbox(path: dir.file("outbox.sqlite"))
    let input = Fixtures.ndjson(count: 12_000) + "{\"VulnId\": 1}\n" + Fixtures.ndjson(count: 10, vulnPrefix: "CVE-2026-")
    let path = dir.write("input.ndjson", input)
    let descriptor = open(path, O_RDONLY)
    defer { close(descriptor) }
    var rejected: [Int] = []
    let summary = try EnqueuePipeline(outbox: outbox, chunkSize: 5_000).enqueue(
      fileDescriptor: descriptor, source: "input.ndjson"
    ) { rejected.append($0.location.line) }
    #expect(summary.counts.new == 12_010)
    #expect(summary.rejected == 1 && rejected == [12_001])
    #expect(try outbox.status().pending == 12_010)
  }

  /// `--chunk-size` is records per transaction, above the 2,000-record hand-over too.
  @Test(arguments: [(10_000, 2), (3_000, 4), (20_000, 1), (1_000, 12), (2_500, 5)])
  func eachTransactionHoldsChunkSizeRecords(chunkSize: Int, transactions: Int) throws {
    let dir = TemporaryDirectory()
    let outbox = try Outbox(path: dir.file("outbox.sqlite"))
    let path = dir.write("input.ndjson", Fixtures.ndjson(count: 12_000))
    let descriptor = open(path, O_RDONLY)
    defer { close(descriptor) }
    let summary = try EnqueuePipeline(outbox: outbox, chunkSize: chunkSize).enqueue(
      fileDescriptor: descriptor, source: "input.ndjson"
    ) { _ in }
    #expect(summary.counts.new == 12_000)
    #expect(summary.transactions == transactions)
  }

  @Test func aStoreFailureReturnsWithTheReaderJoinedAndTheRestUnread() throws {
    let dir = TemporaryDirectory()
    let db = dir.file("outbox.sqlite")
    _ = try Outbox(path: db)
    let readOnly = try Outbox(path: db, options: OutboxOptions(readOnly: true))
    // Larger than the reader's read-ahead (one hand-over chunk plus the one waiting, 1 MiB reads).
    let path = dir.write("input.ndjson", Fixtures.ndjson(count: 60_000))
    let descriptor = open(path, O_RDONLY)
    defer { close(descriptor) }
    #expect(throws: (any Error).self) {
      _ = try EnqueuePipeline(outbox: readOnly).enqueue(fileDescriptor: descriptor, source: "input.ndjson") { _ in }
    }
    // The reader was joined: the descriptor's offset no longer moves, and it stopped short of the end.
    let offset = lseek(descriptor, 0, SEEK_CUR)
    let size = lseek(descriptor, 0, SEEK_END)
    #expect(offset < size, "the reader read all \(size) bytes after the writer had failed")
  }
}
