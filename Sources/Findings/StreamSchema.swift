import Foundation

/// A column type as Data Collection Rule stream declarations and Log Analytics tables name them.
public enum ColumnType: String, Sendable, CaseIterable {
  case string, int, long, real, boolean, dynamic, datetime
  /// Tables only: stored as a string.
  case guid

  /// Parses a declared type, case-insensitively (`dateTime` and `bool` occur in Microsoft's files).
  public init?(declared: String) {
    switch declared.lowercased() {
    case "bool": self = .boolean
    default:
      guard let type = ColumnType(rawValue: declared.lowercased()) else { return nil }
      self = type
    }
  }
}

/// One declared column.
public struct Column: Sendable, Equatable {
  public let name: String
  public let type: ColumnType

  public init(name: String, type: ColumnType) {
    self.name = name
    self.type = type
  }
}

/// Why a connector file could not be read as a stream or table declaration.
public struct SchemaError: Error, CustomStringConvertible, Sendable {
  /// File name, e.g. `Connector/DCR.json`.
  public let file: String
  /// JSON path inside the file, e.g. `properties.streamDeclarations`.
  public let path: String
  public let reason: String

  public var description: String { "\(file): \(path): \(reason)" }
}

/// The stream a push client sends to: its name and columns, read from the DCR's
/// `streamDeclarations` and the transform of the data flow that consumes it.
public struct StreamSchema: Sendable {
  public let streamName: String
  public let columns: [Column]
  /// The data flow's `transformKql` (e.g. `source | extend TimeGenerated = now()`).
  public let transformKql: String
  /// The data flow's `outputStream` (e.g. `Custom-cveBusterVulnerabilities_CL`).
  public let outputStream: String

  /// The natural key of a finding: one outbox row per distinct value of these three columns.
  public static let naturalKeyColumns = ["VulnId", "MachineName", "LastModified"]

  /// The schema compiled into this binary from `Connector/DCR.json`.
  public static let embedded: StreamSchema = {
    do {
      return try StreamSchema(dcrJSON: Data(EmbeddedConnector.dcr.utf8), file: "Connector/DCR.json (embedded)")
    } catch {
      preconditionFailure("embedded Connector/DCR.json is invalid: \(error)")
    }
  }()

  public init(streamName: String, columns: [Column], transformKql: String, outputStream: String) {
    self.streamName = streamName
    self.columns = columns
    self.transformKql = transformKql
    self.outputStream = outputStream
  }

  /// Reads the first stream declaration of a DCR file (ours has exactly one).
  public init(dcrJSON: Data, file: String) throws(SchemaError) {
    func fail(_ path: String, _ reason: String) -> SchemaError {
      SchemaError(file: file, path: path, reason: reason)
    }
    guard let root = try? JSONSerialization.jsonObject(with: dcrJSON) as? [String: Any] else {
      throw fail("$", "not a JSON object")
    }
    guard let properties = root["properties"] as? [String: Any] else {
      throw fail("properties", "missing")
    }
    guard let streams = properties["streamDeclarations"] as? [String: Any], streams.count == 1,
      let (name, declaration) = streams.first.map({ ($0.key, $0.value) })
    else {
      throw fail("properties.streamDeclarations", "must declare exactly one stream")
    }
    guard let rawColumns = (declaration as? [String: Any])?["columns"] as? [[String: Any]] else {
      throw fail("properties.streamDeclarations.\(name).columns", "missing or not an array of objects")
    }
    var columns: [Column] = []
    for (index, raw) in rawColumns.enumerated() {
      let path = "properties.streamDeclarations.\(name).columns[\(index)]"
      guard let columnName = raw["name"] as? String, !columnName.isEmpty else {
        throw fail(path + ".name", "missing")
      }
      guard let declared = raw["type"] as? String, let type = ColumnType(declared: declared), type != .guid else {
        throw fail(path + ".type", "not a stream column type (string, int, long, real, boolean, dynamic, datetime)")
      }
      columns.append(Column(name: columnName, type: type))
    }
    guard let flows = properties["dataFlows"] as? [[String: Any]],
      let flow = flows.first(where: { ($0["streams"] as? [String])?.contains(name) == true })
    else {
      throw fail("properties.dataFlows", "no data flow reads stream \(name)")
    }
    self.init(
      streamName: name, columns: columns,
      transformKql: flow["transformKql"] as? String ?? "source",
      outputStream: flow["outputStream"] as? String ?? "")
  }

  /// The column with this exact (case-sensitive) name.
  public func column(named name: String) -> Column? {
    columns.first { $0.name == name }
  }
}

/// A Log Analytics table declaration (`Connector/table.json`).
public struct TableSchema: Sendable {
  public let name: String
  public let columns: [Column]

  /// The table compiled into this binary from `Connector/table.json`.
  public static let embedded: TableSchema = {
    do {
      return try TableSchema(tableJSON: Data(EmbeddedConnector.table.utf8), file: "Connector/table.json (embedded)")
    } catch {
      preconditionFailure("embedded Connector/table.json is invalid: \(error)")
    }
  }()

  public init(name: String, columns: [Column]) {
    self.name = name
    self.columns = columns
  }

  public init(tableJSON: Data, file: String) throws(SchemaError) {
    func fail(_ path: String, _ reason: String) -> SchemaError {
      SchemaError(file: file, path: path, reason: reason)
    }
    guard let root = try? JSONSerialization.jsonObject(with: tableJSON) as? [String: Any] else {
      throw fail("$", "not a JSON object")
    }
    guard let schema = (root["properties"] as? [String: Any])?["schema"] as? [String: Any],
      let name = schema["name"] as? String
    else {
      throw fail("properties.schema.name", "missing")
    }
    guard let rawColumns = schema["columns"] as? [[String: Any]] else {
      throw fail("properties.schema.columns", "missing or not an array of objects")
    }
    var columns: [Column] = []
    for (index, raw) in rawColumns.enumerated() {
      let path = "properties.schema.columns[\(index)]"
      guard let columnName = raw["name"] as? String, !columnName.isEmpty else {
        throw fail(path + ".name", "missing")
      }
      guard let declared = raw["type"] as? String, let type = ColumnType(declared: declared) else {
        throw fail(path + ".type", "unknown column type")
      }
      columns.append(Column(name: columnName, type: type))
    }
    self.init(name: name, columns: columns)
  }
}
