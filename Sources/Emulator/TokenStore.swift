import Foundation

/// An issued bearer token: who asked for it, for which audience, until when.
struct IssuedToken: Sendable {
  let audience: String
  let clientId: String
  /// Seconds since 1970.
  let expiresAt: Double
}

/// Why a bearer token is not accepted.
enum TokenProblem: Sendable, Equatable {
  case missing
  case unknown
  case expired
  case wrongAudience(String)
}

/// Issues opaque random tokens and checks them. Opaque (not JWT) on purpose: a client must
/// treat tokens as opaque, and the emulator has nothing to sign them with that a client could check.
final class TokenStore: Sendable {
  private let tokens = Locked([String: IssuedToken]())
  private let lifetime: Int

  /// Audiences the ingestion endpoint accepts (public, US Gov and China clouds).
  static let ingestionAudiences: Set<String> = [
    "https://monitor.azure.com", "https://monitor.azure.us", "https://monitor.azure.cn",
  ]

  /// Seconds since 1970 when a call gives no time.
  private let clock: @Sendable () -> Double

  init(lifetime: Int, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
    self.lifetime = lifetime
    self.clock = clock
  }

  /// Issues a token for `audience`; returns it and its lifetime in seconds.
  func issue(audience: String, clientId: String, now: Double? = nil) -> (String, Int) {
    let now = now ?? clock()
    var bytes = [UInt8](repeating: 0, count: 32)
    var generator = SystemRandomNumberGenerator()
    for index in bytes.indices { bytes[index] = generator.next() }
    let token = "emu." + bytes.map { String(format: "%02x", $0) }.joined()
    tokens.withLock { tokens in
      if tokens.count > 10_000 { tokens = tokens.filter { $0.value.expiresAt > now } }
      tokens[token] = IssuedToken(audience: audience, clientId: clientId, expiresAt: now + Double(lifetime))
    }
    return (token, lifetime)
  }

  /// Checks an `Authorization` header value.
  func check(authorization: String?, now: Double? = nil) -> TokenProblem? {
    let now = now ?? clock()
    guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
      return .missing
    }
    let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    guard let issued = tokens.withLock({ $0[token] }) else { return .unknown }
    guard issued.expiresAt > now else { return .expired }
    guard TokenStore.ingestionAudiences.contains(issued.audience) else { return .wrongAudience(issued.audience) }
    return nil
  }
}
