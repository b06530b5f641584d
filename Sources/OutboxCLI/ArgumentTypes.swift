import ArgumentParser
import Ingestion
import OutboxStore

/// `--compressor libdeflate|zlib`.
extension CompressorKind: ExpressibleByArgument {}

/// `--row-order title|id`: the order of rows within a request body.
enum RowOrder: String, ExpressibleByArgument, CaseIterable {
  /// By title, so the compressor finds long matches (``CompressionOrder``).
  case title
  /// As claimed (id order), for comparison.
  case id
}

/// `--synchronous FULL|NORMAL` (any case).
extension SynchronousMode: ExpressibleByArgument {
  public init?(argument: String) {
    self.init(rawValue: argument.uppercased())
  }
}

/// `--metrics-listen HOST:PORT` (`[::1]:9464` for IPv6; port 0 picks a free one).
struct ListenAddress: ExpressibleByArgument, Sendable, CustomStringConvertible {
  let host: String
  let port: Int

  init?(argument: String) {
    guard let colon = argument.lastIndex(of: ":"), let port = Int(argument[argument.index(after: colon)...]),
      (0...65_535).contains(port)
    else { return nil }
    var host = String(argument[..<colon])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty else { return nil }
    self.host = host
    self.port = port
  }

  var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
