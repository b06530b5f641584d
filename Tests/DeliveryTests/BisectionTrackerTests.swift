import OutboxStore
import Testing

@testable import Delivery

/// The bookkeeping that tells a refused row from a refused request, without HTTP.
@Suite(.timeLimit(.minutes(10))) struct BisectionTrackerTests {
  static func rows(_ range: Range<Int>) -> [ClaimedFinding] {
    range.map { ClaimedFinding(id: Int64($0), revision: 1, leaseID: 1, attempts: 1, payload: []) }
  }

  /// Refuses a fresh body of `rows` rows, which must start a tracked bisection; its id.
  static func startBisection(_ tracker: inout BisectionTracker, rows count: Int) -> Int? {
    guard case .probeAndSplit(let id) = tracker.refused(SendJob(rows: rows(0..<count)), message: "x", batchID: 1) else {
      Issue.record("a \(count)-row body should start a tracked bisection")
      return nil
    }
    return id
  }

  @Test func smallBodiesAreBisectedWithoutBookkeeping() {
    var tracker = BisectionTracker()
    #expect(tracker.refused(SendJob(rows: Self.rows(0..<4)), message: "x", batchID: 1) == .split(bisection: nil))
    #expect(tracker.refused(SendJob(rows: Self.rows(0..<1)), message: "x", batchID: 2) == .dead)
  }

  @Test func heldRowsGoDeadOnceAnotherPartIsDelivered() throws {
    var tracker = BisectionTracker()
    guard let id = Self.startBisection(&tracker, rows: 16) else { return }
    // Halves: the left one refused down to a single row, the right one delivered.
    #expect(tracker.refused(SendJob(rows: Self.rows(0..<8), bisection: id), message: "x", batchID: 2) == .split(bisection: id))
    #expect(tracker.refused(SendJob(rows: Self.rows(0..<1), bisection: id), message: "row 0 bad", batchID: 3) == .hold)
    let dead = tracker.delivered(SendJob(rows: Self.rows(8..<16), bisection: id))
    #expect(dead.map(\.row.id) == [0] && dead.first?.message == "row 0 bad" && dead.first?.batchID == 3)
    // After a delivery, further refused single rows are dead at once.
    #expect(tracker.refused(SendJob(rows: Self.rows(1..<2), bisection: id), message: "x", batchID: 4) == .dead)
    #expect(tracker.takeAllHeld().isEmpty)
  }

  @Test func seventeenRefusalsWithoutADeliveryCondemnTheRequest() {
    var tracker = BisectionTracker()
    guard let id = Self.startBisection(&tracker, rows: 64) else { return }
    var held: [Int64] = []
    for refusal in 2...16 {
      let single = refusal % 2 == 0
      let job = SendJob(rows: single ? Self.rows(refusal..<(refusal + 1)) : Self.rows(0..<8), bisection: id)
      let action = tracker.refused(job, message: "x", batchID: Int64(refusal))
      #expect(action == (single ? .hold : .split(bisection: id)), "refusal \(refusal)")
      if single { held.append(Int64(refusal)) }
    }
    let last = tracker.refused(SendJob(rows: Self.rows(40..<48), bisection: id), message: "x", batchID: 17)
    guard case .requestRefused(let release, let refusals, let rows) = last else {
      Issue.record("the 17th refusal should condemn the request, got \(last)")
      return
    }
    #expect(refusals == 17 && rows == 64)
    #expect(release.map(\.id) == held + Array(40...47))
    // Answers still in flight are given back, never split or dead-lettered.
    #expect(tracker.refused(SendJob(rows: Self.rows(50..<51), bisection: id), message: "x", batchID: 18) == .release(Self.rows(50..<51)))
  }

  /// Bad rows spread through a body refuse every large part; one accepted probe row proves the
  /// request is fine, and the bisection then dead-letters each bad row however many parts fail.
  @Test func anAcceptedProbeProvesTheRequestFine() {
    var tracker = BisectionTracker()
    guard let id = Self.startBisection(&tracker, rows: 64) else { return }
    #expect(tracker.delivered(SendJob(rows: Self.rows(0..<1), bisection: id)).isEmpty)
    for refusal in 2...40 {
      #expect(tracker.refused(SendJob(rows: Self.rows(1..<9), bisection: id), message: "x", batchID: Int64(refusal)) == .split(bisection: id))
    }
    #expect(tracker.refused(SendJob(rows: Self.rows(5..<6), bisection: id), message: "x", batchID: 41) == .dead)
  }

  @Test func aBisectionEndingWithoutAVerdictGivesItsHeldRowsBack() {
    var tracker = BisectionTracker()
    guard let id = Self.startBisection(&tracker, rows: 16) else { return }
    // Both probes and the right half throttled (retried elsewhere), the left half refused
    // down to one row (it stands for the whole left half here).
    #expect(tracker.settledOtherwise(SendJob(rows: Self.rows(0..<1), bisection: id)).isEmpty)
    #expect(tracker.settledOtherwise(SendJob(rows: Self.rows(15..<16), bisection: id)).isEmpty)
    #expect(tracker.settledOtherwise(SendJob(rows: Self.rows(8..<15), bisection: id)).isEmpty)
    #expect(tracker.refused(SendJob(rows: Self.rows(0..<1), bisection: id), message: "x", batchID: 2) == .release(Self.rows(0..<1)))
  }
}
