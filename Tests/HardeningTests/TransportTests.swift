import Foundation
import Ingestion
import OutboxTestSupport
import Synchronization
import Testing

/// Issues 10.6, 14.4 and 15.9 at the libcurl layer, against real local servers.
@Suite(.timeLimit(.minutes(10))) struct TransportTests {
  let directory = TemporaryDirectory()

  @Test func headProbeAgainstAServerThatSendsContentLength() throws {
    let server = try ScriptedServer { _ in
      .respond("HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 1234\r\n\r\n", close: true)
    }
    let response = try CurlSession().perform(HTTPRequest(method: "HEAD", url: server.url + "/"))
    #expect(response.status == 404)
    #expect(server.requests.first?.head.hasPrefix("HEAD / HTTP/1.1") == true)
  }

  @Test func aResendOnAResetReusedConnectionIsCounted() throws {
    // Connection 0 answers its first request, then resets on the second; libcurl silently
    // re-sends that POST on a new connection, which answers.
    let server = try ScriptedServer { request in
      request.connection == 0 && request.indexOnConnection == 1 ? .reset : .respond(ScriptedServer.noContent, close: false)
    }
    let session = CurlSession()
    let post = HTTPRequest(method: "POST", url: server.url + "/ingest", headers: ["Content-Type: application/json"], body: Array("[]".utf8))
    let first = try session.perform(post)
    #expect(first.status == 204)
    #expect(first.transmissions == 1)
    let second = try session.perform(post)
    #expect(second.status == 204)
    #expect(server.requests.filter { $0.head.hasPrefix("POST") }.count == 3)
    #expect(second.transmissions == 2)
  }

  @Test func uploadResultCountsEveryTransmission() throws {
    let server = try ScriptedServer { request in
      request.connection == 0 && request.indexOnConnection == 1 ? .reset : .respond(ScriptedServer.noContent, close: false)
    }
    let config = directory.file("config.json")
    let values = [
      "tenant_id": "t", "application_id": "a", "application_secret": "s3cret-value", "dce_endpoint": server.url,
      "dcr_immutable_id": "dcr-x", "stream_name": "Custom-x", "authority_host": server.url,
    ]
    _ = FileManager.default.createFile(
      atPath: config, contents: try JSONSerialization.data(withJSONObject: values), attributes: [.posixPermissions: 0o600])
    let configuration = try ClientConfiguration.load(path: config, environment: [:])
    let tokens = TokenCache(source: FixedToken())
    let client = LogsIngestionClient(configuration: configuration, tokens: tokens)
    let body = try GzipCompressor().compress(Array("[]".utf8))
    let now = { Int64(Date().timeIntervalSince1970 * 1000) }
    #expect(client.upload(gzipBody: body, clientRequestID: "a", now: now).transmissions == 1)
    let second = client.upload(gzipBody: body, clientRequestID: "b", now: now)
    #expect(second.outcome == .delivered)
    #expect(second.transmissions == 2)
  }

  @Test func aSecurityOptionThatCannotBeSetFailsLoudly() throws {
    let server = try ScriptedServer()
    var options = TransportOptions()
    options.protocols = "no-such-protocol"
    #expect {
      _ = try CurlSession(options: options).perform(HTTPRequest(method: "GET", url: server.url))
    } throws: { error in
      guard let error = error as? TransportError else { return false }
      return error.kind == .tls && error.message.contains("CURLOPT_PROTOCOLS_STR")
    }
    #expect(server.connections == 0)
  }

  @Test func imdsUpdatingIsRetriedForSeventySecondsOfTheInjectedClock() throws {
    let server = try ScriptedServer { _ in ScriptedServer.json(410, "{\"error\":\"gone\",\"error_description\":\"IMDS updating\"}") }
    let clock = FakeClock()
    var source = ManagedIdentitySource(endpoint: URL(string: server.url)!, scope: "https://monitor.azure.com/.default", clientID: nil)
    source.clock = { clock.now }
    source.sleep = { clock.advance($0) }
    #expect(throws: AuthenticationError.self) { _ = try source.fetch(session: CurlSession(), now: 0) }
    #expect(clock.now >= 70_000 && clock.now <= 71_000, "slept \(clock.now) ms")
    #expect(server.requests.count >= 5)
  }

  @Test func imdsNotFoundThenATokenSucceeds() throws {
    let token = "{\"access_token\":\"tok-123456789\",\"expires_in\":\"3599\",\"token_type\":\"Bearer\"}"
    let server = try ScriptedServer { request in
      request.indexOnConnection + request.connection < 3
        ? ScriptedServer.json(404, "{\"error\":\"not_found\"}", close: true)
        : ScriptedServer.json(200, token, close: true)
    }
    let clock = FakeClock()
    var source = ManagedIdentitySource(endpoint: URL(string: server.url)!, scope: "https://monitor.azure.com/.default", clientID: nil)
    source.clock = { clock.now }
    source.sleep = { clock.advance($0) }
    let fetched = try source.fetch(session: CurlSession(), now: 0)
    #expect(fetched.value.revealed == "tok-123456789")
    #expect(server.requests.count == 4)
  }
}

/// A token source that never calls anything.
struct FixedToken: TokenSource {
  func fetch(session: CurlSession, now: Int64) throws(AuthenticationError) -> AccessToken {
    AccessToken(value: Secret("fixed-token-value"), expiresAt: now + 3_600_000, issuedAt: now)
  }
}

/// A clock that moves only when slept on.
final class FakeClock: Sendable {
  private let millis = Mutex<Int64>(0)
  var now: Int64 { millis.withLock { $0 } }
  func advance(_ delta: Int64) { millis.withLock { $0 += delta } }
}
