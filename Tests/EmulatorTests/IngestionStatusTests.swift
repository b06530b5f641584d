import Emulator
import Foundation
import Testing

@Suite("Ingestion endpoint statuses", .timeLimit(.minutes(10)))
struct IngestionStatusTests {
  @Test("success is 204 with no body, a request id and the client request id echoed")
  func success() async throws {
    let emulator = try await RunningEmulator()
    let reply = try await emulator.post(
      try TestFindings.body(count: 3), token: try await emulator.token(),
      extra: ["-H", "x-ms-client-request-id: 5b0c7c1e-0000-4000-8000-00000000abcd"])
    #expect(reply.status == 204)
    #expect(reply.body.isEmpty)
    #expect(reply.headers["x-ms-request-id"]?.count == 36)
    #expect(reply.headers["x-ms-client-request-id"] == "5b0c7c1e-0000-4000-8000-00000000abcd")
    #expect(try await emulator.stat("rows_stored") == 3)
  }

  struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    let status: Int
    let code: String?
    var testDescription: String { name }
  }

  @Test(
    "refusals carry the error shape",
    arguments: [
      Case(name: "no token", status: 401, code: "InvalidAuthenticationToken"),
      Case(name: "unknown token", status: 401, code: "InvalidAuthenticationToken"),
      Case(name: "unknown DCR", status: 404, code: "NotFound"),
      Case(name: "unknown stream", status: 400, code: "InvalidStream"),
      Case(name: "no api-version", status: 400, code: "MissingApiVersionParameter"),
      Case(name: "bad api-version", status: 400, code: "InvalidApiVersionParameter"),
      Case(name: "text/plain", status: 415, code: "UnsupportedMediaType"),
      Case(name: "corrupt gzip", status: 400, code: "InvalidContentEncoding"),
      Case(name: "br encoding", status: 400, code: "UnsupportedContentEncoding"),
    ])
  func refusals(_ check: Case) async throws {
    let emulator = try await RunningEmulator()
    let token = try await emulator.token()
    let body = try TestFindings.body(count: 2)
    let reply: Curl.Reply
    switch check.name {
    case "no token": reply = try await emulator.post(body, token: nil)
    case "unknown token": reply = try await emulator.post(body, token: "not-a-token")
    case "unknown DCR": reply = try await emulator.post(body, token: token, url: emulator.ingestionURL(dcr: "dcr-ffffffffffffffffffffffffffffffff"))
    case "unknown stream": reply = try await emulator.post(body, token: token, url: emulator.ingestionURL(stream: "Custom-Other"))
    case "no api-version": reply = try await emulator.post(body, token: token, url: emulator.ingestionURL(apiVersion: nil))
    case "bad api-version": reply = try await emulator.post(body, token: token, url: emulator.ingestionURL(apiVersion: "2020-01-01"))
    case "text/plain": reply = try await emulator.post(body, token: token, contentType: "text/plain")
    case "corrupt gzip": reply = try await emulator.post(body, token: token, gzip: true)
    default: reply = try await emulator.post(body, token: token, extra: ["-H", "Content-Encoding: br"])
    }
    #expect(reply.status == check.status)
    #expect(reply.headers["x-ms-error-code"] == check.code)
    #expect(reply.headers["x-ms-request-id"] != nil)
    let document = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: [String: String]])
    #expect(document["error"]?["code"] == check.code)
    #expect(document["error"]?["message"]?.isEmpty == false)
    #expect(try await emulator.stat("rows_stored") == 0)
    #expect(try await emulator.count(status: check.status) == 1)
  }

  @Test("a principal without the role gets 403 OperationFailed naming the DCR")
  func forbidden() async throws {
    let emulator = try await RunningEmulator { $0.roleAssigned = false }
    let reply = try await emulator.post(try TestFindings.body(count: 1), token: try await emulator.token())
    #expect(reply.status == 403)
    #expect(reply.headers["x-ms-error-code"] == "OperationFailed")
    #expect(reply.text.contains("does not have access to ingest data for the data collection rule with immutable Id '\(emulator.identity.dcrImmutableId)'"))
  }

  @Test("other paths are 404")
  func unknownPath() async throws {
    let emulator = try await RunningEmulator()
    let reply = try await Curl.run(["-X", "POST", "\(emulator.baseURL)/subscriptions/x", "-d", "[]"])
    #expect(reply.status == 404)
  }

  @Test("an empty body is 500 with no error code")
  func emptyBody() async throws {
    let emulator = try await RunningEmulator()
    let reply = try await emulator.post(Data(), token: try await emulator.token())
    #expect(reply.status == 500)
    #expect(reply.headers["x-ms-error-code"] == nil)
    #expect(reply.body.isEmpty)
  }

  @Test("a JSON object or non-JSON body is answered 204 and counted as dropped", arguments: ["{\"VulnId\":\"CVE-1\"}", "not json"])
  func droppedBody(body: String) async throws {
    let emulator = try await RunningEmulator()
    let reply = try await emulator.post(Data(body.utf8), token: try await emulator.token())
    #expect(reply.status == 204)
    #expect(try await emulator.stat("dropped_bodies") == 1)
    #expect(try await emulator.stat("rows_stored") == 0)
  }
}
