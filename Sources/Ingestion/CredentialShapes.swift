/// Masks text that is a credential by its shape, whatever its value: URL userinfo passwords,
/// `Bearer` tokens, JWTs and `key=value` / `"key":"value"` pairs of credential keys.
///
/// Works on bytes in one pass per rule, so scrubbing a large `inspect --json` output stays cheap;
/// it requires a `=` or `:` after a key, so prose that names a key is not mangled.
enum CredentialShapes {
  static let keys = [
    "client_secret", "client_assertion", "access_token", "refresh_token", "id_token", "application_secret",
  ].map { Array($0.utf8) }

  static func mask(_ text: String) -> String {
    var bytes = Array(text.utf8)
    var changed = false
    if contains(bytes, "://") { changed = maskUserinfo(&bytes) || changed }
    if containsFolded(bytes, "bearer") { changed = maskBearer(&bytes) || changed }
    if containsAnyKey(bytes) { changed = maskPairs(&bytes) || changed }
    let out = changed ? String(decoding: bytes, as: UTF8.self) : text
    return out.contains("eyJ") ? Redactor.maskJWTs(out) : out
  }

  private static let redacted = Array("<redacted>".utf8)

  private static func isTokenByte(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
      UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "-"), UInt8(ascii: "%"):
      true
    default: b >= 0x80
    }
  }

  private static func isIdentifierByte(_ b: UInt8) -> Bool {
    (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") || (b >= 0x30 && b <= 0x39)
      || b == UInt8(ascii: "_")
  }

  private static func fold(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

  private static func matches(_ bytes: [UInt8], _ word: [UInt8], at i: Int) -> Bool {
    guard i + word.count <= bytes.count else { return false }
    for k in 0..<word.count where fold(bytes[i + k]) != word[k] { return false }
    return true
  }

  private static func contains(_ bytes: [UInt8], _ word: String) -> Bool {
    let w = Array(word.utf8)
    guard bytes.count >= w.count else { return false }
    for i in 0...(bytes.count - w.count) where bytes[i] == w[0] && matches(bytes, w, at: i) { return true }
    return false
  }

  private static func containsFolded(_ bytes: [UInt8], _ word: String) -> Bool {
    let w = Array(word.utf8)
    guard bytes.count >= w.count else { return false }
    for i in 0...(bytes.count - w.count) where fold(bytes[i]) == w[0] && matches(bytes, w, at: i) { return true }
    return false
  }

  private static func containsAnyKey(_ bytes: [UInt8]) -> Bool {
    for i in bytes.indices where bytes[i] == UInt8(ascii: "_") {
      for key in keys {
        // Every key has an underscore; look back from it for the key's start.
        guard let underscore = key.firstIndex(of: UInt8(ascii: "_")), i >= underscore else { continue }
        if matches(bytes, key, at: i - underscore) { return true }
      }
    }
    return false
  }

  /// `scheme://user:password@host` → `scheme://user:<redacted>@host`.
  private static func maskUserinfo(_ bytes: inout [UInt8]) -> Bool {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    var changed = false
    while i < bytes.count {
      guard i + 3 <= bytes.count, bytes[i] == UInt8(ascii: ":"), bytes[i + 1] == UInt8(ascii: "/"),
        bytes[i + 2] == UInt8(ascii: "/")
      else {
        out.append(bytes[i])
        i += 1
        continue
      }
      out.append(contentsOf: bytes[i..<i + 3])
      i += 3
      var end = i
      while end < bytes.count, !" \t\r\n/?#\"'<>".utf8.contains(bytes[end]) { end += 1 }
      if let at = bytes[i..<end].lastIndex(of: UInt8(ascii: "@")),
        let colon = bytes[i..<at].firstIndex(of: UInt8(ascii: ":")), colon + 1 < at
      {
        out.append(contentsOf: bytes[i...colon])
        out.append(contentsOf: redacted)
        out.append(contentsOf: bytes[at..<end])
        changed = true
      } else {
        out.append(contentsOf: bytes[i..<end])
      }
      i = end
    }
    if changed { bytes = out }
    return changed
  }

  /// `Bearer <token>` where the token is 8 or more token characters.
  private static func maskBearer(_ bytes: inout [UInt8]) -> Bool {
    let word = Array("bearer".utf8)
    var out: [UInt8] = []
    var i = 0
    var changed = false
    while i < bytes.count {
      guard matches(bytes, word, at: i), i == 0 || !isIdentifierByte(bytes[i - 1]) else {
        out.append(bytes[i])
        i += 1
        continue
      }
      var j = i + word.count
      var spaces = 0
      while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 {
        j += 1
        spaces += 1
      }
      var end = j
      while end < bytes.count, isTokenByte(bytes[end]) { end += 1 }
      out.append(contentsOf: bytes[i..<j])
      if spaces > 0, end - j >= 8 {
        out.append(contentsOf: redacted)
        changed = true
      } else {
        out.append(contentsOf: bytes[j..<end])
      }
      i = max(end, i + 1)
    }
    if changed { bytes = out }
    return changed
  }

  /// `client_secret=…`, `"access_token": "…"`, `application_secret: …` → value masked.
  private static func maskPairs(_ bytes: inout [UInt8]) -> Bool {
    var out: [UInt8] = []
    var i = 0
    var changed = false
    outer: while i < bytes.count {
      if i == 0 || !isIdentifierByte(bytes[i - 1]) {
        for key in keys where matches(bytes, key, at: i) {
          var j = i + key.count
          if j < bytes.count, isIdentifierByte(bytes[j]) { continue }
          if j < bytes.count, bytes[j] == UInt8(ascii: "\"") || bytes[j] == UInt8(ascii: "'") { j += 1 }
          while j < bytes.count, bytes[j] == 0x20 { j += 1 }
          guard j < bytes.count, bytes[j] == UInt8(ascii: "=") || bytes[j] == UInt8(ascii: ":") else { continue }
          j += 1
          while j < bytes.count, bytes[j] == 0x20 { j += 1 }
          if j < bytes.count, bytes[j] == UInt8(ascii: "\"") || bytes[j] == UInt8(ascii: "'") { j += 1 }
          var end = j
          while end < bytes.count, !"\"'&,} \r\n\t".utf8.contains(bytes[end]) { end += 1 }
          out.append(contentsOf: bytes[i..<j])
          if end - j > 1, bytes[j] != UInt8(ascii: "<") {
            out.append(contentsOf: redacted)
            changed = true
          } else {
            out.append(contentsOf: bytes[j..<end])
          }
          i = end
          continue outer
        }
      }
      out.append(bytes[i])
      i += 1
    }
    if changed { bytes = out }
    return changed
  }
}
