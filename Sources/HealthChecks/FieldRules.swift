import Foundation
import Ingestion

/// The shape each configuration value must have, shared by `config init`, `config check` and `doctor`.
public enum FieldRules {
  /// The stream the Sentinel solution's DCR declares.
  public static let defaultStreamName = "Custom-cveBusterVulnerabilities"

  /// Checks `value` for `key`; returns the reason it is wrong, or nil when it is fine.
  ///
  /// Keys without a rule (e.g. `scope`) are accepted as they are.
  public static func problem(key: String, value: String) -> String? {
    let v = value.trimmingCharacters(in: .whitespacesAndNewlines)
    switch key {
    case "tenant_id":
      if isGUID(v) || isDomain(v) { return nil }
      return "\(shown(v)) is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx) or a tenant domain name"
    case "application_id":
      return isGUID(v) ? nil : "\(shown(v)) is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
    case "dcr_immutable_id":
      return isDCRImmutableID(v) ? nil : "\(shown(v)) is not 'dcr-' followed by 32 hexadecimal digits"
    case "stream_name":
      return v.hasPrefix("Custom-") && v.count > 7 ? nil : "\(shown(v)) does not start with 'Custom-' (the solution's is \(defaultStreamName))"
    case "dce_endpoint", "authority_host", "imds_endpoint":
      do {
        _ = try EndpointPolicy.check(v, key: key, source: "value")
        return nil
      } catch {
        return error.reason
      }
    case "application_secret":
      return v.isEmpty ? "empty" : nil
    default:
      return nil
    }
  }

  /// The value as a message may show it: short values whole, long ones cut (a secret pasted
  /// into the wrong field must not be echoed), a value holding `~` (as Entra secrets do) flagged.
  static func shown(_ value: String) -> String {
    let text = SecretRedactor.abbreviate(value)
    return value.contains("~") && value.count > 12 ? text + " (this looks like a client secret's Value)" : text
  }

  /// A warning about a value that is valid but probably not what was meant, or nil.
  public static func suspicion(key: String, value: String) -> String? {
    if key == "application_secret", isGUID(value.trimmingCharacters(in: .whitespacesAndNewlines)) {
      return "the secret looks like a GUID: that is usually the secret's ID, not its Value (AADSTS7000215)"
    }
    return nil
  }

  /// `8-4-4-4-12` hexadecimal digits.
  public static func isGUID(_ s: String) -> Bool {
    let groups = s.split(separator: "-", omittingEmptySubsequences: false)
    guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
    return groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
  }

  /// `dcr-` and 32 hexadecimal digits.
  public static func isDCRImmutableID(_ s: String) -> Bool {
    guard s.hasPrefix("dcr-") else { return false }
    let rest = s.dropFirst(4)
    return rest.count == 32 && rest.allSatisfy(\.isHexDigit)
  }

  /// `contoso.onmicrosoft.com`: letters, digits and hyphens in dot-separated labels.
  static func isDomain(_ s: String) -> Bool {
    let labels = s.split(separator: ".", omittingEmptySubsequences: false)
    return labels.count >= 2
      && labels.allSatisfy { label in
        !label.isEmpty && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
      }
  }
}
