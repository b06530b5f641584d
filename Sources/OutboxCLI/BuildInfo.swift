/// The version and the git commit `--version` prints.
///
/// `Scripts/package-deb` writes `BuildInfo+Commit.swift` (gitignored) and builds with
/// `-Xswiftc -DCVEBUSTER_BUILD_COMMIT`; a plain `swift build` ignores that file and says
/// "unknown".
enum BuildInfo {
  static let version = "0.2.0"

  #if !CVEBUSTER_BUILD_COMMIT
    static let commit = "unknown"
  #endif

  /// What `cvebuster-outbox --version` prints: `0.2.0 (commit 147ddad)`.
  static var versionLine: String { "\(version) (commit \(commit))" }
}
