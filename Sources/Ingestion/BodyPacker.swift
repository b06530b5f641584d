/// Packs JSON object payloads, in order, into JSON array bodies of at most `maxBytes` uncompressed.
///
/// A body is `[` + payloads joined by `,` + `]`, so its size is `2 + Σ sizes + (n − 1)`.
/// A payload that cannot fit even alone is reported as ``Piece/oversize(index:bytes:)``.
public struct BodyPacker: Sendable {
  /// One planned request, or a row too large to send.
  public enum Piece: Sendable, Equatable {
    /// Payloads `rows` (indices into the input) make one body of `bytes` bytes.
    case body(rows: Range<Int>, bytes: Int)
    /// Payload `index` alone would make a body of `bytes` > maxBytes.
    case oversize(index: Int, bytes: Int)
  }

  /// The largest body, uncompressed.
  public let maxBytes: Int

  public init(maxBytes: Int) {
    precondition(maxBytes >= 3, "a body needs room for [] and one byte")
    self.maxBytes = maxBytes
  }

  /// Greedy plan over payload sizes, keeping input order.
  public func plan(sizes: [Int]) -> [Piece] {
    var pieces: [Piece] = []
    var start = 0
    var bytes = 2
    for (index, size) in sizes.enumerated() {
      if size + 2 > maxBytes {
        if index > start { pieces.append(.body(rows: start..<index, bytes: bytes)) }
        pieces.append(.oversize(index: index, bytes: size + 2))
        start = index + 1
        bytes = 2
        continue
      }
      let added = size + (index > start ? 1 : 0)
      if bytes + added > maxBytes {
        pieces.append(.body(rows: start..<index, bytes: bytes))
        start = index
        bytes = 2 + size
      } else {
        bytes += added
      }
    }
    if sizes.count > start { pieces.append(.body(rows: start..<sizes.count, bytes: bytes)) }
    return pieces
  }

  /// Writes `[p0,p1,…]` into `buffer`, replacing its contents.
  public static func encode(_ payloads: some Collection<[UInt8]>, into buffer: inout [UInt8]) {
    buffer.removeAll(keepingCapacity: true)
    buffer.append(UInt8(ascii: "["))
    var first = true
    for payload in payloads {
      if !first { buffer.append(UInt8(ascii: ",")) }
      buffer.append(contentsOf: payload)
      first = false
    }
    buffer.append(UInt8(ascii: "]"))
  }
}
