/// A keyed pseudo-random permutation of `0..<domain`: a four-round Feistel network over the
/// smallest even number of bits that covers the domain, with cycle walking to stay inside it.
///
/// The generator maps finding number *i* to a distinct (CVE, machine) slot through it, so natural
/// keys are unique by construction, with no set of already-used keys to keep in memory.
struct IndexPermutation: Sendable {
  let domain: UInt64
  private let halfBits: UInt64
  private let halfMask: UInt64
  private let keys: (UInt64, UInt64, UInt64, UInt64)

  init(domain: UInt64, key: UInt64) {
    precondition(domain > 0 && domain <= 1 << 62, "domain out of range")
    self.domain = domain
    var bits: UInt64 = 2
    while 1 << bits < domain { bits += 2 }
    halfBits = bits / 2
    halfMask = (1 << halfBits) - 1
    var keySource = SplitMix64(seed: key)
    keys = (keySource.next(), keySource.next(), keySource.next(), keySource.next())
  }

  /// The image of `index`, which must be below `domain`.
  func callAsFunction(_ index: UInt64) -> UInt64 {
    var value = index
    repeat { value = feistel(value) } while value >= domain
    return value
  }

  private func feistel(_ value: UInt64) -> UInt64 {
    var left = value >> halfBits
    var right = value & halfMask
    func round(_ key: UInt64) {
      (left, right) = (right, left ^ (SplitMix64.mix(right ^ key) & halfMask))
    }
    round(keys.0)
    round(keys.1)
    round(keys.2)
    round(keys.3)
    return left << halfBits | right
  }
}
