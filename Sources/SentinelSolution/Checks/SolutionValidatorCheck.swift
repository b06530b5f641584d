import Findings
import Foundation

/// Check 6: Azure-Sentinel's solution validators, applied to solution.json and the package:
/// domains/verticals (solution.json and contentPackages categories), support object,
/// Microsoft branding, "Azure Sentinel", solutionId format, locale-free links, a 3.x.y
/// version, and no placeholder publisher identity.
enum SolutionValidatorCheck {
  static let branding = try! NSRegularExpression(pattern: "(?<!Microsoft\\s)(?<!-)\\bSentinel\\b")
  static let localeLink = try! NSRegularExpression(pattern: "(docs\\.microsoft\\.com|learn\\.microsoft\\.com|azure\\.microsoft\\.com)/[a-z]{2}-[a-z]{2}/")
  static let email = try! NSRegularExpression(pattern: "^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$")
  static let placeholders = ["yourcompany", "your company", "contoso", "example.com", "example.org", "xxxxxxxx", "todo"]

  private static func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
    regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
  }

  static func run(_ context: CheckContext) -> [CheckFailure] {
    var sink = FailureSink(.solutionValidators)
    let manifest = context.source.manifest
    let file = manifest.file
    let publisher = manifest.json["publisher"] ?? .null
    checkCategories(manifest.json["categories"], file: file, path: "$.categories", context: context, sink: &sink)
    if let resources = context.package.mainTemplate?["resources"]?.arrayValue,
      let index = resources.firstIndex(where: { $0["type"]?.stringValue?.hasSuffix("contentPackages") == true })
    {
      checkCategories(
        resources[index]["properties"]?["categories"], file: PackageFiles.mainTemplatePath,
        path: "$.resources[\(index)].properties.categories", context: context, sink: &sink)
    }
    let support = publisher["support"] ?? .null
    if (support["name"]?.stringValue ?? "").isEmpty { sink.fail(file, "$.publisher.support.name", "missing") }
    let supportEmail = support["email"]?.stringValue
    let supportLink = support["link"]?.stringValue
    if let supportEmail, !matches(email, supportEmail) { sink.fail(file, "$.publisher.support.email", "\"\(supportEmail)\" is not an email address") }
    if let supportLink, !supportLink.hasPrefix("https://") { sink.fail(file, "$.publisher.support.link", "must be an https:// link") }
    if supportEmail == nil && supportLink == nil { sink.fail(file, "$.publisher.support", "needs an email or a link") }
    if !["Microsoft", "Partner", "Community"].contains(support["tier"]?.stringValue ?? "") {
      sink.fail(file, "$.publisher.support.tier", "must be Microsoft, Partner or Community")
    }
    if let authorEmail = publisher["author"]?["email"]?.stringValue, !matches(email, authorEmail) {
      sink.fail(file, "$.publisher.author.email", "\"\(authorEmail)\" is not an email address")
    }
    let solutionId = context.source.solutionId
    if solutionId != solutionId.lowercased() || solutionId.split(separator: ".", omittingEmptySubsequences: false).count != 2
      || solutionId.hasPrefix(".") || solutionId.hasSuffix(".")
    {
      sink.fail(file, "$.publisher", "solutionId \"\(solutionId)\" (publisherId.offerId) must be lower case with exactly one dot")
    }
    let version = context.source.version
    if version.range(of: "^3\\.\\d+\\.\\d+$", options: .regularExpression) == nil {
      sink.fail(file, "$.version", "\"\(version)\" is not a 3.x.y solution version")
    }
    for (key, value) in flatten(publisher, path: "$.publisher") {
      if let hit = placeholders.first(where: { value.lowercased().contains($0) }) {
        sink.fail(file, key, "\"\(value)\" looks like a placeholder (\(hit)): set the real publisher identity")
      }
    }
    scanText(context: context, sink: &sink)
    return sink.failures
  }

  private static func checkCategories(_ categories: JSONValue?, file: String, path: String, context: CheckContext, sink: inout FailureSink) {
    let domains = categories?["domains"]?.arrayValue ?? []
    if domains.isEmpty { sink.fail(file, "\(path).domains", "at least one domain is required") }
    for (i, domain) in domains.enumerated() where !context.schemas.validDomains.contains(domain.stringValue ?? "") {
      sink.fail(file, "\(path).domains[\(i)]", "\(CanonicalJSONWriter.text(domain)) is not in ValidDomainsVerticals.json")
    }
    for (i, vertical) in (categories?["verticals"]?.arrayValue ?? []).enumerated()
    where !context.schemas.validVerticals.contains(vertical.stringValue ?? "") {
      sink.fail(file, "\(path).verticals[\(i)]", "\(CanonicalJSONWriter.text(vertical)) is not in ValidDomainsVerticals.json")
    }
  }

  /// Every string in `value` with its JSON path.
  static func flatten(_ value: JSONValue, path: String) -> [(String, String)] {
    switch value {
    case .string(let s): return [(path, s)]
    case .array(let items): return items.enumerated().flatMap { flatten($0.element, path: "\(path)[\($0.offset)]") }
    case .object(let members): return members.flatMap { flatten($0.value, path: "\(path).\($0.name)") }
    default: return []
    }
  }

  private static func scanText(context: CheckContext, sink: inout FailureSink) {
    let source = context.source
    var documents: [(String, JSONValue)] =
      [source.manifest, source.definition, source.dataConnector, source.dcr]
      .map { ($0.file, $0.json) } + source.tables.map { ($0.file, $0.json) }
    let packaged = [(PackageFiles.mainTemplatePath, context.package.mainTemplate), (PackageFiles.createUiPath, context.package.createUi)]
    for (file, json) in packaged { if let json { documents.append((file, json)) } }
    for (file, json) in documents {
      for (path, text) in flatten(json, path: "$") {
        if text.contains("Azure Sentinel") { sink.fail(file, path, "says \"Azure Sentinel\": the product is Microsoft Sentinel") }
        if matches(localeLink, text) { sink.fail(file, path, "link has a locale segment (like /en-us/); remove it") }
        if file.hasPrefix("Package/"), matches(branding, text) {
          sink.fail(file, path, "\"Sentinel\" without \"Microsoft \" before it (validMSBranding)")
        }
      }
    }
  }
}
