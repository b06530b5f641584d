import Foundation
import Ingestion

#if canImport(Glibc)
  import Glibc
#endif

/// The checks that talk to the network: endpoint URL, DNS, TCP + TLS, token, ingestion probe.
public final class NetworkChecks {
  public let configuration: ClientConfiguration
  /// Whether to POST the empty-array probe to the ingestion endpoint.
  public var probe = true
  private let tokens: TokenCache
  private let now: () -> Int64

  public init(configuration: ClientConfiguration, now: @escaping () -> Int64) {
    self.configuration = configuration
    self.tokens = TokenCache(configuration: configuration)
    self.now = now
  }

  /// The results in order; a failure skips the checks that depend on it.
  public func run() -> [CheckResult] {
    var results = [urlCheck()]
    let dns = dnsCheck()
    results.append(dns)
    guard dns.status != .fail else {
      return results + skipped(["network.connect", "token", "ingestion.probe"], because: "DNS failed")
    }
    let connect = connectCheck()
    results.append(connect)
    let token = tokenCheck()
    results.append(token)
    guard probe else {
      return results + [.skipped("ingestion.probe", Self.titles["ingestion.probe"]!, because: "--no-probe")]
    }
    guard connect.status != .fail, token.status != .fail else {
      return results + skipped(["ingestion.probe"], because: "no connection or no token")
    }
    results.append(probeCheck())
    return results
  }

  static let titles = [
    "endpoint.url": "endpoint URL", "network.dns": "DNS resolves", "network.connect": "TCP + TLS handshake",
    "token": "token acquired", "ingestion.probe": "ingestion probe",
  ]

  private func skipped(_ ids: [String], because reason: String) -> [CheckResult] {
    ids.map { .skipped($0, Self.titles[$0]!, because: reason) }
  }

  private func urlCheck() -> CheckResult {
    let url = configuration.endpoint
    let scheme = url.scheme?.lowercased() ?? ""
    let detail = scheme == "https" ? configuration.ingestionURL : configuration.ingestionURL + " (plain http: loopback only)"
    return .pass("endpoint.url", Self.titles["endpoint.url"]!, detail)
  }

  /// The hosts the client talks to: the endpoint, and the authority unless the token comes from IMDS.
  private var hosts: [String] {
    var hosts = [configuration.endpoint.host ?? ""]
    if configuration.auth != .managedIdentity, let authority = configuration.authorityHost.host, !hosts.contains(authority) {
      hosts.append(authority)
    }
    return hosts.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) }
  }

  private func dnsCheck() -> CheckResult {
    var found: [String] = []
    for host in hosts {
      switch Self.resolve(host) {
      case .success(let addresses): found.append("\(host) → \(addresses.prefix(2).joined(separator: ", "))")
      case .failure(let message):
        return .fail(
          "network.dns", Self.titles["network.dns"]!, "\(host): \(message)",
          fix: "check the host name in the configuration, and this machine's DNS (/etc/resolv.conf) or proxy", .unreachable)
      }
    }
    return .pass("network.dns", Self.titles["network.dns"]!, found.joined(separator: "; "))
  }

  enum Resolution {
    case success([String])
    case failure(String)
  }

  /// getaddrinfo: the numeric addresses of `host`, or gai_strerror's message.
  static func resolve(_ host: String) -> Resolution {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    let code = getaddrinfo(host, nil, &hints, &list)
    guard code == 0 else { return .failure(String(cString: gai_strerror(code))) }
    defer { freeaddrinfo(list) }
    var addresses: [String] = []
    var node = list
    while let entry = node {
      var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
      if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if !addresses.contains(text) { addresses.append(text) }
      }
      node = entry.pointee.ai_next
    }
    return addresses.isEmpty ? .failure("no addresses") : .success(addresses)
  }

  private func connectCheck() -> CheckResult {
    let title = Self.titles["network.connect"]!
    var options = TransportOptions()
    options.caBundle = configuration.caBundle
    options.connectTimeoutMillis = 10_000
    options.totalTimeoutMillis = 20_000
    let session = CurlSession(options: options)
    var components = URLComponents(url: configuration.endpoint, resolvingAgainstBaseURL: false)
    components?.path = "/"
    components?.query = nil
    let base = components?.string ?? configuration.endpoint.absoluteString
    let isTLS = configuration.endpoint.scheme?.lowercased() == "https"
    do {
      let response = try session.perform(HTTPRequest(method: "HEAD", url: base))
      let how = isTLS ? "TLS verified" : "plain TCP to loopback, no TLS"
      return .pass("network.connect", title, "\(configuration.endpoint.host ?? base): \(how), HTTP \(response.status) in \(response.elapsedMillis) ms")
    } catch {
      switch error.kind {
      case .tls:
        return .fail(
          "network.connect", title, error.description,
          fix: "the certificate is not trusted: a TLS-inspecting proxy needs its CA in ca_bundle; check the system clock", .configuration)
      case .connect, .timeout:
        return .fail(
          "network.connect", title, error.description,
          fix: "allow outbound connections to this host and port (HTTPS: 443); behind a proxy set https_proxy", .unreachable)
      case .broken, .other:
        return .fail("network.connect", title, error.description, fix: "try again; check proxies and firewalls", .unreachable)
      }
    }
  }

  private func tokenCheck() -> CheckResult {
    let title = Self.titles["token"]!
    do {
      _ = try tokens.token(now: now())
      let from = configuration.auth == .managedIdentity ? "IMDS" : (configuration.authorityHost.host ?? "authority")
      return .pass("token", title, "\(configuration.auth.rawValue) token from \(from)")
    } catch {
      var detail = "token request failed"
      if let status = error.status { detail += " (HTTP \(status))" }
      // The first line only: Entra's description goes on with trace and correlation ids.
      detail += ": " + (error.message.split(whereSeparator: \.isNewline).first.map(String.init) ?? error.message)
      let fix =
        error.advice
        ?? (error.isTransient
          ? "the identity provider is unreachable or busy; try again"
          : "check tenant_id, application_id and the credential against the connector page")
      return .fail("token", title, detail, fix: fix, error.isTransient ? .unreachable : .configuration)
    }
  }

  private func probeCheck() -> CheckResult {
    let title = Self.titles["ingestion.probe"]!
    let client = LogsIngestionClient(configuration: configuration, tokens: tokens)
    let body: [UInt8]
    do {
      body = try GzipCompressor().compress(Array("[]".utf8))
    } catch {
      return .fail("ingestion.probe", title, "cannot gzip the probe: \(error)", fix: nil, .local)
    }
    let result = client.upload(gzipBody: body, clientRequestID: LogsIngestionClient.newClientRequestID(), now: now)
    let id = result.requestID.map { ", x-ms-request-id \($0)" } ?? ""
    switch result.outcome {
    case .delivered:
      return .pass("ingestion.probe", title, "POST [] → HTTP \(result.status ?? 0)\(id); nothing stored")
    case .configuration(let message), .rejected(let message), .tooLarge(let message):
      return .fail(
        "ingestion.probe", title, "POST [] → \(message)\(id)", fix: Self.probeFix(status: result.status),
        .configuration)
    case .throttled:
      return .fail(
        "ingestion.probe", title, "POST [] → HTTP \(result.status ?? 429) (throttled)\(id)",
        fix: "the service is busy; try again later", .unreachable)
    case .transient(let reason, _, _):
      return .fail("ingestion.probe", title, "POST [] → \(reason)\(id)", fix: "try again later", .unreachable)
    }
  }

  /// What to change for a probe the service refused, by HTTP status.
  static func probeFix(status: Int?) -> String {
    switch status {
    case 403:
      "on the DCR: Access control (IAM) → Add role assignment → Monitoring Metrics Publisher → the connector's "
        + "application; then wait up to 30 minutes"
    case 404: "compare dce_endpoint, dcr_immutable_id and stream_name with the connector page"
    case 401: "the token's audience does not match the endpoint's cloud: check scope and authority_host"
    case 400: "compare stream_name with the connector page; if real rows go through, run doctor --no-probe and report it"
    default: "compare dce_endpoint, dcr_immutable_id and stream_name with the connector page"
    }
  }
}
