import Findings

/// Realistic, reproducible test findings: the seed's `generate_data.py` and `demo_mode.py`.
///
/// - Severity mix 30 % Critical, 25 % High, 25 % Medium, 20 % Low, with each CVSS score inside
///   its severity's CVSS v3 band. Severity, score, title and flags belong to the CVE, so a CVE
///   found on several machines reads the same everywhere.
/// - 48 machines with role-based asset criticality; each (CVE, machine) pair occurs at most
///   once, so natural keys (VulnId, MachineName, LastModified) are unique within one set.
/// - `Patched` only where a patch is available; DiscoveryDate never after LastModified.
///
/// Finding *i* depends only on the options and *i*, so any slice can be produced on its own.
public struct FindingGenerator: RandomAccessCollection, Sendable {
  /// How LastModified and DiscoveryDate are spread.
  public enum Timing: String, Sendable, CaseIterable {
    /// Discovered within the last year, modified between discovery and now.
    case spread
    /// The seed's demo mode: 30 % modified in the last 2 minutes, 70 % 30–90 days ago.
    case demo
  }

  /// What to generate.
  public struct Options: Sendable, Equatable {
    public var count: Int
    public var seed: UInt64
    public var timing: Timing
    /// "Now", in seconds since the Unix epoch: every date is relative to it. Fix it together
    /// with `seed` for byte-identical output across runs.
    public var referenceTime: Int64

    public init(count: Int = 500, seed: UInt64, timing: Timing = .spread, referenceTime: Int64) {
      self.count = count
      self.seed = seed
      self.timing = timing
      self.referenceTime = referenceTime
    }
  }

  /// CVE numbers run 10000–99999 in each of 16 years ending with the reference year.
  static let idsPerYear: UInt64 = 90_000
  static let years: UInt64 = 16
  /// The most findings one set can hold with every (CVE, machine) pair distinct.
  public static let maximumCount = Int(idsPerYear * years) * FindingCatalog.machines.count

  public let options: Options
  private let slots: IndexPermutation
  private let cveNumbers: IndexPermutation
  private let firstYear: Int
  private let profileKey: UInt64
  private let findingKey: UInt64

  /// - Throws: `GeneratorError` when `count` is negative or above `maximumCount`.
  public init(_ options: Options) throws(GeneratorError) {
    guard options.count >= 0, options.count <= Self.maximumCount else {
      throw GeneratorError(
        "count \(options.count) is out of range: generate between 0 and \(Self.maximumCount) findings per set")
    }
    self.options = options
    let machines = UInt64(FindingCatalog.machines.count)
    // About four machines per CVE, as a fleet scan shows; never fewer CVEs than 120.
    let poolSize = Swift.min(Swift.max(UInt64(options.count) / 4, 120), Self.idsPerYear * Self.years)
    var keys = SplitMix64(seed: options.seed)
    slots = IndexPermutation(domain: poolSize * machines, key: keys.next())
    cveNumbers = IndexPermutation(domain: Self.idsPerYear * Self.years, key: keys.next())
    profileKey = keys.next()
    findingKey = keys.next()
    firstYear = UTCTimestamp.year(of: options.referenceTime) - Int(Self.years) + 1
  }

  public var startIndex: Int { 0 }
  public var endIndex: Int { options.count }

  public subscript(index: Int) -> GeneratedFinding {
    precondition(indices.contains(index), "finding index \(index) out of range 0..<\(count)")
    let machines = UInt64(FindingCatalog.machines.count)
    let slot = slots(UInt64(index))
    let machine = FindingCatalog.machines[Int(slot % machines)]
    let cve = slot / machines
    let profile = VulnerabilityProfile(pool: cve, key: profileKey)
    let number = cveNumbers(cve)
    let year = firstYear + Int(number / Self.idsPerYear)
    var random = SplitMix64(seed: SplitMix64.mix(findingKey ^ UInt64(index)))
    let status = Self.status(patchAvailable: profile.patchAvailable, random: &random)
    let (discovered, modified) = dates(random: &random)
    return GeneratedFinding(
      vulnId: "CVE-\(year)-\(10_000 + number % Self.idsPerYear)",
      vulnTitle: profile.title, severity: profile.severity, cvssTenths: profile.cvssTenths,
      machineName: machine.name, assetCriticality: machine.criticality,
      patchAvailable: profile.patchAvailable, exploitAvailable: profile.exploitAvailable,
      discoveryDate: discovered, lastModified: modified, status: status)
  }

  private static func status(patchAvailable: Bool, random: inout SplitMix64) -> FindingStatus {
    let roll = random.below(100)
    if patchAvailable {
      return roll < 40 ? .patched : roll < 65 ? .inProgress : .open
    }
    return roll < 30 ? .inProgress : .open
  }

  private func dates(random: inout SplitMix64) -> (discovered: Int64, modified: Int64) {
    let now = options.referenceTime
    let day: Int64 = 86_400
    switch options.timing {
    case .spread:
      let discovered = now - Int64(random.below(UInt64(365 * day)))
      let modified = discovered + Int64(random.below(UInt64(now - discovered) + 1))
      return (discovered, modified)
    case .demo:
      let modified =
        random.chance(percent: 30)
        ? now - Int64(random.below(121))
        : now - 30 * day - Int64(random.below(UInt64(60 * day) + 1))
      return (modified - Int64(random.below(UInt64(180 * day) + 1)), modified)
    }
  }
}

/// Why findings could not be generated.
public struct GeneratorError: Error, CustomStringConvertible, Sendable {
  public let description: String

  init(_ description: String) {
    self.description = description
  }
}
