/// A Bloom filter of key hashes: `mayContain` is false only for a hash never inserted.
///
/// Enqueue asks it before looking a key up: at ten million rows the lookup pairs fill about
/// 200 MB, far beyond the page cache, so the lookup of a key never seen before reads a random
/// page from disk for nothing. Eight bits and five probes per expected hash: about 2 % of new
/// keys still go to the tables (false positives), which is harmless.
struct KeyHashFilter {
  private var words: [UInt64]
  private let bitCount: UInt64
  /// Hashes inserted since the filter was made.
  private(set) var inserted = 0
  /// The hashes it was sized for; beyond about twice as many, false positives climb.
  let capacity: Int

  static let bitsPerHash = 8
  static let probes = 5

  /// An empty filter sized for `capacity` hashes (at least 4,096).
  init(capacity: Int) {
    self.capacity = max(capacity, 4_096)
    let words = (self.capacity * Self.bitsPerHash + 63) / 64
    self.words = [UInt64](repeating: 0, count: words)
    bitCount = UInt64(words * 64)
  }

  /// Bytes the filter holds.
  var bytes: Int { words.count * 8 }

  mutating func insert(_ keyHash: Int64) {
    var (position, step) = Self.positions(keyHash)
    for _ in 0..<Self.probes {
      let bit = position.multipliedFullWidth(by: bitCount).high
      words[Int(bit >> 6)] |= 1 << (bit & 63)
      position &+= step
    }
    inserted += 1
  }

  func mayContain(_ keyHash: Int64) -> Bool {
    var (position, step) = Self.positions(keyHash)
    for _ in 0..<Self.probes {
      let bit = position.multipliedFullWidth(by: bitCount).high
      if words[Int(bit >> 6)] & (1 << (bit & 63)) == 0 { return false }
      position &+= step
    }
    return true
  }

  /// Two independent 64-bit values from one key hash (SplitMix64's finaliser, twice): the
  /// probes are `first + i·second`, each reduced to a bit index by a multiply-shift.
  private static func positions(_ keyHash: Int64) -> (UInt64, UInt64) {
    func mix(_ value: UInt64) -> UInt64 {
      var z = value
      z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
      z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
      return z ^ (z >> 31)
    }
    let first = mix(UInt64(bitPattern: keyHash))
    return (first, mix(first &+ 0x9e37_79b9_7f4a_7c15) | 1)
  }
}
