import Foundation

/// How the client gets its Entra ID token.
public enum AuthMode: String, Sendable, CaseIterable {
  /// App registration + client secret (the seed's `connector_config.json`).
  case secret
  /// Azure VM / scale set / Arc identity through IMDS.
  case managedIdentity = "managed_identity"
  /// Kubernetes workload identity: a federated token file exchanged for an Entra token.
  case workloadIdentity = "workload_identity"
}

/// Everything the Logs Ingestion client needs, after file, secret file and environment are merged.
///
/// Keys (design.md "Configuration"): `tenant_id`, `application_id`, `application_secret`,
/// `dce_endpoint`, `dcr_immutable_id`, `stream_name` (the seed's, unchanged), plus
/// `authority_host`, `scope`, `application_secret_file`, `auth`, and this client's
/// `federated_token_file`, `imds_endpoint`, `ca_bundle`, `max_body_bytes`.
public struct ClientConfiguration: Sendable {
  public var tenantID: String?
  public var applicationID: String?
  public var secret: Secret?
  public var auth: AuthMode
  /// Data collection endpoint (or the DCR's own logs ingestion endpoint).
  public var endpoint: URL
  public var dcrImmutableID: String
  public var streamName: String
  /// Entra ID authority, e.g. `https://login.microsoftonline.com` or the emulator's URL.
  public var authorityHost: URL
  /// Token scope, e.g. `https://monitor.azure.com/.default`.
  public var scope: String
  public var federatedTokenFile: String?
  /// IMDS base URL (managed identity); the real one is `http://169.254.169.254`.
  public var imdsEndpoint: URL
  /// PEM bundle of private CAs to trust in addition to nothing else (curl's CAINFO).
  public var caBundle: String?
  /// Largest uncompressed request body; at most the API's 1,000,000.
  public var maxBodyBytes: Int
  /// Logs Ingestion API version sent as `api-version`.
  public var apiVersion: String = "2023-01-01"
  /// Things worth telling the user that do not stop loading (unknown keys, with a "did you mean").
  public var warnings: [String] = []

  /// The API's hard limit this client keeps to (uncompressed bytes per request).
  public static let bodyLimit = 1_000_000
  /// The real Instance Metadata Service.
  public static let defaultIMDS = URL(string: "http://169.254.169.254")!

  /// Every secret this configuration holds, for a ``Redactor``.
  public var secrets: [Secret] { secret.map { [$0] } ?? [] }

  /// The ingestion URL: `{endpoint}/dataCollectionRules/{dcr}/streams/{stream}?api-version=…`.
  public var ingestionURL: String {
    var base = endpoint.absoluteString
    while base.hasSuffix("/") { base.removeLast() }
    return "\(base)/dataCollectionRules/\(percentEncode(dcrImmutableID))/streams/\(percentEncode(streamName))"
      + "?api-version=\(apiVersion)"
  }

  /// Cloud defaults keyed by the endpoint's host suffix: authority host and monitor audience.
  static func cloudDefaults(endpointHost: String) -> (authority: String, scope: String) {
    let host = endpointHost.lowercased()
    if host.hasSuffix(".azure.us") {
      return ("https://login.microsoftonline.us", "https://monitor.azure.us/.default")
    }
    if host.hasSuffix(".azure.cn") {
      return ("https://login.chinacloudapi.cn", "https://monitor.azure.cn/.default")
    }
    return ("https://login.microsoftonline.com", "https://monitor.azure.com/.default")
  }

  private func percentEncode(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? s
  }
}

extension ClientConfiguration: CustomStringConvertible {
  /// A display of the configuration with the secret redacted (for `config show`).
  public var description: String {
    var lines: [String] = []
    lines.append("auth: \(auth.rawValue)")
    lines.append("tenant_id: \(tenantID ?? "-")")
    lines.append("application_id: \(applicationID ?? "-")")
    lines.append("application_secret: \(secret == nil ? "-" : "<redacted>")")
    lines.append("dce_endpoint: \(endpoint.absoluteString)")
    lines.append("dcr_immutable_id: \(dcrImmutableID)")
    lines.append("stream_name: \(streamName)")
    lines.append("authority_host: \(authorityHost.absoluteString)")
    lines.append("scope: \(scope)")
    if let federatedTokenFile { lines.append("federated_token_file: \(federatedTokenFile)") }
    if auth == .managedIdentity { lines.append("imds_endpoint: \(imdsEndpoint.absoluteString)") }
    if let caBundle { lines.append("ca_bundle: \(caBundle)") }
    lines.append("max_body_bytes: \(maxBodyBytes)")
    return lines.joined(separator: "\n")
  }
}
