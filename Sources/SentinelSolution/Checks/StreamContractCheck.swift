import Findings
import Foundation

/// Check 11: the stream contract the client relies on. The stream schema compiled into the
/// binary (`StreamSchema.embedded`, which `enqueue` validation and the emulator use) must
/// equal Connector/DCR.json's declaration (names, types, order, transform, output stream),
/// and likewise the table. (When the lead's `FindingValidator` lands, this check also feeds
/// it a sample row per column type; see docs/sentinel-solution.md.)
enum StreamContractCheck {
  static func run(_ context: CheckContext) -> [CheckFailure] {
    var sink = FailureSink(.streamContract)
    let dcr = context.source.dcr
    let dcrData = Data(CanonicalJSONWriter.text(dcr.json).utf8)
    do {
      let fileSchema = try StreamSchema(dcrJSON: dcrData, file: dcr.file)
      let embedded = StreamSchema.embedded
      if fileSchema.streamName != embedded.streamName || fileSchema.columns != embedded.columns
        || fileSchema.transformKql != embedded.transformKql || fileSchema.outputStream != embedded.outputStream
      {
        sink.fail(dcr.file, "$.properties.streamDeclarations", "differs from the copy compiled into this binary (what enqueue validates against): rebuild")
      }
    } catch {
      sink.fail(error.file, error.path, error.reason)
    }
    if let table = context.source.tables.first {
      do {
        let fileTable = try TableSchema(tableJSON: Data(CanonicalJSONWriter.text(table.json).utf8), file: table.file)
        if fileTable.name != TableSchema.embedded.name || fileTable.columns != TableSchema.embedded.columns {
          sink.fail(table.file, "$.properties.schema", "differs from the copy compiled into this binary: rebuild")
        }
      } catch {
        sink.fail(error.file, error.path, error.reason)
      }
    }
    return sink.failures
  }
}
