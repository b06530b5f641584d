import Findings
import Foundation
import Testing

@Suite(.timeLimit(.minutes(10))) struct StreamSchemaTests {
  @Test func embeddedStreamHasTheElevenColumns() {
    let schema = StreamSchema.embedded
    #expect(schema.streamName == "Custom-cveBusterVulnerabilities")
    #expect(schema.columns.count == 11)
    #expect(schema.column(named: "CVSS")?.type == .real)
  }
}
