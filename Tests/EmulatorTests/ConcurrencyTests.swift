import Emulator
import Foundation
import Testing

@Suite("Concurrent clients", .timeLimit(.minutes(10)))
struct ConcurrencyTests {
  @Test("eight clients with keep-alive connections all get their rows stored")
  func concurrentClients() async throws {
    let emulator = try await RunningEmulator()
    let token = try await emulator.token()
    let body = try TemporaryFile(try TestFindings.body(count: 200))
    let results = try await withThrowingTaskGroup(of: Curl.Reply.self) { group in
      for _ in 0..<8 {
        group.addTask {
          // One curl process sends five requests over one keep-alive connection.
          var arguments: [String] = []
          for index in 0..<5 {
            if index > 0 { arguments.append("--next") }
            arguments += [
              "-X", "POST", emulator.ingestionURL(), "--data-binary", "@\(body.path)", "-H", "Expect:",
              "-H", "Authorization: Bearer \(token)", "-H", "Content-Type: application/json",
            ]
          }
          return try await Curl.run(arguments)
        }
      }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    #expect(results.allSatisfy { $0.exitCode == 0 })
    #expect(try await emulator.count(status: 204) == 40)
    #expect(try await emulator.stat("rows_stored") == 8_000)
    #expect(try await emulator.stat("duplicate_rows") == 7_800)
  }
}
