import Findings

/// `--reject-rows-containing`: a body with a row whose JSON text contains a marker is refused
/// whole with 400, as the service refuses a body for the content of some of its rows.
struct RowRejection: Sendable {
  /// Texts that make a row unacceptable; empty turns the check off.
  let markers: [String]

  /// The 400 answer for a decompressed body, or nil when no row matches (or the body is not a
  /// JSON array, which the later checks answer).
  func check(_ body: [UInt8]) -> EndpointResponse? {
    guard !markers.isEmpty else { return nil }
    let parsed = body.withUnsafeBufferPointer { try? JSONParser.parse($0, options: .ingestionBody) }
    guard case .array(let elements) = parsed else { return nil }
    var matches: [(index: Int, marker: String)] = []
    for (index, element) in elements.enumerated() {
      guard case .object = element else { continue }
      let text = CanonicalJSONWriter.text(element)
      if let marker = markers.first(where: { text.contains($0) }) { matches.append((index, marker)) }
    }
    guard let first = matches.first else { return nil }
    let indexes = matches.prefix(10).map { String($0.index) }.joined(separator: ", ") + (matches.count > 10 ? ", …" : "")
    return IngestionErrors.response(
      400, "InvalidArgument",
      "\(matches.count) of \(elements.count) records are invalid (records \(indexes)); the first contains "
        + "'\(first.marker)', which the emulator was told to reject (--reject-rows-containing). "
        + "Nothing from this request was ingested.")
  }
}
