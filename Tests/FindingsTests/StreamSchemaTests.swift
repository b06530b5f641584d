import Findings
import Foundation
import Testing

@Suite struct StreamSchemaTests {
  @Test func embeddedStreamHasTheElevenColumns() {
    let schema = StreamSchema.embedded
    #expect(schema.streamName == "Custom-cveBusterVulnerabilities")
    #expect(schema.columns.count == 11)
    #expect(schema.column(named: "CVSS")?.type == .real)
  }
}
