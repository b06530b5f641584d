#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The order in which a body's rows are written so that gzip finds long matches.
///
/// Deflate only matches within its last 32 KiB, about a hundred rows: rows written in id order
/// rarely repeat their long strings that close together. Ordered by one member's value (the
/// title, as a rule), rows with the same or similar value sit side by side, and the compressor
/// both spends less time searching and writes fewer bytes (measured in docs/benchmarks.md). The
/// service gives the order of rows in a request no meaning; acknowledgements and bisection use
/// the rows as claimed, never this order.
public struct CompressionOrder: Sendable {
  /// `"name":"`, the bytes in front of the member's value in a canonical row.
  private let memberPrefix: [UInt8]

  /// Orders rows by the string value of the member `name` (rows without it come first).
  public init(member name: String) {
    memberPrefix = Array("\"\(name)\":\"".utf8)
  }

  /// By `VulnTitle`: the order a drain writes its bodies in.
  public static let byTitle = CompressionOrder(member: "VulnTitle")

  /// The indices of `payloads` in writing order: by the first three bytes of the member's value,
  /// then by a hash of the whole value (equal values adjacent), then by position.
  public func indices(of payloads: some RandomAccessCollection<[UInt8]>) -> [Int] {
    // Up to 65,536 rows (every body a drain sends), the position rides in the low 16 bits of a
    // 48-bit key, so a plain integer sort is stable; larger inputs sort pairs.
    guard payloads.count <= 1 << 16 else {
      return payloads.enumerated().map { (key: sortKey($0.element), index: $0.offset) }
        .sorted { $0.key != $1.key ? $0.key < $1.key : $0.index < $1.index }.map(\.index)
    }
    var keyed: [UInt64] = []
    keyed.reserveCapacity(payloads.count)
    for (index, payload) in payloads.enumerated() {
      keyed.append(sortKey(payload) | UInt64(index))
    }
    keyed.sort()
    return keyed.map { Int($0 & 0xFFFF) }
  }

  /// The value's first three bytes (big-endian, so their order is the bytes' order), then a
  /// 24-bit FNV-1a hash of the value up to its closing quote, in the top 48 bits; 0 when the
  /// member is absent.
  func sortKey(_ payload: [UInt8]) -> UInt64 {
    payload.withUnsafeBufferPointer { bytes -> UInt64 in
      guard let start = valueStart(in: bytes) else { return 0 }
      var prefix: UInt64 = 0
      var hash: UInt32 = 2_166_136_261
      var position = start
      while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
        let byte = bytes[position]
        if position - start < 3 { prefix |= UInt64(byte) << (56 - 8 * UInt64(position - start)) }
        hash = (hash ^ UInt32(byte)) &* 16_777_619
        // An escaped byte (\" or \\) is part of the value, never its end.
        if byte == UInt8(ascii: "\\"), position + 1 < bytes.count {
          position += 1
          hash = (hash ^ UInt32(bytes[position])) &* 16_777_619
        }
        position += 1
      }
      return prefix | UInt64(hash & 0xFF_FFFF) << 16
    }
  }

  /// Where the member's value begins: just after the first `"name":"` in the row.
  private func valueStart(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    guard let base = bytes.baseAddress else { return nil }
    return memberPrefix.withUnsafeBufferPointer { needle -> Int? in
      guard let needleBase = needle.baseAddress else { return nil }
      var position = 0
      while bytes.count - position >= needle.count {
        // memchr finds each candidate quote; memcmp checks the name behind it.
        guard let quote = memchr(base + position, Int32(needle[0]), bytes.count - position) else { return nil }
        position = base.distance(to: quote.assumingMemoryBound(to: UInt8.self))
        guard bytes.count - position >= needle.count else { return nil }
        if memcmp(base + position, needleBase, needle.count) == 0 { return position + needle.count }
        position += 1
      }
      return nil
    }
  }
}
