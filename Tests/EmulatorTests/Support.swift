import Emulator
import Findings
import Foundation
import OutboxTestSupport
import Testing

/// An emulator served in-process on a free loopback port, for one test.
final class RunningEmulator: Sendable {
  let server: EmulatorServer
  let baseURL: String
  private let task: Task<Void, any Error>

  init(_ configure: (inout EmulatorSettings) -> Void = { _ in }) async throws {
    var settings = EmulatorSettings()
    configure(&settings)
    let server = try EmulatorServer(settings: settings)
    let (urls, continuation) = AsyncStream.makeStream(of: String.self)
    task = Task { try await server.run { continuation.yield($0) } }
    var iterator = urls.makeAsyncIterator()
    guard let url = await iterator.next() else { throw CancellationError() }
    self.server = server
    baseURL = url
  }

  deinit { task.cancel() }

  var identity: EmulatorIdentity { server.settings.identity }
  var stream: String { server.settings.stream.streamName }

  func ingestionURL(dcr: String? = nil, stream: String? = nil, apiVersion: String? = "2023-01-01") -> String {
    var url = "\(baseURL)/dataCollectionRules/\(dcr ?? identity.dcrImmutableId)/streams/\(stream ?? self.stream)"
    if let apiVersion { url += "?api-version=\(apiVersion)" }
    return url
  }

  /// A token from the emulator's own token endpoint.
  func token(scope: String = "https://monitor.azure.com//.default") async throws -> String {
    let reply = try await Curl.run(tokenRequest(scope: scope))
    #expect(reply.status == 200, "token request failed: \(reply.text)")
    let document = try JSONSerialization.jsonObject(with: reply.body) as? [String: Any]
    return try #require(document?["access_token"] as? String)
  }

  func tokenRequest(tenant: String? = nil, clientId: String? = nil, secret: String? = nil, scope: String = "https://monitor.azure.com/.default") -> [String] {
    [
      "-X", "POST", "\(baseURL)/\(tenant ?? identity.tenantId)/oauth2/v2.0/token",
      "--data-urlencode", "grant_type=client_credentials",
      "--data-urlencode", "client_id=\(clientId ?? identity.clientId)",
      "--data-urlencode", "client_secret=\(secret ?? identity.clientSecret)",
      "--data-urlencode", "scope=\(scope)",
    ]
  }

  /// POSTs `body` (a file is used, so any size and bytes work) to the ingestion endpoint.
  func post(_ body: Data, token: String?, url: String? = nil, contentType: String? = "application/json", gzip: Bool = false, extra: [String] = []) async throws
    -> Curl.Reply
  {
    let file = try TemporaryFile(body)
    var arguments = ["-X", "POST", url ?? ingestionURL(), "--data-binary", "@\(file.path)", "-H", "Expect:"]
    if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
    if let contentType { arguments += ["-H", "Content-Type: \(contentType)"] }
    if gzip { arguments += ["-H", "Content-Encoding: gzip"] }
    return try await Curl.run(arguments + extra)
  }

  func stats() async throws -> [String: Any] {
    let reply = try await Curl.run(["\(baseURL)/_emulator/stats"])
    return try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
  }

  func stat(_ name: String) async throws -> Int { try await stats()[name] as? Int ?? -1 }

  func count(status: Int) async throws -> Int {
    (try await stats()["requests_by_status"] as? [String: Int])?[String(status)] ?? 0
  }
}

/// `/usr/bin/curl` as the HTTP client: a real peer, independent of our own code.
enum Curl {
  struct Reply: Sendable {
    /// curl's exit code (0 unless the connection failed, e.g. 52 empty reply, 56 reset).
    var exitCode: Int32
    var status: Int
    /// Lowercased header names.
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
  }

  static func run(_ arguments: [String]) async throws -> Reply {
    let directory = TemporaryDirectory("emulator-curl")
    let headerPath = directory.file("headers")
    let bodyPath = directory.file("body")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["-sS", "--max-time", "60", "-D", headerPath, "-o", bodyPath, "-w", "%{http_code}"] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
      process.terminationHandler = { _ in continuation.resume() }
      do { try process.run() } catch { continuation.resume(throwing: error) }
    }
    let statusText = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    var headers: [String: String] = [:]
    let headerText = (try? String(contentsOfFile: headerPath, encoding: .utf8)) ?? ""
    for line in headerText.split(separator: "\r\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return Reply(
      exitCode: process.terminationStatus, status: Int(statusText) ?? 0, headers: headers,
      body: FileManager.default.contents(atPath: bodyPath) ?? Data())
  }
}

/// A file removed when the value goes away.
final class TemporaryFile: Sendable {
  private let directory = TemporaryDirectory("emulator-test")
  let path: String

  init(_ contents: Data = Data(), suffix: String = "") throws {
    path = directory.file("file\(suffix)")
    guard FileManager.default.createFile(atPath: path, contents: contents) else {
      throw CocoaError(.fileWriteUnknown)
    }
  }
}

/// Test findings as JSON.
enum TestFindings {
  static func row(_ index: Int, extra: [String: Any] = [:]) -> [String: Any] {
    var row: [String: Any] = [
      "VulnId": "CVE-2024-\(10_000 + index)", "VulnTitle": "Example vulnerability \(index)", "Severity": "High",
      "CVSS": 7.5, "MachineName": "host-\(index % 50)", "AssetCriticality": "Medium", "PatchAvailable": true,
      "ExploitAvailable": false, "DiscoveryDate": "2024-05-01T10:00:00Z", "LastModified": "2024-05-02T11:00:00.123Z",
      "Status": "Open",
    ]
    for (key, value) in extra { row[key] = value }
    return row
  }

  static func body(_ rows: [[String: Any]]) throws -> Data {
    try JSONSerialization.data(withJSONObject: rows)
  }

  static func body(count: Int, offset: Int = 0) throws -> Data {
    try body((offset..<(offset + count)).map { row($0) })
  }

  /// gzip via `/usr/bin/gzip`, the same format the client sends.
  static func gzip(_ data: Data) async throws -> Data {
    let input = try TemporaryFile(data)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
    process.arguments = ["-c", input.path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let compressed = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return compressed
  }
}
