import FindingGenerator
import Ingestion
import Testing

@Suite struct CompressionOrderTests {
  private let byTitle = CompressionOrder.byTitle

  private func row(_ title: String?, _ tag: Int) -> [UInt8] {
    let member = title.map { #","VulnTitle":"\#($0)""# } ?? ""
    return Array(#"{"VulnId":"CVE-2024-\#(tag)"\#(member),"MachineName":"host-\#(tag)"}"#.utf8)
  }

  @Test func equalTitlesSitTogetherInTheirOriginalOrder() {
    let titles = ["Zlib overflow", "Apache path traversal", "Zlib overflow", "Apache path traversal", "Zlib overflow"]
    let rows = titles.enumerated().map { row($0.element, $0.offset) }
    #expect(byTitle.indices(of: rows) == [1, 3, 0, 2, 4])
  }

  @Test func rowsWithoutTheMemberComeFirstAndNothingIsLostOrRepeated() {
    let rows = [row("Beta", 0), row(nil, 1), row("Alpha", 2), row(nil, 3), row("Beta", 4)]
    let order = byTitle.indices(of: rows)
    #expect(Array(order.prefix(2)) == [1, 3])
    #expect(order.sorted() == Array(0..<rows.count))
    #expect(order[2] == 2)
    #expect(Array(order.suffix(2)) == [0, 4])
  }

  @Test func anEscapedQuoteIsPartOfTheValue() {
    // Same first bytes, values that differ only after an escaped quote.
    let rows = [row(#"Say \"A\" now"#, 0), row(#"Say \"B\" now"#, 1), row(#"Say \"A\" now"#, 2)]
    let order = byTitle.indices(of: rows)
    #expect(order.sorted() == [0, 1, 2])
    let first = order.firstIndex(of: 0)!
    #expect(abs(first - order.firstIndex(of: 2)!) == 1, "equal values must be adjacent: \(order)")
  }

  @Test func largeInputsKeepTheirOrderWithinEqualValues() {
    let rows = (0..<70_000).map { row($0 % 2 == 0 ? "Even" : "Odd", $0) }
    let order = byTitle.indices(of: rows)
    #expect(order.count == rows.count)
    #expect(Array(order.prefix(35_000)) == Array(stride(from: 0, to: 70_000, by: 2)))
    #expect(Array(order.suffix(35_000)) == Array(stride(from: 1, to: 70_000, by: 2)))
  }

  @Test func orderedBodiesOfGeneratedFindingsCompressSmaller() throws {
    let findings = try FindingGenerator(.init(count: 3_000, seed: 11, referenceTime: 1_772_366_400))
    let rows = findings.map { Array(FindingEncoder.object($0).utf8) }
    var inIDOrder: [UInt8] = []
    var ordered: [UInt8] = []
    BodyPacker.encode(rows, into: &inIDOrder)
    BodyPacker.encode(byTitle.indices(of: rows).map { rows[$0] }, into: &ordered)
    #expect(ordered.count == inIDOrder.count)
    let compressor = GzipCompressor(level: 5)
    let orderedWire = try compressor.compress(ordered)
    let idOrderWire = try compressor.compress(inIDOrder)
    #expect(orderedWire.count < idOrderWire.count, "ordered \(orderedWire.count) bytes, id order \(idOrderWire.count)")
  }
}
