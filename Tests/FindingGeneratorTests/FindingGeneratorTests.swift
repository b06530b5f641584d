import Findings
import Foundation
import Testing

@testable import FindingGenerator

/// 2026-03-01T12:00:00Z: every test pins "now" so its expectations do not depend on the clock.
let referenceTime: Int64 = 1_772_366_400

func generator(count: Int, seed: UInt64 = 42, timing: FindingGenerator.Timing = .spread) throws -> FindingGenerator {
  try FindingGenerator(.init(count: count, seed: seed, timing: timing, referenceTime: referenceTime))
}

@Test(.timeLimit(.minutes(10))) func fieldsAreTheStreamColumnsInOrder() {
  #expect(GeneratedFinding.fieldNames == StreamSchema.embedded.columns.map(\.name))
}

@Test(.timeLimit(.minutes(10))) func sameSeedSameFindingsOtherSeedOtherFindings() throws {
  let first = Array(try generator(count: 300, seed: 7))
  let again = Array(try generator(count: 300, seed: 7))
  let other = Array(try generator(count: 300, seed: 8))
  #expect(first == again)
  #expect(first != other)
  // A longer set starts with a different pool, so only the seed and count fix the content.
  #expect(first.count == 300)
}

@Test(.timeLimit(.minutes(10))) func severityMixIsThirtyTwentyFiveTwentyFiveTwenty() throws {
  let findings = try generator(count: 20_000)
  var counts: [Rating: Int] = [:]
  for finding in findings { counts[finding.severity, default: 0] += 1 }
  let expected: [Rating: Double] = [.critical: 0.30, .high: 0.25, .medium: 0.25, .low: 0.20]
  for (severity, share) in expected {
    let actual = Double(counts[severity, default: 0]) / 20_000
    #expect(abs(actual - share) < 0.02, "\(severity.rawValue): \(actual), expected \(share)")
  }
}

@Test(.timeLimit(.minutes(10)), arguments: [1, 10, 500, 20_000])
func everyFindingIsConsistent(count: Int) throws {
  let pattern = /CVE-(\d{4})-\d{5}/
  var keys = Set<String>()
  var machines = Set<String>()
  for finding in try generator(count: count) {
    #expect(finding.severity.cvssTenths.contains(finding.cvssTenths), "\(finding)")
    #expect(finding.status != .patched || finding.patchAvailable, "\(finding)")
    #expect(finding.discoveryDate <= finding.lastModified, "\(finding)")
    #expect(finding.lastModified <= referenceTime, "\(finding)")
    let match = try #require(try pattern.wholeMatch(in: finding.vulnId), "\(finding.vulnId)")
    let year = Int(match.1)!
    #expect((2011...2026).contains(year), "\(finding.vulnId)")
    #expect(!finding.vulnTitle.isEmpty)
    keys.insert("\(finding.vulnId)|\(finding.machineName)|\(finding.lastModified)")
    machines.insert(finding.machineName)
  }
  #expect(keys.count == count, "natural keys must be unique")
  if count >= 500 { #expect(machines.count >= 36, "a few dozen machines, got \(machines.count)") }
}

@Test(.timeLimit(.minutes(10))) func aCVEReadsTheSameOnEveryMachine() throws {
  var seen: [String: GeneratedFinding] = [:]
  var shared = 0
  for finding in try generator(count: 5_000) {
    if let earlier = seen[finding.vulnId] {
      shared += 1
      #expect(earlier.vulnTitle == finding.vulnTitle)
      #expect(earlier.cvssTenths == finding.cvssTenths)
      #expect(earlier.severity == finding.severity)
      #expect(earlier.machineName != finding.machineName)
    } else {
      seen[finding.vulnId] = finding
    }
  }
  #expect(shared > 1_000, "CVEs should recur across machines, \(shared) did")
}

@Test(.timeLimit(.minutes(10))) func statusesAndFlagsAreMixed() throws {
  var statuses: [FindingStatus: Int] = [:]
  var patch = 0
  var exploit = 0
  for finding in try generator(count: 10_000) {
    statuses[finding.status, default: 0] += 1
    if finding.patchAvailable { patch += 1 }
    if finding.exploitAvailable { exploit += 1 }
  }
  for status in FindingStatus.allCases { #expect(statuses[status, default: 0] > 1_000, "\(status)") }
  #expect((7_500...9_500).contains(patch))
  #expect((2_000...4_500).contains(exploit))
}

@Test(.timeLimit(.minutes(10))) func demoTimingIsThirtyPercentRecentSeventyPercentOld() throws {
  let day: Int64 = 86_400
  var recent = 0
  for finding in try generator(count: 20_000, timing: .demo) {
    let age = referenceTime - finding.lastModified
    if age <= 120 {
      recent += 1
    } else {
      #expect((30 * day...90 * day).contains(age), "LastModified \(age) s ago")
    }
    #expect(finding.discoveryDate <= finding.lastModified)
  }
  #expect(abs(Double(recent) / 20_000 - 0.30) < 0.02, "recent share \(recent)")
}

@Test(.timeLimit(.minutes(10))) func spreadTimingStaysWithinTheLastYear() throws {
  for finding in try generator(count: 5_000) {
    #expect(referenceTime - finding.discoveryDate < 365 * 86_400)
  }
}

@Test(.timeLimit(.minutes(10))) func countOutOfRangeIsRefusedWithTheLimit() {
  #expect(throws: GeneratorError.self) { try generator(count: -1) }
  do {
    _ = try generator(count: FindingGenerator.maximumCount + 1)
    Issue.record("expected an error")
  } catch {
    #expect("\(error)".contains("\(FindingGenerator.maximumCount)"))
  }
  #expect(throws: Never.self) { try generator(count: 0) }
}

@Test(.timeLimit(.minutes(10)), arguments: [1, 2, 3, 5, 16, 1_000, 4_097])
func permutationIsABijection(domain: UInt64) {
  let permutation = IndexPermutation(domain: domain, key: 99)
  let images = Set((0..<domain).map { permutation($0) })
  #expect(images.count == Int(domain))
  #expect(images.allSatisfy { $0 < domain })
}
