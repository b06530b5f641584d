import Foundation
import OutboxTestSupport
import Testing

/// Issue 15.7: with every proxy variable pointing at a listener and `no_proxy` empty, nothing
/// for a loopback `http://` endpoint (the token request carries the client secret) reaches the proxy.
@Suite(.timeLimit(.minutes(10))) struct ProxyTests {
  let directory = TemporaryDirectory()

  func proxyEnvironment(_ proxy: ScriptedServer) -> [String: String] {
    var environment: [String: String] = [:]
    for name in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
      environment[name] = proxy.url
    }
    environment["no_proxy"] = ""
    environment["NO_PROXY"] = ""
    return environment
  }

  @Test func drainToALoopbackEndpointNeverGoesThroughTheProxy() throws {
    let proxy = try ScriptedServer { _ in .respond("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n", close: true) }
    let emulator = try EmulatorProcess(in: directory)
    let db = try enqueuedDatabase(in: directory, count: 50)
    let result = try runCLI(
      ["drain", "--db", db, "--config", emulator.configPath, "--concurrency", "8"], environment: proxyEnvironment(proxy))
    #expect(result.status == 0, "\(result.stderr)")
    #expect(proxy.connections == 0, "the proxy saw \(proxy.requests.map(\.head))")
    #expect(try emulator.stat("rows_stored") == 50)
  }

  @Test func doctorToALoopbackEndpointNeverGoesThroughTheProxy() throws {
    let proxy = try ScriptedServer { _ in .respond("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n", close: true) }
    let emulator = try EmulatorProcess(in: directory)
    let result = try runCLI(
      ["doctor", "--config", emulator.configPath, "--db", directory.file("none.sqlite")],
      environment: proxyEnvironment(proxy))
    #expect(proxy.connections == 0, "the proxy saw \(proxy.requests.map(\.head))")
    #expect(result.stdout.contains("token acquired"), "\(result.stdout)")
  }
}
