import Findings

/// A valid finding in the form `finding_content` stores it: its key hash, its payload without
/// the key members and its 8-byte content hash (see ``StoredPayload``).
///
/// Building one costs a scan and a copy of the payload; the enqueue pipeline builds them on its
/// reader thread, so the writer only looks keys up and inserts.
public struct StorableFinding: Sendable {
  public let vulnId: String
  public let machineName: String
  public let lastModified: String
  let keyHash: Int64
  let storedPayload: [UInt8]
  let contentHash: [UInt8]

  public init(_ finding: ValidFinding) {
    vulnId = finding.vulnId
    machineName = finding.machineName
    lastModified = finding.lastModified
    keyHash = StoredPayload.keyHash(vulnId: vulnId, machineName: machineName, lastModified: lastModified)
    storedPayload = StoredPayload.storedForm(of: finding)
    contentHash = StoredPayload.contentHash(finding)
  }
}
