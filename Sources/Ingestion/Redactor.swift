/// Removes credentials from text that came from outside (service error bodies, curl messages)
/// before it reaches a log line or an error message.
///
/// Two layers: every registered secret value is replaced wherever it occurs, and well-known
/// credential shapes (`client_secret=…`, `access_token":"…"`, `Bearer …`, JWTs) are masked even
/// when their value was never registered.
public struct Redactor: Sendable {
  private var values: [String]

  /// A redactor that knows `secrets` (empty ones are ignored).
  public init(secrets: [Secret] = []) {
    values = secrets.map(\.revealed).filter { $0.count >= 4 }
  }

  /// Adds one more value to mask.
  public mutating func add(_ secret: Secret) {
    let value = secret.revealed
    if value.count >= 4, !values.contains(value) { values.append(value) }
  }

  /// `text` with every known secret and credential-shaped value replaced by `<redacted>`.
  public func redact(_ text: String) -> String {
    var out = text
    for value in values + SecretRedactor.registeredValues where out.contains(value) {
      out = out.replacingAll(value, with: "<redacted>")
    }
    return Self.maskShapes(out)
  }

  /// Masks `key=value` / `"key":"value"` pairs for credential keys, bearer tokens and JWT-looking words.
  static func maskShapes(_ text: String) -> String {
    let keys = ["client_secret", "client_assertion", "access_token", "refresh_token", "application_secret", "id_token"]
    var chars = Array(text.unicodeScalars)
    var result = String.UnicodeScalarView()
    var i = 0
    func matches(_ word: String, at index: Int) -> Bool {
      let w = Array(word.unicodeScalars)
      guard index + w.count <= chars.count else { return false }
      for k in 0..<w.count where Character(chars[index + k]).lowercased() != Character(w[k]).lowercased() {
        return false
      }
      return true
    }
    while i < chars.count {
      var matched: String? = nil
      for key in keys + ["Bearer "] where matches(key, at: i) {
        matched = key
        break
      }
      guard let key = matched else {
        result.append(chars[i])
        i += 1
        continue
      }
      for s in key.unicodeScalars { result.append(s) }
      i += key.unicodeScalars.count
      // Copy separators (`=`, `":"`, spaces), then swallow the value up to a delimiter.
      while i < chars.count, "\"': =".unicodeScalars.contains(chars[i]) {
        result.append(chars[i])
        i += 1
      }
      var swallowed = 0
      while i < chars.count, !"\"'&,} \r\n\t".unicodeScalars.contains(chars[i]) {
        i += 1
        swallowed += 1
      }
      if swallowed > 0 { result.append(contentsOf: "<redacted>".unicodeScalars) }
    }
    chars = []
    return maskJWTs(String(result))
  }

  /// Replaces words of the form `eyJ….….…` (a JWT) with `<redacted-jwt>`.
  static func maskJWTs(_ text: String) -> String {
    guard text.contains("eyJ") else { return text }
    var out = ""
    var rest = Substring(text)
    while let range = rest.firstRange(of: "eyJ") {
      out += rest[..<range.lowerBound]
      var end = range.lowerBound
      var dots = 0
      while end < rest.endIndex {
        let c = rest[end]
        if c == "." { dots += 1 } else if !(c.isLetter || c.isNumber || c == "-" || c == "_") { break }
        end = rest.index(after: end)
      }
      out += dots >= 2 ? "<redacted-jwt>" : String(rest[range.lowerBound..<end])
      rest = rest[end...]
    }
    return out + rest
  }
}

extension String {
  /// Replaces every occurrence of `target` (non-empty) with `replacement`, without Foundation.
  func replacingAll(_ target: String, with replacement: String) -> String {
    guard !target.isEmpty else { return self }
    var out = ""
    var rest = Substring(self)
    while let range = rest.firstRange(of: target) {
      out += rest[..<range.lowerBound]
      out += replacement
      rest = rest[range.upperBound...]
    }
    return out + rest
  }
}
