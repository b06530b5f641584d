import Delivery
import Foundation
import Ingestion
import OutboxStore
import OutboxTestSupport
import Testing

/// The outage rules (docs/delivery.md): a run gives up after `outageThreshold` failures in a
/// row, a run before the next try sends nothing, a later run sends one probe. In-process,
/// on a ``ManualClock``: scheduled runs minutes apart take milliseconds.
@Suite struct OutageRuleTests {
  @Test func anOutageOverScheduledRunsEndsWithEveryRowDeliveredAndNoneDead() throws {
    let bench = try DrainBench(rows: 30)
    let failing: [FakeAnswer] = [.http(500), .http(503), .reset]
    let outage = FakeEndpoint { failing[$0.index % failing.count] }
    let options: (inout DrainOptions) -> Void = {
      $0.concurrency = 4
      $0.maxBodyBytes = 2_048  // several bodies, so "one probe" is a real restriction
    }

    // Run 1: six failures in a row end it; rows pending, unspent toward dead. (A request
    // already in flight when a failure is counted fails too but is not counted again.)
    let first = try bench.drain(outage, options)
    guard case .outage(_, let nextTryAt) = first.stop else {
      Issue.record("expected an outage, got \(first.stop)")
      return
    }
    let sentInRun1 = outage.requests.count
    #expect(sentInRun1 >= 6)
    #expect(try bench.query("SELECT count(*) FROM batches WHERE outcome = 'retry'") == "\(sentInRun1)")
    #expect(try bench.count(.pending) == 30 && bench.count(.dead) == 0)
    #expect(try bench.endpointState().consecutiveFailures == 6)
    #expect(nextTryAt > bench.clock.now())

    // Run 2, before the next try time: nothing is sent.
    let early = try bench.drain(outage, options)
    #expect(early.requests == 0 && early.sentRows == 0)
    if case .outage = early.stop {} else { Issue.record("expected an outage, got \(early.stop)") }
    #expect(outage.requests.count == sentInRun1)

    // Run 3, after it: exactly one probe, which fails too; the failures remembered grow.
    bench.clock.advance(by: nextTryAt - bench.clock.now())
    let probe = try bench.drain(outage, options)
    if case .outage = probe.stop {} else { Issue.record("expected an outage, got \(probe.stop)") }
    #expect(outage.requests.count == sentInRun1 + 1)
    #expect(try bench.endpointState().consecutiveFailures == 7)

    // Run 4: the endpoint answers again and everything goes.
    let state = try bench.endpointState()
    bench.clock.advance(by: state.nextTryAt - bench.clock.now())
    let healthy = FakeEndpoint(script: [])
    let last = try bench.drain(healthy, options)
    #expect(last.stop == .drained && last.sentRows == 30)
    #expect(try bench.count(.sent) == 30 && bench.count(.dead) == 0)
    #expect(try bench.endpointState().consecutiveFailures == 0)
    #expect(healthy.requests.allSatisfy { $0.rawBytes <= 2_048 })
  }

  @Test func aTokenOutageSendsNothingAndSpendsNothing() throws {
    let bench = try DrainBench(rows: 5)
    let endpoint = FakeEndpoint { _ in .tokenFailure(transient: true) }
    let report = try bench.drain(endpoint)
    if case .outage = report.stop {} else { Issue.record("expected an outage, got \(report.stop)") }
    #expect(report.requests == 0 && report.unsentRequests == 6)
    #expect(report.lastUnsentReason?.contains("token endpoint unavailable") == true)
    #expect(try bench.rows().values.allSatisfy { $0.state == .pending && $0.attempts == 0 })
  }

  @Test func aRefusedCredentialStopsTheRunWithRowsUnspent() throws {
    let bench = try DrainBench(rows: 5)
    let endpoint = FakeEndpoint { _ in .tokenFailure(transient: false) }
    let report = try bench.drain(endpoint)
    guard case .configuration(let message) = report.stop else {
      Issue.record("expected a configuration stop, got \(report.stop)")
      return
    }
    #expect(message.contains("invalid client secret"))
    #expect(endpoint.requests.count == 1)
    #expect(try bench.rows().values.allSatisfy { $0.state == .pending && $0.attempts == 0 })
    #expect(try bench.endpointState().consecutiveFailures == 0)
  }
}
