import FindingGenerator
import Ingestion
import Testing

@Suite(.timeLimit(.minutes(10))) struct RetryAfterTests {
  /// 1994-11-06T08:49:37Z in Unix milliseconds.
  static let rfcExample: Int64 = 784_111_777_000

  @Test(arguments: [
    "Sun, 06 Nov 1994 08:49:37 GMT",  // IMF-fixdate
    "Sunday, 06-Nov-94 08:49:37 GMT",  // RFC 850
    "Sun Nov  6 08:49:37 1994",  // asctime
  ])
  func httpDateFormats(text: String) {
    #expect(RetryAfter.httpDateMillis(text) == Self.rfcExample)
  }

  @Test func dateBecomesADelayFromNow() {
    let now = Self.rfcExample - 7_500
    #expect(RetryAfter.delayMillis(value: "Sun, 06 Nov 1994 08:49:37 GMT", now: now) == 7_500)
    #expect(RetryAfter.delayMillis(value: "Sun, 06 Nov 1994 08:49:37 GMT", now: Self.rfcExample + 60_000) == 0)
  }

  @Test func secondsAndMillisecondHeaders() {
    #expect(RetryAfter.delayMillis(headers: ["retry-after": "17"], now: 0) == 17_000)
    #expect(RetryAfter.delayMillis(headers: ["retry-after": " 0 "], now: 0) == 0)
    #expect(RetryAfter.delayMillis(headers: ["retry-after-ms": "250", "retry-after": "9"], now: 0) == 250)
    #expect(RetryAfter.delayMillis(headers: ["x-ms-retry-after-ms": "1200"], now: 0) == 1_200)
    #expect(RetryAfter.delayMillis(headers: [:], now: 0) == nil)
  }

  @Test(arguments: ["-3", "soon", "1.5", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", ""])
  func unreadableValuesGiveNil(text: String) {
    #expect(RetryAfter.delayMillis(value: text, now: 0) == nil)
  }

  @Test func leapYearDates() {
    // 2024-02-29T00:00:00Z = 1709164800 s
    #expect(RetryAfter.httpDateMillis("Thu, 29 Feb 2024 00:00:00 GMT") == 1_709_164_800_000)
  }
}

@Suite(.timeLimit(.minutes(10))) struct BackoffTests {
  @Test func windowDoublesUpToTheCap() {
    let backoff = Backoff(baseMillis: 500, capMillis: 10_000)
    #expect((1...7).map { backoff.windowMillis(attempt: $0) } == [500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000])
    #expect(backoff.windowMillis(attempt: 1_000) == 10_000)
  }

  @Test func fullJitterSpansTheWholeWindow() {
    let backoff = Backoff(baseMillis: 1_000, capMillis: 60_000)
    var generator = SplitMix64(seed: 42)
    let draws = (0..<2_000).map { _ in backoff.delayMillis(attempt: 4, using: &generator) }
    #expect(draws.allSatisfy { (0...8_000).contains($0) })
    // Full jitter, not "equal jitter": draws reach both ends of the window.
    #expect(draws.contains { $0 < 800 })
    #expect(draws.contains { $0 > 7_200 })
  }
}
