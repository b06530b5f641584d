import Findings
import Testing

@testable import FindingGenerator

/// Every generated finding must pass `enqueue`'s validation unchanged: same key, and a
/// canonical payload byte-identical to what the generator wrote.
@Test(.timeLimit(.minutes(10)), arguments: [(UInt64(1), FindingGenerator.Timing.spread), (2, .demo), (3, .spread), (4, .demo)])
func everyGeneratedFindingPassesEnqueueValidation(seed: UInt64, timing: FindingGenerator.Timing) throws {
  let validator = FindingValidator()
  var failures = 0
  for finding in try generator(count: 10_000, seed: seed, timing: timing) {
    let bytes = Array(FindingEncoder.object(finding).utf8)
    switch validator.validate(bytes: bytes) {
    case .success(let valid):
      #expect(valid.vulnId == finding.vulnId)
      #expect(valid.machineName == finding.machineName)
      #expect(valid.lastModified == UTCTimestamp.format(finding.lastModified))
      #expect(valid.payload == bytes, "canonical form differs: \(String(decoding: valid.payload, as: UTF8.self))")
    case .failure(let rejection):
      failures += 1
      if failures <= 5 { Issue.record("\(finding.vulnId) on \(finding.machineName): \(rejection)") }
    }
  }
  #expect(failures == 0)
}

@Test(.timeLimit(.minutes(10))) func extremeScoresPassValidation() throws {
  var finding = try generator(count: 1)[0]
  for (severity, tenths) in [(Rating.critical, 100), (.critical, 90), (.low, 1), (.low, 39), (.high, 70)] {
    finding.severity = severity
    finding.cvssTenths = tenths
    let result = FindingValidator().validate(bytes: Array(FindingEncoder.object(finding).utf8))
    #expect((try? result.get()) != nil, "CVSS \(finding.cvssText): \(result)")
  }
}
