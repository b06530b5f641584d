import FindingGenerator
import Foundation
import Ingestion
import Testing

@Suite(.timeLimit(.minutes(10))) struct BodyPackerTests {
  @Test func bodiesStayWithinTheLimitAndKeepOrder() throws {
    var generator = SplitMix64(seed: 7)
    let sizes = (0..<5_000).map { _ in Int.random(in: 1...3_000, using: &generator) }
    let packer = BodyPacker(maxBytes: 100_000)
    let pieces = packer.plan(sizes: sizes)
    var next = 0
    for piece in pieces {
      guard case .body(let rows, let bytes) = piece else {
        Issue.record("unexpected oversize")
        continue
      }
      #expect(rows.lowerBound == next)
      next = rows.upperBound
      #expect(bytes == 2 + rows.map { sizes[$0] }.reduce(0, +) + rows.count - 1)
      #expect(bytes <= 100_000)
    }
    #expect(next == sizes.count)
    // Greedy: each body but the last could not take the next row.
    for case .body(let rows, let bytes) in pieces.dropLast() {
      #expect(bytes + 1 + sizes[rows.upperBound] > 100_000)
    }
  }

  @Test func exactFitAndOversizeRows() {
    let packer = BodyPacker(maxBytes: 20)
    // [aaaa,bbbbbbbbbbbbb] = 2 + 4 + 1 + 13 = 20 bytes: fits exactly.
    #expect(packer.plan(sizes: [4, 13]) == [.body(rows: 0..<2, bytes: 20)])
    #expect(packer.plan(sizes: [4, 14]) == [.body(rows: 0..<1, bytes: 6), .body(rows: 1..<2, bytes: 16)])
    #expect(
      packer.plan(sizes: [3, 19, 2])
        == [.body(rows: 0..<1, bytes: 5), .oversize(index: 1, bytes: 21), .body(rows: 2..<3, bytes: 4)])
    #expect(packer.plan(sizes: [18]) == [.body(rows: 0..<1, bytes: 20)])
    #expect(packer.plan(sizes: []) == [])
  }

  @Test func encodedBodyIsTheJSONArrayOfThePayloads() throws {
    let payloads = [#"{"a":1}"#, #"{"b":"x,y"}"#, #"{"c":[1,2]}"#].map { Array($0.utf8) }
    var buffer: [UInt8] = [9, 9, 9]
    BodyPacker.encode(payloads, into: &buffer)
    #expect(String(decoding: buffer, as: UTF8.self) == #"[{"a":1},{"b":"x,y"},{"c":[1,2]}]"#)
    let parsed = try JSONSerialization.jsonObject(with: Data(buffer)) as? [Any]
    #expect(parsed?.count == 3)
    #expect(BodyPacker(maxBytes: 1_000_000).plan(sizes: payloads.map(\.count)) == [.body(rows: 0..<3, bytes: buffer.count)])
  }
}
