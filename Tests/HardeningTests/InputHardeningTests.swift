import Foundation
import OutboxTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 15.9: hostile or clumsy input gets a bounded, useful answer.
@Suite(.timeLimit(.minutes(10))) struct InputHardeningTests {
  let directory = TemporaryDirectory()
  var db: String { directory.file("outbox.sqlite") }

  @Test func manyBadRecordsPrintTheFirstHundredThenACount() throws {
    let bad = (0..<500).map { "{\"VulnId\": \($0)}\n" }.joined()
    let rejects = directory.file("rej.ndjson")
    let result = try runCLI(["enqueue", "--db", db, "--rejects", rejects, "-"], stdin: Data(bad.utf8))
    #expect(result.status == 65)
    let lines = result.stderr.split(separator: "\n")
    #expect(lines.filter { $0.contains("stdin: line") }.count <= 100 * 3)
    #expect(!result.stderr.contains("stdin: line 101:"))
    #expect(result.stderr.contains("… and 400 more rejected records"), "\(result.stderr.suffix(400))")
    #expect(result.stderr.contains("see --rejects \(rejects)"))
    let kept = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
    #expect(kept.count == 500)
  }

  @Test func prettyPrintedObjectGetsOneErrorWithAHint() throws {
    let pretty = "{\n  \"VulnId\": \"CVE-1\",\n  \"MachineName\": \"web-01\",\n  \"LastModified\": \"2025-11-06T10:30:00Z\"\n}\n"
    let result = try runCLI(["enqueue", "--db", db, "-"], stdin: Data(pretty.utf8))
    #expect(result.status == 65)
    let errors = result.stderr.split(separator: "\n").filter { $0.contains(" error ") }
    #expect(errors.count == 1, "\(result.stderr)")
    #expect(result.stderr.contains("pretty-printed over lines 1–5"), "\(result.stderr)")
    #expect(result.stderr.contains("jq -c"))
  }

  @Test func oversizedArrayElementIsSkippedAndTheRestRead() throws {
    let huge = "{\"VulnId\": \"" + String(repeating: "x", count: 17 << 20) + "\"}"
    let input =
      "[" + Fixtures.finding(vulnId: "CVE-A") + "," + huge + "," + Fixtures.finding(vulnId: "CVE-B") + ","
      + Fixtures.finding(vulnId: "CVE-C") + "]"
    let file = directory.write("big.json", input)
    let rejects = directory.file("rej.ndjson")
    let result = try runCLI(["enqueue", "--db", db, "--rejects", rejects, file])
    #expect(result.status == 65, "\(result.stderr)")
    #expect(result.stdout == "new 3, updated 0, refreshed 0, unchanged 0, rejected 1\n", "\(result.stderr)")
    #expect(result.stderr.contains("record [1]: record longer than 16 MiB: skipped"), "\(result.stderr)")
    #expect(try String(contentsOfFile: rejects, encoding: .utf8).contains("longer than 16 MiB"))
  }

  @Test(arguments: [("MachineName", " web-01"), ("VulnId", "CVE-2024-1 "), ("LastModified", "2025-11-06T10:30:00Z ")])
  func keyFieldWithSurroundingWhitespaceIsRejectedWithAHint(field: String, value: String) throws {
    let record = Fixtures.finding(overrides: [field: value])
    let result = try runCLI(["enqueue", "--db", db, "-"], stdin: Data(record.utf8))
    #expect(result.status == 65)
    #expect(result.stderr.contains("field \(field): has leading or trailing whitespace"), "\(result.stderr)")
  }

  /// Also the crash on the error path (15.5): the enqueue reader thread is joined before the
  /// process exits, so no run dies of a signal after its message. 5 runs; 100 with CVEBUSTER_SOAK=1.
  @Test func diskFullFromAFileSizeLimitNamesThePathAndTheFix() throws {
    let file = directory.write("many.ndjson", Fixtures.ndjson(count: 5_000))
    let runs = ProcessInfo.processInfo.environment["CVEBUSTER_SOAK"] == "1" ? 100 : 5
    for run in 1...runs {
      let target = directory.file("full-\(run).sqlite")
      // 512 KiB: enough to create the database, not to hold 5,000 findings.
      let result = try runProcess(
        "/bin/bash", ["-c", "ulimit -f 512; exec \"$0\" \"$@\"", CLIBinary.path, "enqueue", "--db", target, file])
      #expect(result.status == 74, "run \(run): status \(result.status): \(result.stderr)")
      #expect(result.stderr.contains(target), "\(result.stderr)")
      #expect(result.stderr.contains("ulimit -f"), "\(result.stderr)")
    }
  }
}
