/// Counts the elements of a top-level JSON array without building them (the `--sink` mode).
///
/// It tracks nesting and strings only; it does not validate the JSON. Returns nil when the
/// body does not start with `[` (the service drops such bodies after answering 204).
enum JSONArrayCounter {
  static func countElements(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    var index = 0
    let count = bytes.count
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }
    while index < count, isSpace(bytes[index]) { index += 1 }
    guard index < count, bytes[index] == UInt8(ascii: "[") else { return nil }
    index += 1
    var depth = 1
    var elements = 0
    var sawValue = false
    while index < count {
      let byte = bytes[index]
      index += 1
      switch byte {
      case UInt8(ascii: "\""):
        if depth == 1 { sawValue = true }
        while index < count {
          let inner = bytes[index]
          index += 1
          if inner == UInt8(ascii: "\\") { index += 1 } else if inner == UInt8(ascii: "\"") { break }
        }
      case UInt8(ascii: "["), UInt8(ascii: "{"):
        if depth == 1 { sawValue = true }
        depth += 1
      case UInt8(ascii: "]"), UInt8(ascii: "}"):
        depth -= 1
        if depth == 0 { return sawValue ? elements + 1 : 0 }
      case UInt8(ascii: ","):
        if depth == 1 { elements += 1 }
      default:
        if depth == 1, !isSpace(byte) { sawValue = true }
      }
    }
    return sawValue ? elements + 1 : 0
  }
}
