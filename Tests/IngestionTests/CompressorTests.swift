import FindingGenerator
import Foundation
import Ingestion
import OutboxTestSupport
import Testing

@Suite(.timeLimit(.minutes(10))) struct CompressorTests {
  static func sampleBody(rows: Int) -> [UInt8] {
    var generator = SplitMix64(seed: 3)
    let payloads = (0..<rows).map { i -> [UInt8] in
      let score = Double(Int.random(in: 0...100, using: &generator)) / 10
      return Array(
        #"{"VulnId":"CVE-2024-\#(10_000 + i)","MachineName":"host-\#(i % 97)","CvssScore":\#(score),"Description":"Buffer overflow in component \#(i % 13)"}"#
          .utf8)
    }
    var body: [UInt8] = []
    BodyPacker.encode(payloads, into: &body)
    return body
  }

  @Test(arguments: CompressorKind.allCases)
  func roundTrip(kind: CompressorKind) throws {
    let body = Self.sampleBody(rows: 3_000)
    let compressor = GzipCompressor(kind: kind, level: 6)
    let wire = try compressor.compress(body)
    #expect(wire.starts(with: [0x1f, 0x8b]))
    #expect(wire.count < body.count / 4)
    #expect(try gunzip(wire) == body)
    // The same compressor is reused for the next body.
    let second = Array(body.prefix(1_000))
    #expect(try gunzip(compressor.compress(second)) == second)
    #expect(try gunzip(compressor.compress([])) == [])
  }

  @Test(arguments: CompressorKind.allCases)
  func systemGzipReadsOurOutput(kind: CompressorKind) throws {
    let dir = TemporaryDirectory()
    let body = Self.sampleBody(rows: 500)
    let file = dir.path + "/body.json.gz"
    _ = FileManager.default.createFile(atPath: file, contents: Data(try GzipCompressor(kind: kind).compress(body)))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-dc", file]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(Array(output) == body)
  }

  @Test func corruptInputIsAnError() {
    #expect(throws: CompressionError.self) { try gunzip([0x1f, 0x8b, 8, 0, 1, 2, 3]) }
  }
}
