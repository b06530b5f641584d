import Emulator
import Foundation
import Synchronization
import Testing

@Suite("Token endpoint", .timeLimit(.minutes(10)))
struct TokenEndpointTests {
  @Test(
    "issues a bearer token for both monitor scope spellings",
    arguments: [
      "https://monitor.azure.com//.default", "https://monitor.azure.com/.default",
    ])
  func issuesToken(scope: String) async throws {
    let emulator = try await RunningEmulator { $0.tokenLifetime = 1234 }
    let reply = try await Curl.run(emulator.tokenRequest(scope: scope))
    #expect(reply.status == 200)
    let document = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
    #expect(document["token_type"] as? String == "Bearer")
    #expect(document["expires_in"] as? Int == 1234)
    #expect((document["access_token"] as? String)?.isEmpty == false)
    #expect(try await emulator.stat("tokens_issued") == 1)
  }

  @Test(
    "answers wrong tenant, app and secret with Entra's status, error and AADSTS code",
    arguments: [
      ("tenant", 400, "invalid_request", 90002),
      ("app", 400, "unauthorized_client", 700016),
      ("secret", 401, "invalid_client", 7_000_215),
      ("scope", 400, "invalid_scope", 70011),
    ])
  func rejects(wrong: String, status: Int, error: String, code: Int) async throws {
    let emulator = try await RunningEmulator()
    let request = emulator.tokenRequest(
      tenant: wrong == "tenant" ? "11111111-1111-4111-8111-111111111111" : nil,
      clientId: wrong == "app" ? "22222222-2222-4222-8222-222222222222" : nil,
      secret: wrong == "secret" ? "the-secret-id-not-its-value" : nil,
      scope: wrong == "scope" ? "https://monitor.azure.com" : "https://monitor.azure.com/.default")
    let reply = try await Curl.run(request)
    #expect(reply.status == status)
    let document = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
    #expect(document["error"] as? String == error)
    #expect(document["error_codes"] as? [Int] == [code])
    #expect((document["error_description"] as? String)?.hasPrefix("AADSTS\(code): ") == true)
    #expect(document["trace_id"] is String && document["correlation_id"] is String && document["timestamp"] is String)
    #expect(!reply.text.contains("the-secret-id-not-its-value"), "secrets never appear in answers")
    #expect(try await emulator.stat("tokens_issued") == 0)
  }

  @Test("an expired token gets 401 ExpiredAuthenticationToken, a fresh one 204")
  func tokenExpiry() async throws {
    // The token clock is moved past the lifetime instead of waiting for it; the lifetime is
    // long enough that a fresh token is still valid when used on a loaded machine.
    let skew = Skew()
    let emulator = try await RunningEmulator { settings in
      settings.tokenLifetime = 10
      settings.tokenClock = { Date().timeIntervalSince1970 + skew.seconds }
    }
    let token = try await emulator.token()
    skew.seconds = 10.3
    let expired = try await emulator.post(try TestFindings.body(count: 1), token: token)
    #expect(expired.status == 401)
    #expect(expired.headers["x-ms-error-code"] == "ExpiredAuthenticationToken")
    let fresh = try await emulator.post(try TestFindings.body(count: 1), token: try await emulator.token())
    #expect(fresh.status == 204)
  }

  @Test("a token for another audience gets 401 InvalidAudience")
  func wrongAudience() async throws {
    let emulator = try await RunningEmulator()
    let token = try await emulator.token(scope: "https://management.azure.com/.default")
    let reply = try await emulator.post(try TestFindings.body(count: 1), token: token)
    #expect(reply.status == 401)
    #expect(reply.headers["x-ms-error-code"] == "InvalidAudience")
  }
}

/// How far the emulator's token clock runs ahead of the real one.
private final class Skew: Sendable {
  private let value = Mutex<Double>(0)
  var seconds: Double {
    get { value.withLock { $0 } }
    set { value.withLock { $0 = newValue } }
  }
}
