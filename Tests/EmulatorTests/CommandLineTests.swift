import Emulator
import Foundation
import Testing

@Suite("cvebuster-outbox emulator (the built binary)", .timeLimit(.minutes(10)))
struct CommandLineTests {
  static let binary: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/cvebuster-outbox").path
  }()

  @Test("prints its URL first, writes a 0600 client config that works, and exits 0 on SIGTERM")
  func lifecycle() async throws {
    #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the product first: swift build")
    let config = try TemporaryFile(suffix: ".json")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.binary)
    process.arguments = ["emulator", "--port", "0", "--write-config", config.path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    defer { if process.isRunning { process.terminate() } }
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      line.append(chunk)
    }
    let url = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(url.hasPrefix("http://127.0.0.1:"))

    let attributes = try FileManager.default.attributesOfItem(atPath: config.path)
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
    let data = try #require(FileManager.default.contents(atPath: config.path))
    let keys = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
    #expect(keys["dce_endpoint"] == url && keys["authority_host"] == url)
    #expect(keys["tenant_id"] == EmulatorIdentity.defaults.tenantId)
    #expect(keys["stream_name"] == "Custom-cveBusterVulnerabilities")

    // Use the config as a client would.
    let tokenReply = try await Curl.run([
      "-X", "POST", "\(keys["authority_host"]!)/\(keys["tenant_id"]!)/oauth2/v2.0/token",
      "--data-urlencode", "grant_type=client_credentials", "--data-urlencode", "client_id=\(keys["application_id"]!)",
      "--data-urlencode", "client_secret=\(keys["application_secret"]!)",
      "--data-urlencode", "scope=https://monitor.azure.com//.default",
    ])
    let token = try #require((try JSONSerialization.jsonObject(with: tokenReply.body) as? [String: Any])?["access_token"] as? String)
    let body = try TemporaryFile(try TestFindings.body(count: 2))
    let reply = try await Curl.run([
      "-X", "POST",
      "\(keys["dce_endpoint"]!)/dataCollectionRules/\(keys["dcr_immutable_id"]!)/streams/\(keys["stream_name"]!)?api-version=2023-01-01",
      "--data-binary", "@\(body.path)", "-H", "Authorization: Bearer \(token)", "-H", "Content-Type: application/json",
    ])
    #expect(reply.status == 204)

    kill(process.processIdentifier, SIGTERM)
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
      DispatchQueue.global().async {
        process.waitUntilExit()
        continuation.resume()
      }
    }
    #expect(process.terminationReason == .exit)
    #expect(process.terminationStatus == 0)
  }
}
