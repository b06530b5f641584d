/// A four-step rating: a finding's severity, or the criticality of the asset it was found on.
public enum Rating: String, Sendable, CaseIterable {
  case critical = "Critical"
  case high = "High"
  case medium = "Medium"
  case low = "Low"

  /// The CVSS v3 qualitative band of a severity, in tenths of a point (CVSS v3.1 specification,
  /// section 5): Critical 9.0–10.0, High 7.0–8.9, Medium 4.0–6.9, Low 0.1–3.9.
  public var cvssTenths: ClosedRange<Int> {
    switch self {
    case .critical: 90...100
    case .high: 70...89
    case .medium: 40...69
    case .low: 1...39
    }
  }
}

/// Where a finding stands in remediation.
public enum FindingStatus: String, Sendable, CaseIterable {
  case open = "Open"
  case inProgress = "In Progress"
  case patched = "Patched"
}

/// One generated finding: the 11 columns of the `Custom-cveBusterVulnerabilities` stream.
public struct GeneratedFinding: Sendable, Equatable {
  /// The stream's column names in declaration order; the encoder writes fields in this order.
  public static let fieldNames = [
    "VulnId", "VulnTitle", "Severity", "CVSS", "MachineName", "AssetCriticality",
    "PatchAvailable", "ExploitAvailable", "DiscoveryDate", "LastModified", "Status",
  ]

  /// A CVE id, `CVE-YYYY-NNNNN`.
  public var vulnId: String
  public var vulnTitle: String
  public var severity: Rating
  /// The CVSS v3 base score in tenths (98 is 9.8); always inside `severity.cvssTenths`.
  public var cvssTenths: Int
  public var machineName: String
  public var assetCriticality: Rating
  public var patchAvailable: Bool
  public var exploitAvailable: Bool
  /// Seconds since 1970-01-01T00:00:00Z; never after `lastModified`.
  public var discoveryDate: Int64
  /// Seconds since 1970-01-01T00:00:00Z.
  public var lastModified: Int64
  /// `patched` only when `patchAvailable`.
  public var status: FindingStatus

  public init(
    vulnId: String, vulnTitle: String, severity: Rating, cvssTenths: Int, machineName: String,
    assetCriticality: Rating, patchAvailable: Bool, exploitAvailable: Bool, discoveryDate: Int64,
    lastModified: Int64, status: FindingStatus
  ) {
    self.vulnId = vulnId
    self.vulnTitle = vulnTitle
    self.severity = severity
    self.cvssTenths = cvssTenths
    self.machineName = machineName
    self.assetCriticality = assetCriticality
    self.patchAvailable = patchAvailable
    self.exploitAvailable = exploitAvailable
    self.discoveryDate = discoveryDate
    self.lastModified = lastModified
    self.status = status
  }

  /// The CVSS score as a number, e.g. `9.8`.
  public var cvss: Double { Double(cvssTenths) / 10 }

  /// The CVSS score with one decimal, e.g. `"9.8"` or `"10.0"`.
  public var cvssText: String { "\(cvssTenths / 10).\(cvssTenths % 10)" }
}
