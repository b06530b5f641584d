import Foundation

/// A fresh directory under the system temp dir, removed when the value is dropped.
final class TemporaryDirectory {
  let path: String

  init() {
    path = NSTemporaryDirectory() + "ingestion-tests-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `text` to `name` with permissions `mode` and returns the full path.
  @discardableResult
  func write(_ name: String, _ text: String, mode: Int = 0o600) -> String {
    let file = path + "/" + name
    _ = FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
    _ = chmod(file, mode_t(mode))
    return file
  }
}

/// A seeded generator (SplitMix64) so randomized tests replay.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
