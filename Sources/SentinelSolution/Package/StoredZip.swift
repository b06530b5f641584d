import CZlib
import Foundation

/// A deterministic ZIP archive with uncompressed ("stored") entries: fixed timestamp
/// (1980-01-01 00:00, the format's earliest), no extra fields, entries in the order given.
/// The same inputs always give the same bytes.
public enum StoredZip {
  /// One archive member.
  public struct Entry: Sendable, Equatable {
    public let name: String
    public let data: Data
    public init(name: String, data: Data) {
      self.name = name
      self.data = data
    }
  }

  /// Why an archive could not be read.
  public struct ReadError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
  }

  private static let dosTime: UInt16 = 0
  private static let dosDate: UInt16 = (0 << 9) | (1 << 5) | 1  // 1980-01-01

  static func crc(_ data: Data) -> UInt32 {
    data.withUnsafeBytes { raw -> UInt32 in
      UInt32(crc32(0, raw.bindMemory(to: Bytef.self).baseAddress, uInt(raw.count)))
    }
  }

  /// The archive's bytes.
  public static func archive(_ entries: [Entry]) -> Data {
    var out = Data()
    var central = Data()
    func le16(_ v: UInt16, _ d: inout Data) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    func le32(_ v: UInt32, _ d: inout Data) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    for entry in entries {
      let name = Data(entry.name.utf8)
      let crc = crc(entry.data)
      let offset = UInt32(out.count)
      le32(0x0403_4b50, &out)
      le16(20, &out)
      le16(0x0800, &out)
      le16(0, &out)
      le16(dosTime, &out)
      le16(dosDate, &out)
      le32(crc, &out)
      le32(UInt32(entry.data.count), &out)
      le32(UInt32(entry.data.count), &out)
      le16(UInt16(name.count), &out)
      le16(0, &out)
      out.append(name)
      out.append(entry.data)
      le32(0x0201_4b50, &central)
      le16(20, &central)
      le16(20, &central)
      le16(0x0800, &central)
      le16(0, &central)
      le16(dosTime, &central)
      le16(dosDate, &central)
      le32(crc, &central)
      le32(UInt32(entry.data.count), &central)
      le32(UInt32(entry.data.count), &central)
      le16(UInt16(name.count), &central)
      le16(0, &central)
      le16(0, &central)
      le16(0, &central)
      le16(0, &central)
      le32(0o100644 << 16, &central)
      le32(offset, &central)
      central.append(name)
    }
    let centralOffset = UInt32(out.count)
    out.append(central)
    le32(0x0605_4b50, &out)
    le16(0, &out)
    le16(0, &out)
    le16(UInt16(entries.count), &out)
    le16(UInt16(entries.count), &out)
    le32(UInt32(central.count), &out)
    le32(centralOffset, &out)
    le16(0, &out)
    return out
  }

  /// Reads the members of an archive through its central directory. Only stored entries can
  /// be read; a compressed entry (an archive made by another tool) is reported, not guessed.
  public static func read(_ data: Data) throws(ReadError) -> [Entry] {
    let bytes = [UInt8](data)
    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    guard bytes.count >= 22 else { throw ReadError(reason: "too short to be a ZIP archive") }
    guard
      let eocd = stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1)
        .first(where: { u32($0) == 0x0605_4b50 })
    else { throw ReadError(reason: "no end-of-central-directory record: not a ZIP archive") }
    let count = u16(eocd + 10)
    var at = u32(eocd + 16)
    var entries: [Entry] = []
    for _ in 0..<count {
      guard at + 46 <= bytes.count, u32(at) == 0x0201_4b50 else { throw ReadError(reason: "corrupt central directory") }
      let method = u16(at + 10)
      let expected = UInt32(u32(at + 16))
      let size = u32(at + 20)
      let nameLength = u16(at + 28)
      let next = at + 46 + nameLength + u16(at + 30) + u16(at + 32)
      let localOffset = u32(at + 42)
      guard next <= bytes.count, localOffset + 30 <= bytes.count else { throw ReadError(reason: "corrupt central directory") }
      let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
      guard method == 0 else { throw ReadError(reason: "entry \(name) is compressed (method \(method)); only stored entries are compared") }
      let start = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28)
      guard start + size <= bytes.count else { throw ReadError(reason: "entry \(name) runs past the end of the archive") }
      let content = Data(bytes[start..<(start + size)])
      guard crc(content) == expected else { throw ReadError(reason: "entry \(name) fails its CRC-32 check") }
      entries.append(Entry(name: name, data: content))
      at = next
    }
    return entries
  }
}
