import Emulator
import Foundation
import Testing

@Suite("Fault injection", .timeLimit(.minutes(10)))
struct FaultInjectionTests {
  /// Statuses (0 = connection dropped) of `count` sequential requests.
  static func sequence(seed: UInt64, count: Int) async throws -> [Int] {
    let emulator = try await RunningEmulator {
      $0.faults.seed = seed
      $0.faults.probability429 = 0.2
      $0.faults.probability500 = 0.15
      $0.faults.probability503 = 0.15
      $0.faults.probabilityReset = 0.1
    }
    let token = try await emulator.token()
    var statuses: [Int] = []
    for index in 0..<count {
      let reply = try await emulator.post(try TestFindings.body(count: 1, offset: index), token: token)
      statuses.append(reply.exitCode == 0 ? reply.status : 0)
      if reply.status == 429 { #expect(reply.headers["retry-after"] == "1") }
    }
    return statuses
  }

  @Test("the same seed replays the same faults")
  func replay() async throws {
    let first = try await Self.sequence(seed: 20_240_501, count: 40)
    let second = try await Self.sequence(seed: 20_240_501, count: 40)
    #expect(first == second)
    #expect(Set(first).isSuperset(of: [204, 429, 500, 503, 0]), "40 draws at these odds show every kind: \(first)")
  }

  @Test("a reset closes the connection with no response")
  func reset() async throws {
    let emulator = try await RunningEmulator { $0.faults.probabilityReset = 1 }
    let reply = try await emulator.post(try TestFindings.body(count: 1), token: try await emulator.token())
    #expect(reply.exitCode != 0)
    #expect(reply.status == 0)
    #expect(try await emulator.stat("connections_dropped") == 1)
  }

  @Test("a lost acknowledgement stores the rows, then drops the connection or answers 500", arguments: [false, true])
  func lostAck(answers500: Bool) async throws {
    let emulator = try await RunningEmulator {
      $0.faults.probabilityLostAck = 1
      $0.faults.lostAckAnswers500 = answers500
    }
    let reply = try await emulator.post(try TestFindings.body(count: 4), token: try await emulator.token())
    if answers500 {
      #expect(reply.status == 500)
    } else {
      #expect(reply.exitCode != 0 && reply.status == 0)
    }
    #expect(try await emulator.stat("rows_stored") == 4)
  }

  @Test("the first N requests fail with 503, then requests succeed")
  func failFirst() async throws {
    let emulator = try await RunningEmulator { $0.faults.failFirst = 2 }
    let token = try await emulator.token()
    var statuses: [Int] = []
    for _ in 0..<3 { statuses.append(try await emulator.post(try TestFindings.body(count: 1), token: token).status) }
    #expect(statuses == [503, 503, 204])
  }

  @Test("the requests-per-minute throttle answers 429 with Retry-After")
  func throttle() async throws {
    let emulator = try await RunningEmulator { $0.throttleRequestsPerMinute = 3 }
    let token = try await emulator.token()
    var statuses: [Int] = []
    var retryAfter: String?
    for _ in 0..<4 {
      let reply = try await emulator.post(try TestFindings.body(count: 1), token: token)
      statuses.append(reply.status)
      retryAfter = reply.headers["retry-after"] ?? retryAfter
    }
    #expect(statuses == [204, 204, 204, 429])
    #expect(Int(retryAfter ?? "").map { (1...60).contains($0) } == true)
  }

  @Test("latency delays answers but not their content")
  func latency() async throws {
    let emulator = try await RunningEmulator { $0.faults.latencyMilliseconds = 50 }
    #expect(try await emulator.post(try TestFindings.body(count: 1), token: try await emulator.token()).status == 204)
  }
}
