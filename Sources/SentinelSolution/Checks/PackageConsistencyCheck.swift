import Findings
import Foundation

/// Check 7: the committed package agrees with itself: `Package/<version>.zip` holds exactly
/// createUiDefinition.json and mainTemplate.json, byte-equal to the loose files;
/// testParameters.json equals mainTemplate `parameters`; solution.json's version,
/// `_solutionVersion` and the contentPackages version agree; no zip is newer than the version.
enum PackageConsistencyCheck {
  static func run(_ context: CheckContext) -> [CheckFailure] {
    var sink = FailureSink(.packageConsistency)
    let package = context.package
    let version = context.source.version
    if let data = package.raw[package.zipPath] {
      do {
        let entries = try StoredZip.read(data)
        let names = entries.map(\.name).sorted()
        if names != ["createUiDefinition.json", "mainTemplate.json"] {
          sink.fail(package.zipPath, "$", "holds [\(names.joined(separator: ", "))], expected exactly createUiDefinition.json and mainTemplate.json")
        }
        for entry in entries {
          let loose = "Package/\(entry.name)"
          if let looseData = package.raw[loose], looseData != entry.data {
            sink.fail(package.zipPath, entry.name, "differs from \(loose): the zip is stale; run `cvebuster-outbox connector package`")
          }
        }
      } catch {
        sink.fail(package.zipPath, "$", error.reason)
      }
    } else {
      sink.fail(package.zipPath, "$", "missing: solution.json says version \(version); run `cvebuster-outbox connector package`")
    }
    if let parameters = package.mainTemplate?["parameters"], let test = package.testParameters, !parameters.isEquivalent(to: test) {
      sink.fail(PackageFiles.testParametersPath, "$", "differs from mainTemplate.json parameters")
    }
    if let template = package.mainTemplate {
      sink.expect(
        template["variables"]?["_solutionVersion"]?.stringValue, equals: version, PackageFiles.mainTemplatePath,
        "$.variables._solutionVersion", "_solutionVersion (solution.json version is \(version))")
      for (i, resource) in (template["resources"]?.arrayValue ?? []).enumerated()
      where resource["type"]?.stringValue?.hasSuffix("contentPackages") == true {
        sink.expect(
          resource["properties"]?["version"]?.stringValue, equals: version, PackageFiles.mainTemplatePath,
          "$.resources[\(i)].properties.version", "contentPackages version")
      }
    }
    for zip in package.otherZips {
      let other = URL(fileURLWithPath: zip).deletingPathExtension().lastPathComponent
      if compare(other, version) == .orderedDescending {
        sink.fail(zip, "$", "is newer than solution.json's version \(version): bump the version instead")
      }
    }
    return sink.failures
  }

  /// Numeric comparison of dotted versions.
  static func compare(_ a: String, _ b: String) -> ComparisonResult {
    let x = a.split(separator: ".").map { Int($0) ?? 0 }
    let y = b.split(separator: ".").map { Int($0) ?? 0 }
    for i in 0..<max(x.count, y.count) {
      let l = i < x.count ? x[i] : 0
      let r = i < y.count ? y[i] : 0
      if l != r { return l < r ? .orderedAscending : .orderedDescending }
    }
    return .orderedSame
  }
}
