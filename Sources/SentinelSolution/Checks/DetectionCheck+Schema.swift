import Findings
import Foundation

/// The detection-template rules of Azure-Sentinel's schema tests beyond field presence:
/// `alertDetailsOverride` formats (length, at most 3 `{{…}}` placeholders), `customDetails`
/// keys and values, entity identifiers, and each technique's tactics present in `tactics`.
extension DetectionCheck {
  /// The most `{{column}}` placeholders one override format may hold.
  static let maxPlaceholders = 3
  static let placeholder = try! NSRegularExpression(pattern: "\\{\\{([^{}]*)\\}\\}")
  static let customDetailKey = try! NSRegularExpression(pattern: "^[a-zA-Z]+\\w*$")
  static let customDetailValue = try! NSRegularExpression(pattern: "^[a-zA-Z_]+\\w*$")

  /// Tactics the schema test requires for each technique (MITRE ATT&CK enterprise matrix, as
  /// in the test's technique table); a technique missing here is reported, not guessed.
  static let techniqueTactics: [String: Set<String>] = [
    "T1190": ["InitialAccess"], "T1133": ["InitialAccess", "Persistence"], "T1195": ["InitialAccess"],
    "T1525": ["Persistence"], "T1068": ["PrivilegeEscalation"], "T1203": ["Execution"],
    "T1210": ["LateralMovement"], "T1211": ["DefenseEvasion"], "T1212": ["CredentialAccess"],
    "T1595": ["Reconnaissance", "PreAttack"], "T1588": ["ResourceDevelopment", "PreAttack"],
    "T1078": ["InitialAccess", "Persistence", "PrivilegeEscalation", "DefenseEvasion"],
  ]

  /// Identifiers each entity type the content uses accepts.
  static let entityIdentifiers: [String: Set<String>] = [
    "Host": [
      "DnsDomain", "NTDomain", "HostName", "FullName", "NetBiosName", "AzureID", "OMSAgentID", "OSFamily",
      "OSVersion", "IsDomainJoined",
    ],
    "IP": ["Address"],
    "Account": [
      "Name", "FullName", "NTDomain", "DnsDomain", "UPNSuffix", "Sid", "AadTenantId", "AadUserId",
      "PUID", "IsDomainJoined", "DisplayName", "ObjectGuid",
    ],
  ]

  /// How many `{{…}}` placeholders `format` holds, counted as the schema test counts them.
  static func placeholderCount(_ format: String) -> Int {
    placeholder.numberOfMatches(in: format, range: NSRange(format.startIndex..., in: format))
  }

  static func checkSchemaDetails(_ rule: SourceDocument, sink: inout FailureSink) {
    let json = rule.json
    let file = rule.file
    if let override = json["alertDetailsOverride"] {
      for (key, limit) in [("alertDisplayNameFormat", 256), ("alertDescriptionFormat", 5000)] {
        guard let format = override[key] else { continue }
        let text = format.stringValue ?? ""
        if text.isEmpty || text.count > limit { sink.fail(file, "$.alertDetailsOverride.\(key)", "1 to \(limit) characters") }
        let count = placeholderCount(text)
        if count > maxPlaceholders {
          sink.fail(file, "$.alertDetailsOverride.\(key)", "\(count) {{…}} placeholders; the detection schema allows \(maxPlaceholders)")
        }
      }
    }
    for member in json["customDetails"]?.objectValue ?? [] {
      let value = member.value.stringValue ?? ""
      if member.name.count > 20 || !matches(customDetailKey, member.name) {
        sink.fail(file, "$.customDetails.\(member.name)", "key must be at most 20 letters, digits or _ starting with a letter")
      }
      if value.count > 500 || !matches(customDetailValue, value) {
        sink.fail(file, "$.customDetails.\(member.name)", "value must be a column name (letters, digits, _)")
      }
    }
    if let mappings = json["entityMappings"]?.arrayValue, mappings.isEmpty {
      sink.fail(file, "$.entityMappings", "when present, 1 to 5 entity mappings")
    }
    for (i, mapping) in (json["entityMappings"]?.arrayValue ?? []).enumerated() {
      let type = mapping["entityType"]?.stringValue ?? ""
      guard let allowed = entityIdentifiers[type] else {
        sink.fail(file, "$.entityMappings[\(i)].entityType", "\"\(type)\" is not an entity type this check knows (Host, IP, Account)")
        continue
      }
      for (j, field) in (mapping["fieldMappings"]?.arrayValue ?? []).enumerated() {
        if !allowed.contains(field["identifier"]?.stringValue ?? "") {
          sink.fail(file, "$.entityMappings[\(i)].fieldMappings[\(j)].identifier", "not an identifier of entity type \(type)")
        }
        if (field["columnName"]?.stringValue ?? "").isEmpty {
          sink.fail(file, "$.entityMappings[\(i)].fieldMappings[\(j)].columnName", "missing")
        }
      }
    }
    checkTechniqueTactics(rule, sink: &sink)
  }

  /// Every technique (sub-techniques by their parent) needs all of its tactics in `tactics`.
  static func checkTechniqueTactics(_ document: SourceDocument, sink: inout FailureSink) {
    let tactics = Set((document.json["tactics"]?.arrayValue ?? []).compactMap(\.stringValue))
    for (i, item) in (document.json["relevantTechniques"]?.arrayValue ?? []).enumerated() {
      let technique = String((item.stringValue ?? "").split(separator: ".").first ?? "")
      guard let needed = techniqueTactics[technique] else {
        sink.fail(document.file, "$.relevantTechniques[\(i)]", "\(technique): tactics unknown offline; add it to DetectionCheck.techniqueTactics")
        continue
      }
      let missing = needed.subtracting(tactics)
      if !missing.isEmpty {
        sink.fail(document.file, "$.tactics", "technique \(technique) needs tactic(s) \(missing.sorted().joined(separator: ", "))")
      }
    }
  }
}
