/// Parses one JSON value (RFC 8259) from UTF-8 bytes, strictly: no NaN or Infinity, no comments,
/// no trailing commas, no control characters or invalid UTF-8 in strings, no lone surrogate
/// escapes, and nothing but whitespace after the value. Duplicate member names, the nesting limit
/// and a leading byte order mark follow `Options` (by default: duplicates refused, 64 levels, no BOM).
public struct JSONParser {
  /// What a caller may relax; the defaults are enqueue's validation rules.
  public struct Options: Sendable {
    /// Deeper nesting than this is refused rather than risking the stack.
    public var maximumDepth: Int
    /// Whether an object naming the same member twice is an error (otherwise all are kept, in order).
    public var rejectsDuplicateNames: Bool
    /// Whether a UTF-8 byte order mark (EF BB BF) before the value is skipped.
    public var skipsByteOrderMark: Bool

    public init(maximumDepth: Int = JSONParser.maximumDepth, rejectsDuplicateNames: Bool = true, skipsByteOrderMark: Bool = false) {
      self.maximumDepth = maximumDepth
      self.rejectsDuplicateNames = rejectsDuplicateNames
      self.skipsByteOrderMark = skipsByteOrderMark
    }
  }

  /// The default nesting limit (enqueue's records are flat; 64 levels is generous).
  public static let maximumDepth = 64

  private let bytes: UnsafeBufferPointer<UInt8>
  private let options: Options
  private var index = 0
  private var depth = 0
  private var scratch: [UInt8] = []

  /// Parses `bytes` as exactly one JSON value.
  public static func parse(_ bytes: [UInt8], options: Options = Options()) throws(JSONSyntaxError) -> JSONValue {
    try bytes.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) -> JSONValue in
      try parse(buffer, options: options)
    }
  }

  /// Parses any byte collection (copied into an array first).
  public static func parse(_ bytes: some Collection<UInt8>, options: Options = Options()) throws(JSONSyntaxError) -> JSONValue {
    try parse(Array(bytes), options: options)
  }

  /// Parses `buffer` as exactly one JSON value, without copying it.
  public static func parse(_ buffer: UnsafeBufferPointer<UInt8>, options: Options = Options()) throws(JSONSyntaxError) -> JSONValue {
    var parser = JSONParser(bytes: buffer, options: options)
    return try parser.parseDocument()
  }

  private init(bytes: UnsafeBufferPointer<UInt8>, options: Options) {
    self.bytes = bytes
    self.options = options
  }

  private mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
    if options.skipsByteOrderMark, bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
    skipWhitespace()
    guard index < bytes.count else { throw fail("no value (the record is empty)") }
    let value = try parseValue()
    skipWhitespace()
    if index < bytes.count { throw fail("unexpected \(describe(bytes[index])) after the end of the value") }
    return value
  }

  private func fail(_ reason: String, at offset: Int? = nil) -> JSONSyntaxError {
    let offset = offset ?? index
    // Line and column (in characters) of the offset; counted only on failure.
    var line = 1
    var column = 1
    for byte in UnsafeBufferPointer(rebasing: bytes[..<min(offset, bytes.count)]) {
      if byte == 0x0A {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
    }
    return JSONSyntaxError(offset: offset, line: line, column: column, reason: reason)
  }

  private func describe(_ byte: UInt8) -> String {
    if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
    return "byte 0x" + String(byte, radix: 16, uppercase: true)
  }

  private mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D: index += 1
      default: return
      }
    }
  }

  private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
    guard index < bytes.count else { throw fail("unexpected end of record (truncated?)") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"):
      try expectLiteral("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try expectLiteral("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try expectLiteral("null")
      return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
    case UInt8(ascii: "N"), UInt8(ascii: "I"):
      throw fail("NaN and Infinity are not JSON numbers")
    case let byte: throw fail("unexpected \(describe(byte))")
    }
  }

  private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
    let start = index
    let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
    for byte in expected {
      guard index < bytes.count, bytes[index] == byte else {
        throw fail("expected \(literal)", at: start)
      }
      index += 1
    }
  }

  private mutating func enter() throws(JSONSyntaxError) {
    depth += 1
    if depth > options.maximumDepth { throw fail("nested deeper than \(options.maximumDepth) levels") }
  }

  private mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    index += 1
    var members: [JSONMember] = []
    // Findings have a dozen members: a linear scan beats hashing until objects get large.
    var names = Set<String>()
    skipWhitespace()
    if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
      index += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard index < bytes.count else { throw fail("unexpected end of record inside an object (truncated?)") }
      guard bytes[index] == UInt8(ascii: "\"") else {
        throw fail("expected a member name in double quotes, found \(describe(bytes[index]))")
      }
      let nameOffset = index
      let name = try parseString()
      if options.rejectsDuplicateNames {
        let duplicate: Bool
        if members.count < 32 {
          duplicate = members.contains { $0.name == name }
        } else {
          if names.isEmpty { names = Set(members.map(\.name)) }
          duplicate = !names.insert(name).inserted
        }
        if duplicate { throw fail("duplicate member \"\(name)\"", at: nameOffset) }
      }
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after \"\(name)\"") }
      index += 1
      skipWhitespace()
      members.append(JSONMember(name: name, value: try parseValue()))
      skipWhitespace()
      guard index < bytes.count else { throw fail("unexpected end of record inside an object (truncated?)") }
      switch bytes[index] {
      case UInt8(ascii: ","): index += 1
      case UInt8(ascii: "}"):
        index += 1
        return .object(members)
      case let byte: throw fail("expected ',' or '}' in an object, found \(describe(byte))")
      }
    }
  }

  private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    index += 1
    var elements: [JSONValue] = []
    skipWhitespace()
    if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
      index += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue())
      skipWhitespace()
      guard index < bytes.count else { throw fail("unexpected end of record inside an array (truncated?)") }
      switch bytes[index] {
      case UInt8(ascii: ","): index += 1
      case UInt8(ascii: "]"):
        index += 1
        return .array(elements)
      case let byte: throw fail("expected ',' or ']' in an array, found \(describe(byte))")
      }
    }
  }

  private mutating func parseNumber() throws(JSONSyntaxError) -> String {
    let start = index
    func digits(_ parser: inout JSONParser) -> Int {
      let begin = parser.index
      while parser.index < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) {
        parser.index += 1
      }
      return parser.index - begin
    }
    if bytes[index] == UInt8(ascii: "-") { index += 1 }
    guard index < bytes.count else { throw fail("a number needs digits", at: start) }
    if bytes[index] == UInt8(ascii: "0") {
      index += 1
      if index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
        throw fail("numbers must not have leading zeros", at: start)
      }
    } else if digits(&self) == 0 {
      throw fail("a number needs digits", at: start)
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      if digits(&self) == 0 { throw fail("a decimal point must be followed by digits", at: start) }
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
      index += 1
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
      if digits(&self) == 0 { throw fail("an exponent needs digits", at: start) }
    }
    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
  }

  private mutating func parseString() throws(JSONSyntaxError) -> String {
    let start = index
    index += 1
    let contentStart = index
    // Fast path: no escapes. ASCII needs no UTF-8 validation (the generic validating
    // initialiser costs a runtime metadata lookup per call).
    var highBits: UInt8 = 0
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        let content = UnsafeBufferPointer(rebasing: bytes[contentStart..<index])
        index += 1
        if highBits & 0x80 == 0 { return String(decoding: content, as: UTF8.self) }
        guard let string = String(validating: content, as: UTF8.self) else {
          throw fail("string is not valid UTF-8", at: start)
        }
        return string
      }
      highBits |= byte
      if byte == UInt8(ascii: "\\") { break }
      if byte < 0x20 { throw fail("control character 0x\(String(byte, radix: 16)) inside a string (escape it)") }
      index += 1
    }
    guard index < bytes.count else { throw fail("unterminated string (truncated?)", at: start) }
    scratch.removeAll(keepingCapacity: true)
    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[contentStart..<index]))
    while index < bytes.count {
      let byte = bytes[index]
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        guard let string = String(validating: scratch, as: UTF8.self) else {
          throw fail("string is not valid UTF-8", at: start)
        }
        return string
      case UInt8(ascii: "\\"):
        index += 1
        guard index < bytes.count else { break }
        try parseEscape()
      case 0..<0x20:
        throw fail("control character 0x\(String(byte, radix: 16)) inside a string (escape it)")
      default:
        scratch.append(byte)
        index += 1
      }
    }
    throw fail("unterminated string (truncated?)", at: start)
  }

  private mutating func parseEscape() throws(JSONSyntaxError) {
    let escapeOffset = index - 1
    let byte = bytes[index]
    index += 1
    switch byte {
    case UInt8(ascii: "\""): scratch.append(0x22)
    case UInt8(ascii: "\\"): scratch.append(0x5C)
    case UInt8(ascii: "/"): scratch.append(0x2F)
    case UInt8(ascii: "b"): scratch.append(0x08)
    case UInt8(ascii: "f"): scratch.append(0x0C)
    case UInt8(ascii: "n"): scratch.append(0x0A)
    case UInt8(ascii: "r"): scratch.append(0x0D)
    case UInt8(ascii: "t"): scratch.append(0x09)
    case UInt8(ascii: "u"):
      var scalar = try parseHex4()
      if (0xD800..<0xDC00).contains(scalar) {
        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
          throw fail("lone UTF-16 surrogate escape", at: escapeOffset)
        }
        index += 2
        let low = try parseHex4()
        guard (0xDC00..<0xE000).contains(low) else { throw fail("lone UTF-16 surrogate escape", at: escapeOffset) }
        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
      } else if (0xDC00..<0xE000).contains(scalar) {
        throw fail("lone UTF-16 surrogate escape", at: escapeOffset)
      }
      scratch.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
    default:
      throw fail("unknown escape \\\(Character(Unicode.Scalar(byte)))", at: escapeOffset)
    }
  }

  private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
    guard index + 4 <= bytes.count else { throw fail("\\u needs four hex digits") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[index]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw fail("\\u needs four hex digits")
      }
      value = value << 4 | UInt32(digit)
      index += 1
    }
    return value
  }
}
