import Foundation

// The EmbedResources plugin's worker: `EmbedResourcesTool migrations OUTPUT DIRECTORY` (every
// *.sql file in DIRECTORY) or `EmbedResourcesTool connector OUTPUT FILE...` writes OUTPUT, a Swift
// file holding each file's text exactly (as an escaped string literal,
// so no byte of the file can end or change the literal).

/// `text` as a Swift string literal that evaluates to exactly `text`.
func literal(_ text: String) -> String {
  var out = "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\\": out += "\\\\"
    case "\"": out += "\\\""
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case " "..."~": out.unicodeScalars.append(scalar)
    default: out += "\\u{\(String(scalar.value, radix: 16))}"
    }
  }
  return out + "\""
}

/// Stops the build with `message` (the plugin shows it as the command's error).
func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("error: \(message)\n".utf8))
  exit(1)
}

func read(_ path: String) -> String {
  guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
    fail("cannot read \(path) as UTF-8")
  }
  return text
}

func migrations(_ paths: [String]) -> String {
  var entries: [String] = []
  for path in paths.sorted() {
    let fileName = URL(fileURLWithPath: path).lastPathComponent
    let parts = fileName.dropLast(".sql".count).split(separator: "_", maxSplits: 1)
    guard fileName.hasSuffix(".sql"), parts.count == 2, parts[0].count == 4, let version = Int(parts[0]),
      parts[1].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
    else { fail("Migrations/\(fileName): name must look like 0001_init.sql") }
    entries.append(
      "    EmbeddedMigration(\n      version: \(version), name: \"\(parts[1])\", fileName: \"\(fileName)\",\n"
        + "      sql: \(literal(read(path)))),")
  }
  return "// Generated at build time by the EmbedResources plugin from Migrations/*.sql. Do not edit.\n\n"
    + "extension EmbeddedMigration {\n  /// Every migration in Migrations/, in order, as compiled into this binary.\n"
    + "  public static let all: [EmbeddedMigration] = [\n" + entries.joined(separator: "\n") + "\n  ]\n}\n"
}

func connector(_ paths: [String]) -> String {
  let names = ["DCR.json": "dcr", "table.json": "table"]
  let parts = paths.map { path in
    let fileName = URL(fileURLWithPath: path).lastPathComponent
    guard let name = names[fileName] else { fail("unexpected connector file \(fileName)") }
    return "  /// `Connector/\(fileName)` as compiled into this binary.\n  public static let \(name) = \(literal(read(path)))"
  }
  return "// Generated at build time by the EmbedResources plugin from Connector/. Do not edit.\n\n"
    + "/// The connector files the binary needs at run time (stream columns, table, transform).\n"
    + "public enum EmbeddedConnector {\n" + parts.joined(separator: "\n\n") + "\n}\n"
}

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 2 else { fail("usage: EmbedResourcesTool migrations OUTPUT DIRECTORY | connector OUTPUT FILE...") }
let (kind, output, inputs) = (arguments.first!, arguments.dropFirst().first!, Array(arguments.dropFirst(2)))
let source: String
switch kind {
case "migrations":
  guard inputs.count == 1, let names = try? FileManager.default.contentsOfDirectory(atPath: inputs[0]) else {
    fail("migrations needs one readable directory")
  }
  source = migrations(names.filter { $0.hasSuffix(".sql") }.map { inputs[0] + "/" + $0 })
case "connector": source = connector(inputs)
default: fail("unknown kind \(kind)")
}
// Rewrite only on change, so an unchanged file does not recompile its module.
if FileManager.default.contents(atPath: output) != Data(source.utf8) {
  guard FileManager.default.createFile(atPath: output, contents: Data(source.utf8)) else { fail("cannot write \(output)") }
}
