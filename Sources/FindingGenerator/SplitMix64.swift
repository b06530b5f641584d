/// A small, fast, seedable pseudo-random generator (Steele, Lea and Flood's SplitMix64).
///
/// Swift's `SystemRandomNumberGenerator` cannot be seeded, and `generate --seed N` must give the
/// same findings on every machine and every Swift version, so the generator carries its own
/// algorithm: the sequence for a seed is fixed by the constants below and nothing else.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// Starts the sequence for `seed`.
  public init(seed: UInt64) {
    state = seed
  }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return Self.mix(state)
  }

  /// SplitMix64's output function: a bijective scrambler of 64-bit values, also used to derive
  /// independent values from a seed and a number without running the sequence.
  public static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform value in `0..<bound` (Lemire's multiply-shift; the bias is below 2⁻³² for the
  /// bounds this package uses and does not matter for test data).
  public mutating func below(_ bound: UInt64) -> UInt64 {
    precondition(bound > 0, "bound must be positive")
    return next().multipliedFullWidth(by: bound).high
  }

  /// A uniform value in `range`.
  public mutating func inRange(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + Int(below(UInt64(range.upperBound - range.lowerBound) + 1))
  }

  /// A uniform value in [0, 1), from the top 53 bits.
  public mutating func unitInterval() -> Double {
    Double(next() >> 11) / Double(1 << 53)
  }

  /// `true` with probability `percent` / 100.
  public mutating func chance(percent: Int) -> Bool {
    below(100) < UInt64(percent)
  }
}
