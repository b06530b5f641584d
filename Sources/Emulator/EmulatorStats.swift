import Foundation

/// Counters served at `GET /_emulator/stats`; the JSON names are a contract tests rely on.
struct EmulatorStats: Sendable {
  /// Ingestion requests by HTTP status (dropped connections are counted in `connectionsDropped`).
  var requestsByStatus: [Int: Int] = [:]
  /// Ingestion requests as they arrive, before any answer (a hung or dropped one included).
  var requestsReceived = 0
  /// Token requests by HTTP status.
  var tokenRequestsByStatus: [Int: Int] = [:]
  /// IMDS token requests by HTTP status.
  var imdsRequestsByStatus: [Int: Int] = [:]
  var rowsReceived = 0
  var rowsStored = 0
  /// Rows in sink mode: counted, not stored.
  var rowsCounted = 0
  /// Rows whose natural key (VulnId, MachineName, LastModified) arrived before.
  var duplicateRows = 0
  /// Array elements that were not objects, plus rows of bodies that were not JSON arrays.
  var droppedRecords = 0
  /// Bodies answered 204 but ignored: not JSON, or not an array.
  var droppedBodies = 0
  var droppedColumns = 0
  var nulledValues = 0
  var truncatedValues = 0
  var timeGeneratedReplaced = 0
  var bytesReceivedWire = 0
  var bytesDecompressed = 0
  var tokensIssued = 0
  /// Injected faults by kind (`429`, `500`, `503`, `reset`, `lost_ack`, `fail_first`, `throttle`, `imds`).
  var faultsInjected: [String: Int] = [:]
  var connectionsDropped = 0

  mutating func add(_ counts: ShapingCounts) {
    rowsReceived += counts.rowsReceived
    droppedRecords += counts.droppedRecords
    droppedColumns += counts.droppedColumns
    nulledValues += counts.nulledValues
    truncatedValues += counts.truncatedValues
    timeGeneratedReplaced += counts.timeGeneratedReplaced
  }

  /// The stats document (keys sorted, so two snapshots compare as text).
  func json(mode: String) -> Data {
    func statusMap(_ map: [Int: Int]) -> [String: Int] {
      Dictionary(uniqueKeysWithValues: map.map { (String($0.key), $0.value) })
    }
    let document: [String: Any] = [
      "mode": mode,
      "requests_by_status": statusMap(requestsByStatus),
      "requests_received": requestsReceived,
      "token_requests_by_status": statusMap(tokenRequestsByStatus),
      "imds_requests_by_status": statusMap(imdsRequestsByStatus),
      "rows_received": rowsReceived,
      "rows_stored": rowsStored,
      "rows_counted": rowsCounted,
      "duplicate_rows": duplicateRows,
      "dropped_records": droppedRecords,
      "dropped_bodies": droppedBodies,
      "dropped_columns": droppedColumns,
      "nulled_values": nulledValues,
      "truncated_values": truncatedValues,
      "time_generated_replaced": timeGeneratedReplaced,
      "bytes_received_wire": bytesReceivedWire,
      "bytes_decompressed": bytesDecompressed,
      "tokens_issued": tokensIssued,
      "faults_injected": faultsInjected,
      "connections_dropped": connectionsDropped,
    ]
    return (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
  }
}
