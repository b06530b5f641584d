import Foundation

/// Caches one token for all worker threads and refreshes it before expiry.
///
/// A failed early refresh keeps using the still-valid cached token (as azure-core does); a 401
/// from the ingestion endpoint calls ``invalidate(_:)`` so the next ``token(now:)`` fetches anew.
///
/// `@unchecked Sendable`: `cached`, `fetchCount` and the libcurl `session` (one transfer at a
/// time) are only touched with `lock` held; `source` never changes.
public final class TokenCache: @unchecked Sendable {
  private let source: any TokenSource
  private let lock = NSLock()
  private let session: CurlSession
  private var cached: AccessToken?
  private var fetchCount = 0

  /// How many tokens were fetched (for logs and tests).
  public var fetches: Int { lock.withLock { fetchCount } }

  public init(source: any TokenSource, options: TransportOptions = TransportOptions()) {
    self.source = source
    self.session = CurlSession(options: options)
  }

  /// The cached token, or a new one when the cached one is due for refresh.
  /// - Throws: ``AuthenticationError`` when no usable token can be had.
  public func token(now: Int64) throws(AuthenticationError) -> Secret {
    lock.lock()
    defer { lock.unlock() }
    if let cached, now < cached.refreshAt { return cached.value }
    do {
      let fresh = try source.fetch(session: session, now: now)
      SecretRedactor.registerTransient(fresh.value.revealed)
      fetchCount += 1
      cached = fresh
      return fresh.value
    } catch {
      if let cached, now < cached.expiresAt - 10_000 { return cached.value }
      throw error
    }
  }

  /// Drops `stale` if it is still the cached token (a 401 said the service no longer takes it).
  public func invalidate(_ stale: Secret) {
    lock.lock()
    defer { lock.unlock() }
    if cached?.value == stale { cached = nil }
  }

  /// The token source for a configuration.
  public static func source(for configuration: ClientConfiguration) -> any TokenSource {
    switch configuration.auth {
    case .secret:
      ClientCredentialSource(
        authorityHost: configuration.authorityHost, tenantID: configuration.tenantID ?? "",
        clientID: configuration.applicationID ?? "", scope: configuration.scope,
        credential: .secret(configuration.secret ?? Secret("")))
    case .workloadIdentity:
      ClientCredentialSource(
        authorityHost: configuration.authorityHost, tenantID: configuration.tenantID ?? "",
        clientID: configuration.applicationID ?? "", scope: configuration.scope,
        credential: .federatedTokenFile(configuration.federatedTokenFile ?? ""))
    case .managedIdentity:
      ManagedIdentitySource(
        endpoint: configuration.imdsEndpoint, scope: configuration.scope, clientID: configuration.applicationID)
    }
  }
}

extension TokenCache {
  /// A cache for `configuration`'s credential (IMDS is reached without proxies).
  public convenience init(configuration: ClientConfiguration) {
    var options = TransportOptions()
    options.caBundle = configuration.caBundle
    options.totalTimeoutMillis = 30_000
    if configuration.auth == .managedIdentity {
      options.bypassProxy = true
      options.connectTimeoutMillis = 2_000
    }
    self.init(source: Self.source(for: configuration), options: options)
  }
}
