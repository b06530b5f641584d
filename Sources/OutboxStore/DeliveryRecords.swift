/// What drains read and write: leased rows, request records, and why a row is dead.

/// A row a drain has leased: what to send, and what fences its acknowledgement.
public struct ClaimedFinding: Sendable, Equatable {
  public let id: Int64
  /// The revision being sent (the row's `sending_revision`, which the outcome statements compare).
  public let revision: Int64
  /// The claim (`leases.id`) holding the row; outcomes change the row only while it still holds.
  public let leaseID: Int64
  /// Requests recorded for this row so far (for the record: attempts never make a row dead).
  public let attempts: Int
  /// The canonical JSON object to send.
  public let payload: [UInt8]

  public init(id: Int64, revision: Int64, leaseID: Int64, attempts: Int, payload: [UInt8]) {
    self.id = id
    self.revision = revision
    self.leaseID = leaseID
    self.attempts = attempts
    self.payload = payload
  }
}

/// How a request ended, as recorded in `batches.outcome`.
public enum BatchOutcome: String, Sendable, CaseIterable {
  case delivered, retry, rejected, split
  case configError = "config_error"
}

/// One request a drain made.
public struct BatchRecord: Sendable {
  public var clientRequestID: String
  public var requestID: String?
  public var leaseOwner: String
  public var rows: Int
  public var rawBytes: Int
  public var wireBytes: Int
  public var httpStatus: Int?
  public var outcome: BatchOutcome
  public var error: String?
  public var startedAt: Int64
  public var finishedAt: Int64
  /// Times the request went on the wire (libcurl resends after a reset on a reused connection).
  public var transmissions: Int

  public init(
    clientRequestID: String, requestID: String?, leaseOwner: String, rows: Int, rawBytes: Int, wireBytes: Int,
    httpStatus: Int?, outcome: BatchOutcome, error: String?, startedAt: Int64, finishedAt: Int64,
    transmissions: Int = 1
  ) {
    self.transmissions = transmissions
    self.clientRequestID = clientRequestID
    self.requestID = requestID
    self.leaseOwner = leaseOwner
    self.rows = rows
    self.rawBytes = rawBytes
    self.wireBytes = wireBytes
    self.httpStatus = httpStatus
    self.outcome = outcome
    self.error = error
    self.startedAt = startedAt
    self.finishedAt = finishedAt
  }
}

/// Why a row is `dead`: always a verdict about the row itself (`finding_delivery.dead_reason`).
public enum DeadReason: String, Sendable, CaseIterable, Codable {
  /// A 400 that bisection isolated to this row alone.
  case rejectedByService = "rejected_by_service"
  /// Too large to send even alone (over the request limit, or a 413 for the row by itself).
  case tooLarge = "too_large"
  /// Nothing sendable is stored (a compacted row made pending again).
  case invalidContent = "invalid_content"
}
