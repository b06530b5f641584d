import Delivery
import Foundation
import Ingestion
import OutboxStore
import OutboxTestSupport
import Synchronization
import Testing

/// The drain's rules (docs/delivery.md "Retry rules"), in-process against a ``FakeEndpoint``
/// on a ``ManualClock``: a real outbox file, no server, no real waiting.
@Suite struct DrainRuleTests {
  @Test func aServerErrorIsRetriedAfterTheBackoffAndNothingGoesDead() throws {
    let bench = try DrainBench(rows: 10)
    let endpoint = FakeEndpoint(script: [.http(500), .http(503)])
    let report = try bench.drain(endpoint)
    #expect(report.stop == .drained)
    #expect(report.sentRows == 10 && report.deadRows == 0)
    let requests = endpoint.requests
    #expect(requests.count == 3)
    #expect(requests.allSatisfy { $0.vulnIds.count == 10 })
    // Equal jitter: the first wait is at least half of the 500 ms window, the second half of 1 s.
    #expect(requests[1].at - requests[0].at >= 250)
    #expect(requests[2].at - requests[1].at >= 500)
    #expect(try bench.count(.sent) == 10)
    #expect(
      try bench.query("SELECT group_concat(outcome, ',') FROM (SELECT outcome FROM batches ORDER BY id)")
        == "retry,retry,delivered")
    #expect(try bench.endpointState().consecutiveFailures == 0)
  }

  @Test func retryAfterIsWaitedForOnTheClock() throws {
    let bench = try DrainBench(rows: 3)
    let endpoint = FakeEndpoint(script: [.http(429, headers: ["retry-after": "30"])])
    let report = try bench.drain(endpoint)
    #expect(report.stop == .drained && report.sentRows == 3)
    let requests = endpoint.requests
    #expect(requests.count == 2)
    #expect(requests[1].at - requests[0].at >= 30_000, "resent \(requests[1].at - requests[0].at) ms later")
    #expect(bench.clock.sleptMillis >= 30_000)
  }

  @Test func aRetryAfterBeyondTheInProcessWaitEndsTheRunWithRowsPending() throws {
    let bench = try DrainBench(rows: 3)
    let endpoint = FakeEndpoint(script: [], then: .http(503, headers: ["retry-after": "120"]))
    let before = bench.clock.now()
    let report = try bench.drain(endpoint)
    guard case .outage(_, let nextTryAt) = report.stop else {
      Issue.record("expected an outage, got \(report.stop)")
      return
    }
    #expect(nextTryAt >= before + 120_000)
    #expect(endpoint.requests.count == 1)
    #expect(try bench.count(.pending) == 3 && bench.count(.dead) == 0)
    #expect(try bench.endpointState().nextTryAt == nextTryAt)
  }

  @Test func a413SplitsTheBodyAndLaterBodiesKeepTheLearnedLimit() throws {
    let bench = try DrainBench(rows: 40)
    let endpoint = FakeEndpoint { $0.vulnIds.count > 10 ? .http(413, body: "ContentLengthLimitExceeded") : .accepted }
    let report = try bench.drain(endpoint)
    #expect(report.stop == .drained && report.sentRows == 40 && report.deadRows == 0)
    let requests = endpoint.requests
    #expect(requests.map(\.vulnIds.count).sorted() == [10, 10, 10, 10, 20, 20, 40])
    #expect(Set(requests.filter { $0.vulnIds.count == 10 }.flatMap(\.vulnIds)).count == 40)
    #expect(try bench.query("SELECT count(*) FROM batches WHERE outcome = 'split'") == "3")
    // Splits reuse the lease: no row spent more than its one attempt.
    #expect(try bench.query("SELECT max(attempts) FROM findings") == "1")
    let learned = try #require(try bench.endpointState().maxBodyBytes)
    let twenty = requests.filter { $0.vulnIds.count == 20 }.map(\.rawBytes).min()!
    #expect(learned == max(1_024, twenty / 2))

    // The next run packs to the learned limit from its first body on.
    try bench.enqueue(40..<100)
    let next = FakeEndpoint(script: [])
    #expect(try bench.drain(next).sentRows == 60)
    #expect(!next.requests.isEmpty && next.requests.allSatisfy { $0.rawBytes <= learned })
  }

  @Test func aRowTooLargeAloneGoesDead() throws {
    let bench = try DrainBench(rows: 2)
    let endpoint = FakeEndpoint { _ in .http(413, body: "ContentLengthLimitExceeded") }
    let report = try bench.drain(endpoint)
    #expect(report.deadRows == 2 && report.sentRows == 0)
    #expect(try bench.query("SELECT group_concat(DISTINCT dead_reason) FROM finding_delivery") == "too_large")
    #expect(endpoint.requests.map(\.vulnIds.count) == [2, 1, 1])
  }

  @Test func a400IsBisectedToTheBadRowWhichAloneGoesDead() throws {
    let bench = try DrainBench(rows: 20)
    let bad = DrainBench.vulnId(7)
    let endpoint = FakeEndpoint { $0.vulnIds.contains(bad) ? .rowErrors("row \(bad) has a bad CVSS") : .accepted }
    let report = try bench.drain(endpoint)
    #expect(report.stop == .drained)
    #expect(report.sentRows == 19 && report.deadRows == 1)
    let rows = try bench.rows()
    #expect(rows[bad]?.state == .dead)
    #expect(rows[bad]?.lastError?.contains("InvalidArgument: row \(bad) has a bad CVSS") == true)
    #expect(try bench.query("SELECT dead_reason FROM finding_delivery WHERE state = 'dead'") == "rejected_by_service")
    #expect(rows.values.filter { $0.state == .sent }.count == 19)
    // Halving down to the one: each body holding it at most half the one before (the first
    // refusal sends the first and last rows alone and halves the 18 between), down to 1, and
    // every other row is sent once, in a body that was accepted.
    let holding = endpoint.requests.filter { $0.vulnIds.contains(bad) }.map(\.vulnIds.count)
    #expect(holding.first == 20 && holding.last == 1, "\(holding)")
    #expect(zip(holding, holding.dropFirst()).allSatisfy { $1 <= ($0 + 1) / 2 }, "\(holding)")
    let others = endpoint.requests.filter { !$0.vulnIds.contains(bad) }.flatMap(\.vulnIds)
    #expect(others.count == 19 && Set(others).count == 19)
  }

  /// One row in twelve bad, spread through the body: every part down to eighths is refused, yet
  /// an accepted probe row proves the request fine, so the bad rows go dead and the rest arrive.
  @Test func badRowsSpreadThroughABodyGoDeadOneByOne() throws {
    let bench = try DrainBench(rows: 200)
    let bad = Set(stride(from: 5, to: 200, by: 12).map { DrainBench.vulnId($0) })
    let endpoint = FakeEndpoint { request in
      request.vulnIds.contains(where: bad.contains) ? .rowErrors("a bad CVSS") : .accepted
    }
    let report = try bench.drain(endpoint)
    #expect(report.stop == .drained, "\(report.stop)")
    #expect(report.deadRows == bad.count && report.sentRows == 200 - bad.count)
    let rows = try bench.rows()
    #expect(rows.filter { $0.value.state == .dead }.keys.sorted() == bad.sorted())
  }

  @Test func aDrainThatLostItsLeaseMidRequestAcknowledgesNothing() throws {
    let bench = try DrainBench(rows: 10)
    let (db, clock) = (bench.db, bench.clock)
    let thief = "elsewhere.example:4242:stolen"
    let taken = Taken()
    let endpoint = FakeEndpoint { request in
      guard request.index == 0 else { return .accepted }
      // While the request is on the wire the drain's lease expires and another drain takes the rows.
      clock.advance(by: 5_000)
      if let other = try? Outbox(path: db),
        let rows = try? other.claim(owner: thief, limit: 100, leaseMillis: 300_000, now: clock.now())
      {
        taken.rows.store(rows.count, ordering: .sequentiallyConsistent)
      }
      return .accepted
    }
    let report = try bench.drain(endpoint) { $0.leaseMillis = 1_000 }
    #expect(taken.rows.load(ordering: .sequentiallyConsistent) == 10)
    #expect(report.sentRows == 0 && report.fencedRows == 10 && report.deadRows == 0)
    #expect(endpoint.requests.count == 1)
    let rows = try bench.rows()
    #expect(rows.values.allSatisfy { $0.state == .sending && $0.leaseOwner == thief && $0.sentAt == nil })
    #expect(try bench.query("SELECT outcome FROM batches") == "delivered")
  }
}

/// How many rows the other drain took, from the endpoint's thread to the test.
private final class Taken: Sendable {
  let rows = Atomic<Int>(-1)
}
