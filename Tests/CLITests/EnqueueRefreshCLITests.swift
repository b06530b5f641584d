import Foundation
import OutboxTestSupport
import Testing

/// `enqueue --refresh-after` and the `refresh_after` config key through the built binary.
@Suite(.timeLimit(.minutes(10))) struct EnqueueRefreshCLITests {
  let directory = TemporaryDirectory()
  var db: String { directory.file("outbox.sqlite") }

  @Test func aDurationThatIsNotOneIsAUsageError() throws {
    let file = directory.write("scan.ndjson", Fixtures.ndjson(count: 2))
    let result = try runCLI(["enqueue", "--db", db, "--refresh-after", "2x", file])
    #expect(result.status == 64)
    #expect(result.stderr.contains("--refresh-after"))
  }

  @Test func aBadConfigValueNamesTheFileAndKey() throws {
    let file = directory.write("scan.ndjson", Fixtures.ndjson(count: 2))
    let config = directory.write("config.json", #"{"refresh_after": "soon"}"#)
    let result = try runCLI(["enqueue", "--db", db, "--config", config, file])
    #expect(result.status == 78)
    #expect(result.stderr.contains("config.json: refresh_after: 'soon'"))
  }

  @Test func offAndTheConfigKeyAreAccepted() throws {
    let file = directory.write("scan.ndjson", Fixtures.ndjson(count: 3))
    #expect(
      try runCLI(["enqueue", "--db", db, "--refresh-after", "off", file]).stdout
        == "new 3, updated 0, refreshed 0, unchanged 0, rejected 0\n")
    let config = directory.write("config.json", #"{"refresh_after": "12h"}"#)
    #expect(
      try runCLI(["enqueue", "--db", db, "--config", config, file]).stdout
        == "new 0, updated 0, refreshed 0, unchanged 3, rejected 0\n")
  }
}
