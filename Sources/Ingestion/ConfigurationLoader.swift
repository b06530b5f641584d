import Findings
import Foundation

extension ClientConfiguration {
  /// The configuration keys this client understands.
  public static let knownKeys: Set<String> = [
    "tenant_id", "application_id", "application_secret", "application_secret_file", "dce_endpoint",
    "dcr_immutable_id", "stream_name", "authority_host", "scope", "auth", "federated_token_file",
    "imds_endpoint", "ca_bundle", "max_body_bytes", "refresh_after",
  ]

  /// Loads a configuration: the JSON file (if any), then a secret file, then `AZURE_*` overrides.
  ///
  /// Leading `#` comment lines (as in the seed's example file) are ignored. A file that holds
  /// `application_secret` and is readable by group or others is refused, as ssh refuses such keys;
  /// so is a secret file with those permissions.
  /// - Parameters:
  ///   - path: the config file, or nil to use the environment alone.
  ///   - environment: usually `ProcessInfo.processInfo.environment`.
  ///   - enforcingPermissions: false only for diagnostics (`doctor`, `config check`) that report
  ///     the permission refusal as a separate finding; every command that sends keeps the default.
  /// - Throws: ``ConfigurationError`` naming the file and key.
  public static func load(path: String?, environment: [String: String], enforcingPermissions: Bool = true)
    throws(ConfigurationError) -> ClientConfiguration
  {
    var values: [String: String] = [:]
    if let path {
      values = try readFile(path)
      if enforcingPermissions, values["application_secret"].map({ !$0.isEmpty }) == true {
        try refuseIfShared(path, what: "config file holding application_secret", environment: environment)
      }
    }
    let source = path ?? "environment"
    var secret = values["application_secret"].map(Secret.init).flatMap { $0.isEmpty ? nil : $0 }
    if let file = values["application_secret_file"], !file.isEmpty {
      secret = try readSecretFile(
        file, source: source, enforcingPermissions: enforcingPermissions, environment: environment)
    }
    let overrides: [(String, String)] = [
      ("AZURE_TENANT_ID", "tenant_id"), ("AZURE_CLIENT_ID", "application_id"),
      ("AZURE_AUTHORITY_HOST", "authority_host"), ("AZURE_FEDERATED_TOKEN_FILE", "federated_token_file"),
    ]
    for (variable, key) in overrides {
      if let value = environment[variable], !value.isEmpty { values[key] = value }
    }
    if let value = environment["AZURE_CLIENT_SECRET"], !value.isEmpty {
      secret = Secret(value)
      SecretRedactor.register(value)
    }
    var configuration = try build(values, secret: secret, source: source)
    if path != nil { configuration.warnings = unknownKeyWarnings(Array(values.keys), source: source) }
    return configuration
  }

  static func build(_ values: [String: String], secret: Secret?, source: String) throws(ConfigurationError)
    -> ClientConfiguration
  {
    func required(_ key: String, _ hint: String) throws(ConfigurationError) -> String {
      guard let value = values[key]?.trimmingWhitespace(), !value.isEmpty else {
        throw ConfigurationError(source: source, key: key, reason: "missing", fix: hint)
      }
      return value
    }
    let endpoint = try EndpointPolicy.check(
      try required("dce_endpoint", "the Logs Ingestion endpoint from the deployment outputs"),
      key: "dce_endpoint", source: source)
    let dcr = try required("dcr_immutable_id", "the DCR immutable id (starts with dcr-) from the deployment outputs")
    let stream = try required("stream_name", "e.g. Custom-cveBusterVulnerabilities")
    let cloud = cloudDefaults(endpointHost: endpoint.host ?? "")
    let authority = try EndpointPolicy.check(
      values["authority_host"].map(normalizeAuthority) ?? cloud.authority, key: "authority_host", source: source)
    let federated = values["federated_token_file"].flatMap { $0.isEmpty ? nil : $0 }

    let auth: AuthMode
    if let raw = values["auth"], !raw.isEmpty {
      guard let mode = AuthMode(rawValue: raw) else {
        throw ConfigurationError(
          source: source, key: "auth", reason: "unknown mode \(SecretRedactor.abbreviate(raw))",
          fix: "use one of: " + AuthMode.allCases.map(\.rawValue).joined(separator: ", "))
      }
      auth = mode
    } else if secret != nil {
      auth = .secret
    } else if federated != nil {
      auth = .workloadIdentity
    } else {
      throw ConfigurationError(
        source: source, key: "application_secret", reason: "no credential configured",
        fix: "set application_secret or application_secret_file (or AZURE_CLIENT_SECRET), "
          + "or auth = managed_identity / workload_identity")
    }
    let tenant = values["tenant_id"].flatMap { $0.isEmpty ? nil : $0 }
    let app = values["application_id"].flatMap { $0.isEmpty ? nil : $0 }
    if auth != .managedIdentity {
      _ = try required("tenant_id", "the directory (tenant) id, or AZURE_TENANT_ID")
      _ = try required("application_id", "the application (client) id, or AZURE_CLIENT_ID")
    }
    switch auth {
    case .secret:
      guard secret != nil else {
        throw ConfigurationError(
          source: source, key: "application_secret", reason: "missing for auth = secret",
          fix: "set application_secret_file to a 0600 file holding the secret's Value, or AZURE_CLIENT_SECRET")
      }
    case .workloadIdentity:
      guard federated != nil else {
        throw ConfigurationError(
          source: source, key: "federated_token_file", reason: "missing for auth = workload_identity",
          fix: "set federated_token_file or AZURE_FEDERATED_TOKEN_FILE")
      }
    case .managedIdentity:
      break
    }
    var maxBody = ClientConfiguration.bodyLimit
    if let raw = values["max_body_bytes"] {
      guard let n = Int(raw), n >= 1024, n <= ClientConfiguration.bodyLimit else {
        throw ConfigurationError(
          source: source, key: "max_body_bytes", reason: "\(SecretRedactor.abbreviate(raw)) is not a number from 1024 to 1000000",
          fix: "leave it out for the API's limit of 1,000,000 bytes")
      }
      maxBody = n
    }
    let imds = try values["imds_endpoint"].map { (s: String) throws(ConfigurationError) -> URL in
      try EndpointPolicy.check(s, key: "imds_endpoint", source: source)
    }
    return ClientConfiguration(
      tenantID: tenant, applicationID: app, secret: auth == .secret ? secret : nil, auth: auth,
      endpoint: endpoint, dcrImmutableID: dcr, streamName: stream, authorityHost: authority,
      scope: values["scope"].flatMap { $0.isEmpty ? nil : $0 } ?? cloud.scope,
      federatedTokenFile: federated, imdsEndpoint: imds ?? ClientConfiguration.defaultIMDS,
      caBundle: values["ca_bundle"].flatMap { $0.isEmpty ? nil : $0 }, maxBodyBytes: maxBody)
  }

  /// `login.microsoftonline.us` → `https://login.microsoftonline.us` (azure-identity accepts both).
  static func normalizeAuthority(_ raw: String) -> String {
    let s = raw.trimmingWhitespace()
    return s.contains("://") ? s : "https://" + s
  }

  /// Reads the JSON object, skipping leading `#` comment lines; every value as a string.
  ///
  /// Registers every secret-looking value (``SecretRedactor``) before anything can print it:
  /// `application_secret`, keys that look like a misspelling of it, and the secret file's contents.
  /// - Throws: ``ConfigurationError`` when the file cannot be read or is not a JSON object of
  ///   strings and numbers; a syntax error names its line and column.
  public static func readFile(_ path: String) throws(ConfigurationError) -> [String: String] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConfigurationError(
        source: path, reason: "cannot read the file", fix: "check the path and that this user may read it")
    }
    let text = String(decoding: data, as: UTF8.self)
    // Comment lines become empty lines, so line numbers in errors match the file.
    let json = text.split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#") ? "" : $0 }
      .joined(separator: "\n")
    guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
      throw ConfigurationError(
        source: path, reason: syntaxProblem(json),
        fix: "see Server/connector_config.example.json for the shape")
    }
    var values: [String: String] = [:]
    for (key, value) in object {
      switch value {
      case let s as String: values[key] = s
      case let n as NSNumber: values[key] = n.stringValue
      case is NSNull: continue
      default:
        throw ConfigurationError(source: path, key: key, reason: "must be a string or a number")
      }
    }
    registerSecrets(in: values)
    return values
  }

  /// Reads a secret file after checking nobody but the owner can read it.
  static func readSecretFile(
    _ path: String, source: String, enforcingPermissions: Bool = true, environment: [String: String] = [:]
  ) throws(ConfigurationError) -> Secret {
    if enforcingPermissions { try refuseIfShared(path, what: "secret file", environment: environment) }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConfigurationError(
        source: source, key: "application_secret_file", reason: "cannot read \(path)",
        fix: "check the path and that this user may read it")
    }
    let secret = Secret(String(decoding: data, as: UTF8.self))
    SecretRedactor.register(secret)
    guard !secret.isEmpty else {
      throw ConfigurationError(
        source: source, key: "application_secret_file", reason: "\(path) is empty",
        fix: "write the client secret's Value into it")
    }
    return secret
  }

  /// Refuses a file that group or others have any permission on (mode & 077 ≠ 0), unless it
  /// is systemd's own credential copy under `$CREDENTIALS_DIRECTORY` (root-owned, 0440 via an ACL).
  static func refuseIfShared(_ path: String, what: String, environment: [String: String] = [:])
    throws(ConfigurationError)
  {
    var info = stat()
    guard stat(path, &info) == 0 else {
      throw ConfigurationError(source: path, reason: "cannot stat the \(what)", fix: "check the path")
    }
    if isSystemdCredential(path, environment: environment) { return }
    let mode = info.st_mode & 0o777
    if mode & 0o077 != 0 {
      throw ConfigurationError(
        source: path,
        reason: "the \(what) is open to others (mode \(octal(mode)): \(describeSharedBits(mode))); refusing to use it",
        fix: "chmod 600 \(path)")
    }
  }
}
