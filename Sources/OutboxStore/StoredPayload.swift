import Findings
import SQLite

/// How a finding is laid out in `finding_content` (schema version 4).
///
/// The natural key lives in its own three columns and is looked up through `key_hash`, a 64-bit
/// FNV-1a hash of the key: an 8-byte INTEGER index entry instead of ~50 bytes of text. The
/// payload column holds the canonical row without its three key members, so the key is stored
/// once; ``wireForm(vulnId:machineName:lastModified:stored:)`` puts them back, in front.
enum StoredPayload {
  /// The key hash of `vulnId`, `machineName`, `lastModified` (each UTF-8, NUL-separated).
  /// Different keys may share a hash: lookups always compare the key columns too.
  static func keyHash(vulnId: String, machineName: String, lastModified: String) -> Int64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ text: String) {
      for byte in text.utf8 {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
      }
      hash = (hash ^ 0) &* 0x0000_0100_0000_01B3
    }
    mix(vulnId)
    mix(machineName)
    mix(lastModified)
    return Int64(bitPattern: hash)
  }

  /// The first 8 bytes of the SHA-256 of the whole canonical row: equal content, equal hash.
  static func contentHash(_ finding: ValidFinding) -> [UInt8] { Array(finding.contentHash.prefix(8)) }

  /// `finding.payload` without its `VulnId`, `MachineName` and `LastModified` members.
  ///
  /// The canonical writer emits members in stream order, so VulnId opens the object and the
  /// other two each follow a comma; a structural `,"Name":` cannot occur inside a string value,
  /// where every quote is escaped.
  static func storedForm(of finding: ValidFinding) -> [UInt8] {
    var bytes = finding.payload
    for (name, value) in [
      ("LastModified", finding.lastModified), ("MachineName", finding.machineName), ("VulnId", finding.vulnId),
    ] {
      remove(member(name, value), from: &bytes)
    }
    return bytes
  }

  /// The row as sent: the key members, then the stored members. Reads the columns in place
  /// (one allocation per row: the drain's claim builds a million of these).
  static func wireForm(
    vulnId: UnsafeRawBufferPointer, machineName: UnsafeRawBufferPointer, lastModified: UnsafeRawBufferPointer,
    stored: UnsafeRawBufferPointer
  ) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(stored.count + vulnId.count + machineName.count + lastModified.count + 48)
    bytes.append(contentsOf: #"{"VulnId":"#.utf8)
    appendQuoted(vulnId, to: &bytes)
    bytes.append(contentsOf: #","MachineName":"#.utf8)
    appendQuoted(machineName, to: &bytes)
    bytes.append(contentsOf: #","LastModified":"#.utf8)
    appendQuoted(lastModified, to: &bytes)
    if stored.count > 2 {
      bytes.append(UInt8(ascii: ","))
      bytes.append(contentsOf: stored[1...])
    } else {
      bytes.append(UInt8(ascii: "}"))
    }
    return bytes
  }

  /// UTF-8 `text` as a JSON string, escaped as the canonical writer escapes it (which it does
  /// itself when anything needs escaping).
  private static func appendQuoted(_ text: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
    let plain = text.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    guard plain else {
      var writer = CanonicalJSONWriter(capacity: text.count + 8)
      writer.writeString(String(decoding: text, as: UTF8.self))
      return bytes.append(contentsOf: writer.bytes)
    }
    bytes.append(UInt8(ascii: "\""))
    bytes.append(contentsOf: text)
    bytes.append(UInt8(ascii: "\""))
  }

  private static func appendQuoted(_ text: String, to bytes: inout [UInt8]) {
    var text = text
    text.withUTF8 { appendQuoted(UnsafeRawBufferPointer($0), to: &bytes) }
  }

  /// `"name":"value"` exactly as the canonical writer spells it.
  private static func member(_ name: String, _ value: String) -> [UInt8] {
    var bytes: [UInt8] = []
    appendQuoted(name, to: &bytes)
    bytes.append(UInt8(ascii: ":"))
    appendQuoted(value, to: &bytes)
    return bytes
  }

  /// Removes `member` and the comma that joins it to its neighbour.
  private static func remove(_ member: [UInt8], from bytes: inout [UInt8]) {
    guard let start = firstIndex(of: member, in: bytes) else {
      preconditionFailure("canonical payload lacks a key member its finding has")
    }
    let end = start + member.count
    if start > 0, bytes[start - 1] == UInt8(ascii: ",") {
      bytes.removeSubrange((start - 1)..<end)
    } else if end < bytes.count, bytes[end] == UInt8(ascii: ",") {
      bytes.removeSubrange(start...end)
    } else {
      bytes.removeSubrange(start..<end)
    }
  }

  /// Where `needle` starts in `haystack` as a member: right after `{` or `,`.
  private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard needle.count <= haystack.count, let first = needle.first else { return nil }
    var index = 1
    while index + needle.count <= haystack.count {
      let before = haystack[index - 1]
      if haystack[index] == first, before == UInt8(ascii: ",") || before == UInt8(ascii: "{"),
        haystack[index..<(index + needle.count)].elementsEqual(needle)
      {
        return index
      }
      index += 1
    }
    return nil
  }
}

extension Connection {
  /// Defines `cvebuster_key_hash(vuln_id, machine_name, last_modified)` on this connection, for
  /// the migration that fills `key_hash`. (The sqlite3 shell does not have it.)
  func defineKeyHashFunction() throws(SQLiteError) {
    try defineIntegerFunction("cvebuster_key_hash", argumentCount: 3) { texts in
      StoredPayload.keyHash(vulnId: texts[0], machineName: texts[1], lastModified: texts[2])
    }
  }
}
