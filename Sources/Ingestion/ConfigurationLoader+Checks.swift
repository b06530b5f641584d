import Findings
import Foundation

extension ClientConfiguration {
  /// One warning per key this client does not know, with the nearest known key when one is close.
  public static func unknownKeyWarnings(_ keys: [String], source: String) -> [String] {
    keys.filter { !knownKeys.contains($0) }.sorted().map { key in
      let hint = suggestion(for: key).map { " (did you mean \($0)?)" } ?? ""
      return "\(source): unknown key '\(key)' ignored\(hint)"
    }
  }

  /// The known key nearest to `key` (edit distance at most 3, or the same letters in another case), or nil.
  public static func suggestion(for key: String) -> String? {
    let lowered = key.lowercased()
    if let same = knownKeys.first(where: { $0 == lowered }) { return same }
    let scored = knownKeys.map { ($0, editDistance(lowered, $0)) }.filter { $0.1 <= 3 }
    return scored.min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
  }

  /// Levenshtein distance, with a swap of two neighbouring letters counted as one edit.
  static func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
    var table = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
    for i in 0...x.count { table[i][0] = i }
    for j in 0...y.count { table[0][j] = j }
    for i in 1...x.count {
      for j in 1...y.count {
        let cost = x[i - 1] == y[j - 1] ? 0 : 1
        table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
        if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
          table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
        }
      }
    }
    return table[x.count][y.count]
  }

  /// True for a key whose value must be treated as a secret: `application_secret`, anything
  /// naming a secret or password, or an unknown key close to `application_secret`.
  static func holdsSecret(_ key: String) -> Bool {
    let k = key.lowercased()
    if k == "application_secret_file" { return false }
    if k.contains("secret") || k.contains("password") { return true }
    return !knownKeys.contains(k) && editDistance(k, "application_secret") <= 4
  }

  /// Registers the file's secret values, and the secret file's contents, with ``SecretRedactor``.
  static func registerSecrets(in values: [String: String]) {
    for (key, value) in values where holdsSecret(key) { SecretRedactor.register(value) }
    // The secret file is read properly (with its permission check) later; this only masks it.
    if let file = values["application_secret_file"], !file.isEmpty,
      let data = FileManager.default.contents(atPath: file), data.count <= 64 << 10
    {
      SecretRedactor.register(String(decoding: data, as: UTF8.self))
    }
  }

  /// Why `json` is not a JSON object, with the line and column of a syntax error.
  static func syntaxProblem(_ json: String) -> String {
    do throws(JSONSyntaxError) {
      let value = try JSONParser.parse(Array(json.utf8))
      if case .object = value { return "not a JSON object of strings and numbers" }
      return "not a JSON object (found \(value.kindDescription))"
    } catch {
      return "invalid JSON at line \(error.line), column \(error.column): \(error.reason)"
    }
  }

  /// `0611` for mode bits.
  public static func octal(_ mode: mode_t) -> String {
    "0" + String(mode & 0o777, radix: 8)
  }

  /// What group and others may do, from the mode's bits: "group can execute, others can execute".
  public static func describeSharedBits(_ mode: mode_t) -> String {
    func rights(_ bits: mode_t) -> String? {
      var words: [String] = []
      if bits & 4 != 0 { words.append("read") }
      if bits & 2 != 0 { words.append("write") }
      if bits & 1 != 0 { words.append("execute") }
      return words.isEmpty ? nil : words.joined(separator: "/")
    }
    var parts: [String] = []
    if let group = rights((mode >> 3) & 7) { parts.append("group can \(group)") }
    if let others = rights(mode & 7) { parts.append("others can \(others)") }
    return parts.joined(separator: ", ")
  }

  /// True when `path` lies under `$CREDENTIALS_DIRECTORY` (systemd's `LoadCredential=` copy)
  /// and nobody but its owner and group can read it, and nobody else can write it.
  public static func isSystemdCredential(_ path: String, environment: [String: String]) -> Bool {
    guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty,
      let realDirectory = realPath(directory), let realFile = realPath(path),
      realFile.hasPrefix(realDirectory.hasSuffix("/") ? realDirectory : realDirectory + "/")
    else { return false }
    var info = stat()
    guard stat(realFile, &info) == 0 else { return false }
    return info.st_mode & 0o027 == 0
  }

  private static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}
