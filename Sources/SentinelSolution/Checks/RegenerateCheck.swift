import Foundation

/// Check 8: regenerates the package from `Connector/` and compares byte for byte with the
/// committed `Package/`, so nothing in Package/ is hand-edited or stale.
enum RegenerateCheck {
  static func run(_ context: CheckContext) -> [CheckFailure] {
    var sink = FailureSink(.regenerate)
    for (path, data) in PackageBuilder(source: context.source).files() {
      guard let committed = FileManager.default.contents(atPath: context.source.root.appendingPathComponent(path).path) else {
        sink.fail(path, "$", "missing: run `cvebuster-outbox connector package`")
        continue
      }
      if committed != data {
        sink.fail(
          path, firstDifference(committed, data),
          "differs from what Connector/ generates: run `cvebuster-outbox connector package` (never edit Package/ by hand)")
      }
    }
    return sink.failures
  }

  /// "line N" of the first differing byte, for text files.
  private static func firstDifference(_ a: Data, _ b: Data) -> String {
    let index = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
    return "line \(a.prefix(index).filter { $0 == 0x0A }.count + 1)"
  }
}
