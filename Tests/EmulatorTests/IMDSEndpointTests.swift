import Emulator
import Foundation
import Testing

@Suite("IMDS token endpoint", .timeLimit(.minutes(10)))
struct IMDSEndpointTests {
  static func imdsURL(_ baseURL: String, query: String = "api-version=2018-02-01&resource=https://monitor.azure.com") -> String {
    "\(baseURL)/metadata/identity/oauth2/token?\(query)"
  }

  static func json(_ reply: Curl.Reply) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any], "not JSON: \(reply.text)")
  }

  @Test("issues a token with string expires_in/expires_on that the ingestion endpoint takes")
  func issuesToken() async throws {
    let emulator = try await RunningEmulator { $0.tokenLifetime = 1234 }
    let reply = try await Curl.run(["-H", "Metadata: true", Self.imdsURL(emulator.baseURL)])
    #expect(reply.status == 200)
    let document = try Self.json(reply)
    #expect(document["token_type"] as? String == "Bearer")
    #expect(document["expires_in"] as? String == "1234")
    #expect(document["resource"] as? String == "https://monitor.azure.com")
    let expiresOn = try #require(Int(document["expires_on"] as? String ?? ""))
    let notBefore = try #require(Int(document["not_before"] as? String ?? ""))
    #expect(expiresOn - notBefore == 1234)
    let token = try #require(document["access_token"] as? String)
    let ingest = try await emulator.post(try TestFindings.body(count: 3), token: token)
    #expect(ingest.status == 204)
    #expect(try await emulator.stat("rows_stored") == 3)
    #expect(try await emulator.stat("tokens_issued") == 1)
  }

  @Test("without the Metadata header: 400 bad_request_102 and no token")
  func requiresMetadataHeader() async throws {
    let emulator = try await RunningEmulator()
    for headers in [[String](), ["-H", "Metadata: false"]] {
      let reply = try await Curl.run(headers + [Self.imdsURL(emulator.baseURL)])
      #expect(reply.status == 400)
      let document = try Self.json(reply)
      #expect(document["error"] as? String == "bad_request_102")
      #expect(document["error_description"] as? String == "Required metadata header not specified")
      #expect(document["access_token"] == nil)
    }
    #expect(try await emulator.stat("tokens_issued") == 0)
    let byStatus = try await emulator.stats()["imds_requests_by_status"] as? [String: Int]
    #expect(byStatus == ["400": 2])
  }

  @Test(
    "a missing resource or api-version, or an identity the VM does not have, is refused",
    arguments: [
      ("api-version=2018-02-01", "invalid_request", "Required audience parameter not specified"),
      ("resource=https://monitor.azure.com", nil, nil),
      (
        "api-version=2018-02-01&resource=https://monitor.azure.com&client_id=22222222-2222-4222-8222-222222222222",
        "invalid_request", "Identity not found"
      ),
      ("api-version=2018-02-01&resource=monitor", "invalid_resource", nil),
    ] as [(String, String?, String?)])
  func refuses(query: String, error: String?, description: String?) async throws {
    let emulator = try await RunningEmulator()
    let reply = try await Curl.run(["-H", "Metadata: true", Self.imdsURL(emulator.baseURL, query: query)])
    #expect(reply.status == 400)
    let document = try Self.json(reply)
    if let error { #expect(document["error"] as? String == error) }
    if let description { #expect(document["error_description"] as? String == description) }
    if error == nil { #expect((document["error"] as? String)?.contains("api-version was not specified") == true) }
    #expect(try await emulator.stat("tokens_issued") == 0)
  }

  @Test("a user-assigned identity named by the emulator's client id gets a token")
  func userAssigned() async throws {
    let emulator = try await RunningEmulator()
    let query = "api-version=2018-02-01&resource=https://monitor.azure.com/&client_id=\(emulator.identity.clientId)"
    let reply = try await Curl.run(["-H", "Metadata: true", Self.imdsURL(emulator.baseURL, query: query)])
    #expect(reply.status == 200)
    #expect(try Self.json(reply)["client_id"] as? String == emulator.identity.clientId)
  }

  @Test("the first N requests answer the injected status, then tokens are issued", arguments: [429, 503, 410])
  func failFirst(status: Int) async throws {
    let emulator = try await RunningEmulator {
      $0.imdsFailFirst = 2
      $0.imdsFailStatus = status
    }
    var statuses: [Int] = []
    for _ in 0..<3 {
      statuses.append(try await Curl.run(["-H", "Metadata: true", Self.imdsURL(emulator.baseURL)]).status)
    }
    #expect(statuses == [status, status, 200])
    let stats = try await emulator.stats()
    #expect((stats["faults_injected"] as? [String: Int])?["imds"] == 2)
    #expect(stats["imds_requests_by_status"] as? [String: Int] == [String(status): 2, "200": 1])
  }

  @Test("an IMDS token for another resource gets 401 InvalidAudience from the ingestion endpoint")
  func wrongResource() async throws {
    let emulator = try await RunningEmulator()
    let query = "api-version=2018-02-01&resource=https://management.azure.com/"
    let reply = try await Curl.run(["-H", "Metadata: true", Self.imdsURL(emulator.baseURL, query: query)])
    let token = try #require(try Self.json(reply)["access_token"] as? String)
    let ingest = try await emulator.post(try TestFindings.body(count: 1), token: token)
    #expect(ingest.status == 401)
    #expect(ingest.headers["x-ms-error-code"] == "InvalidAudience")
  }

  @Test("an IMDS failure status outside 404/410/429/500/503 is refused at startup")
  func invalidFailStatus() async throws {
    var settings = EmulatorSettings()
    settings.imdsFailStatus = 403
    #expect(throws: EmulatorError.self) { try EmulatorServer(settings: settings) }
  }
}
