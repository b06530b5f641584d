import Findings
import Foundation
import OutboxStore
import OutboxTestSupport
import Testing

/// The key is stored once (schema 4): what a drain sends must still be the whole finding.
@Suite(.timeLimit(.minutes(2))) struct StoredPayloadTests {
  let directory = TemporaryDirectory()

  @Test(arguments: ["web-01", #"web "01" \ lab"#, "tab\there", "ünïcode-ホスト"])
  func theSentRowHasEveryMemberOfTheEnqueuedOne(machine: String) throws {
    let outbox = try Outbox(path: directory.file("outbox.sqlite"))
    let finding = validFinding(machine: machine)
    _ = try outbox.enqueue([finding], now: 1_000)
    let claimed = try #require(try outbox.claim(owner: "h:1:x", limit: 1, leaseMillis: 1_000, now: 2_000).first)
    let sent = try JSONSerialization.jsonObject(with: Data(claimed.payload)) as? NSDictionary
    let enqueued = try JSONSerialization.jsonObject(with: Data(finding.payload)) as? NSDictionary
    #expect(sent != nil && sent == enqueued, "\(String(decoding: claimed.payload, as: UTF8.self))")
    #expect(claimed.payload.count == finding.payload.count, "the same members, only in another order")
    // The same key and content again is recognised through the hash.
    #expect(try outbox.enqueue([finding], now: 3_000).unchanged == 1)
  }
}
