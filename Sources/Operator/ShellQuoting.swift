/// Quoting for POSIX `sh` command lines (printed commands and crontab lines).
public enum ShellQuoting {
  /// `value` as one shell word: unchanged when it only holds safe characters, otherwise in
  /// single quotes (a `'` inside becomes `'\''`).
  public static func quote(_ value: String) -> String {
    let safe =
      !value.isEmpty
      && value.unicodeScalars.allSatisfy {
        ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "_./:=@+,-".unicodeScalars.contains($0)
      }
    if safe { return value }
    return "'" + value.replacingAll("'", with: "'\\''") + "'"
  }
}
