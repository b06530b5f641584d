import Emulator
import Foundation
import Testing

@Suite("Body size limit and gzip", .timeLimit(.minutes(10)))
struct SizeAndEncodingTests {
  /// A valid JSON array of `rows` findings, padded with spaces to exactly `size` bytes.
  static func padded(rows: Int, size: Int) throws -> Data {
    var body = try TestFindings.body(count: rows)
    body.removeLast()  // "]"
    body.append(Data(repeating: UInt8(ascii: " "), count: size - body.count - 1))
    body.append(UInt8(ascii: "]"))
    return body
  }

  @Test("1,048,576 bytes as sent is accepted; 1,048,577 is 413 ContentLengthLimitExceeded")
  func limit() async throws {
    let emulator = try await RunningEmulator()
    let token = try await emulator.token()
    let atLimit = try await emulator.post(try Self.padded(rows: 10, size: 1_048_576), token: token)
    #expect(atLimit.status == 204)
    let over = try await emulator.post(try Self.padded(rows: 10, size: 1_048_577), token: token)
    #expect(over.status == 413)
    #expect(over.headers["x-ms-error-code"] == "ContentLengthLimitExceeded")
    let document = try JSONSerialization.jsonObject(with: over.body) as? [String: [String: String]]
    #expect(document?["error"]?["message"]?.hasPrefix("Maximum allowed content length: 1048576 bytes (1 MB).") == true)
    #expect(try await emulator.stat("rows_stored") == 10)
    #expect(try await emulator.stat("bytes_received_wire") == 2_097_153)
  }

  @Test("the limit applies to the gzip body as sent, not to the decompressed JSON")
  func gzipLimit() async throws {
    let emulator = try await RunningEmulator()
    let raw = try TestFindings.body(count: 5_000)
    #expect(raw.count > 1_048_576)
    let compressed = try await TestFindings.gzip(raw)
    let reply = try await emulator.post(compressed, token: try await emulator.token(), gzip: true)
    #expect(reply.status == 204)
    #expect(try await emulator.stat("rows_stored") == 5_000)
    #expect(try await emulator.stat("bytes_decompressed") == raw.count)
    #expect(try await emulator.stat("bytes_received_wire") == compressed.count)
  }

  @Test("sink mode checks the token and limit, decompresses and counts rows without storing")
  func sink() async throws {
    let emulator = try await RunningEmulator { $0.sink = true }
    let token = try await emulator.token()
    let reply = try await emulator.post(try await TestFindings.gzip(try TestFindings.body(count: 1_234)), token: token, gzip: true)
    #expect(reply.status == 204)
    #expect(try await emulator.post(try Self.padded(rows: 1, size: 1_048_577), token: token).status == 413)
    #expect(try await emulator.post(try TestFindings.body(count: 1), token: nil).status == 401)
    let stats = try await emulator.stats()
    #expect(stats["mode"] as? String == "sink")
    #expect(stats["rows_counted"] as? Int == 1_234)
    #expect(stats["rows_stored"] as? Int == 0)
  }
}
