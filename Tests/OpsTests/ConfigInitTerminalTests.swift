import Foundation
import Ingestion
import OutboxTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// glibc's pseudo-terminal calls; the Glibc module hides them behind _XOPEN_SOURCE, so they are looked up by name.
private enum PTY {
  nonisolated(unsafe) static let libc = dlopen(nil, RTLD_NOW)
  static func function<T>(_ name: String, as type: T.Type) -> T {
    guard let symbol = dlsym(libc, name) else { fatalError("libc has no \(name)") }
    return unsafeBitCast(symbol, to: type)
  }
  static let openpt = function("posix_openpt", as: (@convention(c) (Int32) -> Int32).self)
  static let grantpt = function("grantpt", as: (@convention(c) (Int32) -> Int32).self)
  static let unlockpt = function("unlockpt", as: (@convention(c) (Int32) -> Int32).self)
  static let ptsname = function("ptsname", as: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)
}

/// `config init` driven through a real pseudo-terminal, as a person types into it.
final class PseudoTerminalSession {
  private let master: Int32
  let process = Process()
  /// Everything the terminal showed (prompts and echoed input).
  private(set) var transcript = ""

  init(_ arguments: [String]) throws {
    master = PTY.openpt(O_RDWR | O_NOCTTY)
    guard master >= 0, PTY.grantpt(master) == 0, PTY.unlockpt(master) == 0, let name = PTY.ptsname(master) else {
      throw TestFailure("no pseudo-terminal: \(String(cString: strerror(errno)))")
    }
    let slave = open(String(cString: name), O_RDWR | O_NOCTTY)
    guard slave >= 0 else { throw TestFailure("cannot open \(String(cString: name))") }
    let handle = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
    process.executableURL = URL(fileURLWithPath: CLIBinary.path)
    process.arguments = arguments
    process.standardInput = handle
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    close(slave)
  }

  deinit {
    if process.isRunning { process.terminate() }
    close(master)
  }

  /// Reads until the transcript contains `text` (or the child closes the terminal).
  /// The 30 s poll bound only keeps a broken run from hanging the suite.
  @discardableResult
  func expect(_ text: String) throws -> String {
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !transcript.contains(text) {
      var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
      guard poll(&descriptor, 1, 30_000) > 0 else { throw TestFailure("no '\(text)' in:\n\(transcript)") }
      let count = read(master, &buffer, buffer.count)
      guard count > 0 else { throw TestFailure("terminal closed before '\(text)':\n\(transcript)") }
      transcript += String(decoding: buffer[0..<count], as: UTF8.self)
    }
    return transcript
  }

  /// Types `line` and Enter.
  func type(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
  }

  /// Reads what is left, waits for the exit, returns the status.
  func finish() throws -> Int32 {
    _ = try? expect("\u{0}never")  // drains until the child closes the terminal
    process.waitUntilExit()
    return process.terminationStatus
  }
}

@Suite(.timeLimit(.minutes(10))) struct ConfigInitTerminalTests {
  @Test func asksEachValueReasksWrongOnesAndNeverEchoesTheSecret() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("connector_config.json")
    let secret = "Zt9~typed-secret-never-echoed-5511"
    let session = try PseudoTerminalSession(["config", "init", "--config", path])
    try session.expect("Tenant ID: ")
    session.type("not-a-guid")
    try session.expect("try again")
    session.type("00000000-0000-4000-8000-000000000001")
    try session.expect("Application ID: ")
    session.type("00000000-0000-4000-8000-000000000002")
    try session.expect("Application secret (typing is not shown): ")
    session.type(secret)
    try session.expect("Data collection endpoint URI: ")
    session.type("http://example.com")
    try session.expect("plain http:// is only allowed to a loopback host")
    session.type("https://x-ab12.eastus-1.ingest.monitor.azure.com")
    try session.expect("DCR immutable ID: ")
    session.type("dcr-0123456789abcdef0123456789abcdef")
    try session.expect("Stream name [Custom-cveBusterVulnerabilities]: ")
    session.type("")
    let status = try session.finish()
    #expect(status == 0, "\(session.transcript)")
    #expect(session.transcript.contains("wrote \(path) (mode 0600)"))
    #expect(session.transcript.contains("Data collection rule immutable ID (dcr-…)"))
    // The other answers were echoed by the terminal; the secret was not.
    #expect(session.transcript.contains("00000000-0000-4000-8000-000000000002"))
    #expect(!session.transcript.contains(secret))
    #expect(!session.transcript.contains("typed-secret"))
    let loaded = try ClientConfiguration.load(path: path, environment: [:])
    #expect(loaded.secret?.revealed == secret)
    #expect(loaded.streamName == "Custom-cveBusterVulnerabilities")
    #expect(loaded.tenantID == "00000000-0000-4000-8000-000000000001")
  }

  @Test func endOfInputWritesNothing() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("c.json")
    let session = try PseudoTerminalSession(["config", "init", "--config", path])
    try session.expect("Tenant ID: ")
    session.type("\u{4}")  // Ctrl-D on an empty line: end of input
    let status = try session.finish()
    #expect(status == 64)
    #expect(access(path, F_OK) != 0)
  }
}
