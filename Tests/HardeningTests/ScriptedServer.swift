import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A raw TCP server on 127.0.0.1 that answers each HTTP/1.1 request as a script says: a canned
/// response, a reset (RST), or a silent close. Also serves as a "proxy" that must receive nothing.
final class ScriptedServer: Sendable {
  /// What to do with one request.
  enum Action: Sendable {
    /// Send these bytes; keep the connection open for the next request unless `close`.
    case respond(String, close: Bool)
    /// Reset the connection (SO_LINGER 0) without answering.
    case reset
  }

  /// One request as read: its connection number (from 0), its number on that connection, and its head.
  struct Request: Sendable {
    let connection: Int
    let indexOnConnection: Int
    let head: String
  }

  let port: UInt16
  private let listener: Int32
  private let state = Mutex<(connections: Int, requests: [Request])>((0, []))
  private let script: @Sendable (Request) -> Action

  /// Starts listening; `script` decides each answer.
  init(script: @escaping @Sendable (Request) -> Action = { _ in .respond(ScriptedServer.noContent, close: false) }) throws {
    self.script = script
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
        bind(descriptor, pointer, length) == 0 && listen(descriptor, 16) == 0
          && getsockname(descriptor, pointer, &length) == 0
      }
    }
    guard bound else {
      close(descriptor)
      throw POSIXError(.EADDRINUSE)
    }
    listener = descriptor
    port = UInt16(bigEndian: address.sin_port)
    let thread = Thread { [self] in acceptLoop() }
    thread.start()
  }

  deinit {
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
  }

  /// `http://127.0.0.1:PORT`.
  var url: String { "http://127.0.0.1:\(port)" }
  /// Connections accepted so far.
  var connections: Int { state.withLock { $0.connections } }
  /// Requests read so far.
  var requests: [Request] { state.withLock { $0.requests } }

  static let noContent = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"

  /// A JSON response with `status`.
  static func json(_ status: Int, _ body: String, close: Bool = false) -> Action {
    .respond(
      "HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)",
      close: close)
  }

  private func acceptLoop() {
    while true {
      let client = accept(listener, nil, nil)
      guard client >= 0 else { return }
      let number = state.withLock { s -> Int in
        s.connections += 1
        return s.connections - 1
      }
      let thread = Thread { [self] in serve(client, connection: number) }
      thread.start()
    }
  }

  private func serve(_ client: Int32, connection: Int) {
    var buffer: [UInt8] = []
    var index = 0
    while let head = readRequest(client, buffer: &buffer) {
      let request = Request(connection: connection, indexOnConnection: index, head: head)
      index += 1
      state.withLock { $0.requests.append(request) }
      switch script(request) {
      case .respond(let text, let close):
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if close {
          shutdown(client, Int32(SHUT_RDWR))
          Glibc.close(client)
          return
        }
      case .reset:
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.close(client)
        return
      }
    }
    Glibc.close(client)
  }

  /// Reads one request's head and body (by Content-Length); nil when the peer closed.
  private func readRequest(_ client: Int32, buffer: inout [UInt8]) -> String? {
    let separator = Array("\r\n\r\n".utf8)
    var chunk = [UInt8](repeating: 0, count: 65_536)
    func more() -> Bool {
      let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
      guard n > 0 else { return false }
      buffer.append(contentsOf: chunk[0..<n])
      return true
    }
    var headEnd: Int?
    while headEnd == nil {
      if buffer.count >= 4 {
        headEnd = (0...(buffer.count - 4)).first { Array(buffer[$0..<$0 + 4]) == separator }
      }
      if headEnd == nil, !more() { return nil }
    }
    let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
    var length = 0
    for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
      length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
    }
    let total = headEnd! + 4 + length
    while buffer.count < total { if !more() { return nil } }
    buffer.removeSubrange(0..<total)
    return head
  }
}
