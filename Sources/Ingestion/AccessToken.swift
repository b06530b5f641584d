import Foundation

/// A bearer token and when to stop using it.
public struct AccessToken: Sendable, Equatable {
  public let value: Secret
  /// Unix milliseconds after which the service refuses the token.
  public let expiresAt: Int64
  /// Unix milliseconds after which the cache fetches a new one: 5 minutes before expiry, or half
  /// the lifetime for short-lived tokens.
  public let refreshAt: Int64

  public init(value: Secret, expiresAt: Int64, issuedAt: Int64) {
    self.value = value
    self.expiresAt = expiresAt
    let lifetime = max(0, expiresAt - issuedAt)
    refreshAt = expiresAt - min(300_000, lifetime / 2)
  }

  /// Parses a token endpoint's JSON (Entra v2.0: integer `expires_in`; IMDS: string `expires_in`).
  static func parse(_ body: [UInt8], now: Int64) -> AccessToken? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
      let token = object["access_token"] as? String, !token.isEmpty
    else { return nil }
    let seconds: Int64? =
      switch object["expires_in"] {
      case let n as NSNumber: n.int64Value
      case let s as String: Int64(s)
      default: nil
      }
    guard let seconds, seconds > 0 else { return nil }
    return AccessToken(value: Secret(token), expiresAt: now + seconds * 1000, issuedAt: now)
  }
}

/// `application/x-www-form-urlencoded` encoding (RFC 3986 unreserved characters kept).
enum FormEncoding {
  static func encode(_ pairs: [(String, String)]) -> String {
    pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
  }

  static func escape(_ s: String) -> String {
    var out = ""
    for byte in s.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
        UInt8(ascii: "~"):
        out.unicodeScalars.append(Unicode.Scalar(byte))
      default:
        let hex = Array("0123456789ABCDEF".unicodeScalars)
        out.unicodeScalars.append("%")
        out.unicodeScalars.append(hex[Int(byte >> 4)])
        out.unicodeScalars.append(hex[Int(byte & 15)])
      }
    }
    return out
  }
}
