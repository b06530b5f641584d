import Foundation

/// Findings for tests, as JSON text.
public enum Fixtures {
  /// One valid finding; `overrides` replace or add members (a nil value removes the member).
  public static func finding(
    vulnId: String = "CVE-2024-12345", machine: String = "web-01", lastModified: String = "2025-11-06T10:30:00Z",
    overrides: [String: Any?] = [:]
  ) -> String {
    var object: [String: Any] = [
      "VulnId": vulnId, "VulnTitle": "Remote code execution in libexample", "Severity": "Critical", "CVSS": 9.8,
      "MachineName": machine, "AssetCriticality": "High", "PatchAvailable": true, "ExploitAvailable": true,
      "DiscoveryDate": "2025-11-01T08:00:00Z", "LastModified": lastModified, "Status": "Open",
    ]
    for (key, value) in overrides {
      if let value { object[key] = value } else { object.removeValue(forKey: key) }
    }
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
  }

  /// `count` distinct valid findings as NDJSON (one per line).
  public static func ndjson(count: Int, machinePrefix: String = "host", vulnPrefix: String = "CVE-2025-") -> String {
    (0..<count).map { index in
      finding(vulnId: "\(vulnPrefix)\(10000 + index)", machine: "\(machinePrefix)-\(index % 37)") + "\n"
    }.joined()
  }
}
