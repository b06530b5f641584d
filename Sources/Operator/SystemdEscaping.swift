/// Writing values into systemd unit files safely (systemd.syntax(7), systemd.service(7)
/// "Command lines", systemd.unit(7) "Specifiers").
enum SystemdEscaping {
  /// A value where specifiers expand: `%` doubled. Control characters are refused earlier.
  static func specifierSafe(_ value: String) -> String {
    value.replacingAll("%", with: "%%")
  }

  /// One `ExecStart=` argument: specifiers and `$` escaped; quoted with C-style escapes when it
  /// holds whitespace, quotes, backslashes or `;`, so it stays one argument.
  static func execArgument(_ value: String) -> String {
    let escaped = specifierSafe(value).replacingAll("$", with: "$$")
    let needsQuotes = escaped.isEmpty || escaped.contains { " \t\"'\\;".contains($0) }
    guard needsQuotes else { return escaped }
    return "\"" + escaped.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
  }

  /// An absolute path that can go into a unit file: no control characters, no `..` tricks.
  ///
  /// - Throws: `ScheduleError` naming `option` when the path is relative or unprintable.
  static func checkedPath(_ path: String, option: String) throws(ScheduleError) -> String {
    guard path.hasPrefix("/") else {
      throw ScheduleError("\(option) \(path) must be an absolute path (systemd and cron do not run in your directory)")
    }
    guard path.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
      throw ScheduleError("\(option) \(path.debugDescription) contains control characters")
    }
    return path
  }
}

extension String {
  func replacingAll(_ target: Character, with replacement: String) -> String {
    var result = ""
    result.reserveCapacity(count)
    for character in self {
      if character == target { result += replacement } else { result.append(character) }
    }
    return result
  }
}
