import Emulator
import Foundation
import Testing

@Suite("Federated assertions and rejected rows", .timeLimit(.minutes(10)))
struct AssertionAndRejectionTests {
  static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

  func assertionRequest(_ emulator: RunningEmulator, assertion: String, type: String = assertionType) -> [String] {
    [
      "-X", "POST", "\(emulator.baseURL)/\(emulator.identity.tenantId)/oauth2/v2.0/token",
      "--data-urlencode", "grant_type=client_credentials",
      "--data-urlencode", "client_id=\(emulator.identity.clientId)",
      "--data-urlencode", "client_assertion_type=\(type)",
      "--data-urlencode", "client_assertion=\(assertion)",
      "--data-urlencode", "scope=https://monitor.azure.com/.default",
    ]
  }

  static func base64URL(_ text: String) -> String {
    Data(text.utf8).base64EncodedString()
      .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
  }

  @Test("the configured federated token is accepted as a jwt-bearer client assertion")
  func acceptsFederatedToken() async throws {
    let emulator = try await RunningEmulator { $0.identity.federatedToken = "header.payload.signature-from-kubelet" }
    let reply = try await Curl.run(assertionRequest(emulator, assertion: "header.payload.signature-from-kubelet"))
    #expect(reply.status == 200)
    let document = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
    let token = try #require(document["access_token"] as? String)
    #expect(try await emulator.post(try TestFindings.body(count: 2), token: token).status == 204)
  }

  @Test("another assertion gets 400 AADSTS70021 naming its claims, never the assertion itself")
  func refusesOtherAssertion() async throws {
    let emulator = try await RunningEmulator()
    let claims = #"{"iss":"https://oidc.example.test/cluster","sub":"system:serviceaccount:scan:outbox","aud":["api://AzureADTokenExchange"]}"#
    let assertion = "eyJhbGciOiJSUzI1NiJ9.\(Self.base64URL(claims)).c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw"
    let reply = try await Curl.run(assertionRequest(emulator, assertion: assertion))
    #expect(reply.status == 400)
    let document = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
    #expect(document["error"] as? String == "invalid_request")
    #expect(document["error_codes"] as? [Int] == [70021])
    let description = try #require(document["error_description"] as? String)
    #expect(description.hasPrefix("AADSTS70021: No matching federated identity record found for presented assertion."))
    #expect(description.contains("Assertion Issuer: 'https://oidc.example.test/cluster'"))
    #expect(description.contains("Assertion Subject: 'system:serviceaccount:scan:outbox'"))
    #expect(!reply.text.contains("c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw"))
    #expect(!reply.text.contains(Self.base64URL(claims)))
    #expect(try await emulator.stat("tokens_issued") == 0)
  }

  @Test("an assertion of another type gets 400 AADSTS90011")
  func refusesOtherAssertionType() async throws {
    let emulator = try await RunningEmulator()
    let reply = try await Curl.run(
      assertionRequest(
        emulator, assertion: EmulatorIdentity.defaultFederatedToken, type: "urn:ietf:params:oauth:grant-type:jwt-bearer"))
    #expect(reply.status == 400)
    let document = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
    #expect(document["error_codes"] as? [Int] == [90011])
  }

  @Test("a body with a marked row is refused whole with 400 InvalidArgument, plain or gzip", arguments: [false, true])
  func rejectsMarkedRows(gzip: Bool) async throws {
    let emulator = try await RunningEmulator { $0.rejectRowsContaining = ["POISON", "VENOM"] }
    let token = try await emulator.token()
    var rows = (0..<6).map { TestFindings.row($0) }
    rows[1]["VulnTitle"] = "contains POISON here"
    rows[4]["MachineName"] = "VENOM-host"
    var body = try TestFindings.body(rows)
    if gzip { body = try await TestFindings.gzip(body) }
    let reply = try await emulator.post(body, token: token, gzip: gzip)
    #expect(reply.status == 400)
    #expect(reply.headers["x-ms-error-code"] == "InvalidArgument")
    let document = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: [String: String]])
    #expect(document["error"]?["code"] == "InvalidArgument")
    let message = try #require(document["error"]?["message"])
    #expect(message.hasPrefix("2 of 6 records are invalid (records 1, 4); the first contains 'POISON'"))
    #expect(try await emulator.stat("rows_stored") == 0)

    let clean = try TestFindings.body((0..<6).filter { $0 != 1 && $0 != 4 }.map { TestFindings.row($0) })
    #expect(try await emulator.post(clean, token: token).status == 204)
    #expect(try await emulator.stat("rows_stored") == 4)
  }

  @Test("rejection applies in sink mode too")
  func rejectsInSinkMode() async throws {
    let emulator = try await RunningEmulator {
      $0.sink = true
      $0.rejectRowsContaining = ["POISON"]
    }
    let token = try await emulator.token()
    let body = try TestFindings.body([TestFindings.row(0), TestFindings.row(1, extra: ["VulnTitle": "POISON"])])
    #expect(try await emulator.post(body, token: token).status == 400)
    #expect(try await emulator.stat("rows_counted") == 0)
  }
}
