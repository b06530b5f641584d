import Foundation
import OutboxTestSupport
import Synchronization
import Testing

/// `enqueue`, `status`, `inspect`, `retry` and `prune` through the built binary.
@Suite(.timeLimit(.minutes(10))) struct EnqueueCLITests {
  let directory = TemporaryDirectory()
  var db: String { directory.file("outbox.sqlite") }

  @Test func sameFileTwiceIsUnchangedTheSecondTime() throws {
    let file = directory.write("scan.ndjson", Fixtures.ndjson(count: 250))
    let first = try runCLI(["enqueue", "--db", db, file])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout == "new 250, updated 0, refreshed 0, unchanged 0, rejected 0\n")
    let second = try runCLI(["enqueue", "--db", db, file])
    #expect(second.stdout == "new 0, updated 0, refreshed 0, unchanged 250, rejected 0\n")
    #expect(second.status == 0)
  }

  @Test func jsonArrayFromStdinAndChangedContent() throws {
    let array = "[" + Fixtures.finding() + "," + Fixtures.finding(vulnId: "CVE-2") + "]"
    #expect(try runCLI(["enqueue", "--db", db, "-"], stdin: Data(array.utf8)).stdout == "new 2, updated 0, refreshed 0, unchanged 0, rejected 0\n")
    let changed = Fixtures.finding(overrides: ["Status": "patched"])
    let result = try runCLI(["enqueue", "--db", db], stdin: Data(changed.utf8))
    #expect(result.stdout == "new 0, updated 1, refreshed 0, unchanged 0, rejected 0\n")
  }

  @Test func rejectedRecordsAreReportedKeptAsideAndExit65() throws {
    let file = directory.write("scan.ndjson", Fixtures.finding() + "\n" + Fixtures.finding(vulnId: "CVE-9", overrides: ["CVSS": 12.5]) + "\n")
    let rejects = directory.file("rejects.ndjson")
    let result = try runCLI(["enqueue", "--db", db, "--rejects", rejects, file])
    #expect(result.status == 65)
    #expect(result.stdout == "new 1, updated 0, refreshed 0, unchanged 0, rejected 1\n")
    #expect(result.stderr.contains("scan.ndjson: line 2: field CVSS: 12.5 is outside the CVSS range"))
    let line = try #require(String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n").first)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(object["line"] as? Int == 2)
    #expect((object["record"] as? String)?.contains("CVE-9") == true)
    let mode = try FileManager.default.attributesOfItem(atPath: rejects)[.posixPermissions] as? Int
    #expect(mode == 0o600)
  }

  @Test func strictStoresNothingFromAFileWithARejection() throws {
    let file = directory.write("scan.ndjson", Fixtures.ndjson(count: 20) + "{\"VulnId\": 1}\n")
    let result = try runCLI(["enqueue", "--db", db, "--strict", file])
    #expect(result.status == 65)
    #expect(result.stdout.hasPrefix("new 0,"))
    #expect(result.stderr.contains("nothing from this file was stored"))
    let status = try runCLI(["status", "--db", db, "--json"])
    #expect(status.stdout.contains("\"pending\" : 0"))
  }

  @Test func unreadableFileIsAnIOErrorAndUsageErrorsAre64() throws {
    #expect(try runCLI(["enqueue", "--db", db, directory.file("missing.json")]).status == 74)
    #expect(try runCLI(["enqueue", "--db", db, "--chunk-size", "0"]).status == 64)
    #expect(try runCLI(["retry", "--db", db]).status == 64)
  }

  @Test func corruptDatabaseIsRefusedWith74() throws {
    let path = directory.write("broken.sqlite", "definitely not sqlite")
    let result = try runCLI(["enqueue", "--db", path], stdin: Data(Fixtures.finding().utf8))
    #expect(result.status == 74)
    #expect(result.stderr.contains("not a usable SQLite database"))
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "definitely not sqlite")
  }

  @Test func databaseLocationComesFromTheEnvironment() throws {
    let result = try runCLI(["enqueue"], stdin: Data(Fixtures.finding().utf8), environment: ["CVEBUSTER_OUTBOX_DB": db])
    #expect(result.status == 0)
    #expect(FileManager.default.fileExists(atPath: db))
    let home = try runCLI(
      ["enqueue"], stdin: Data(Fixtures.finding().utf8),
      environment: [
        "CVEBUSTER_OUTBOX_DB": "", "XDG_STATE_HOME": directory.file("state"),
      ])
    #expect(home.status == 0, "\(home.stderr)")
    #expect(FileManager.default.fileExists(atPath: directory.file("state/cvebuster-outbox/outbox.sqlite")))
  }

  @Test func twoConcurrentEnqueuesBothSucceed() throws {
    let a = directory.write("a.ndjson", Fixtures.ndjson(count: 5_000, machinePrefix: "a"))
    let b = directory.write("b.ndjson", Fixtures.ndjson(count: 5_000, machinePrefix: "b", vulnPrefix: "CVE-2024-"))
    for result in enqueueConcurrently([a, b]) {
      #expect(result?.status == 0, "\(result?.stderr ?? "did not run")")
    }
    let status = try runCLI(["status", "--db", db, "--json"])
    #expect(status.stdout.contains("\"pending\" : 10000"), "\(status.stdout)")
  }

  /// Runs one `enqueue --chunk-size 250` per file into `db`, all at once; the results in file order.
  func enqueueConcurrently(_ files: [String], into db: String? = nil) -> [ProcessResult?] {
    let db = db ?? self.db
    // Each thread stores its own result under the lock: no unsynchronised writes to one array.
    let results = Mutex<[ProcessResult?]>(Array(repeating: nil, count: files.count))
    let group = DispatchGroup()
    for (index, file) in files.enumerated() {
      group.enter()
      DispatchQueue.global().async {
        let result = try? runCLI(["enqueue", "--db", db, "--chunk-size", "250", file])
        results.withLock { $0[index] = result }
        group.leave()
      }
    }
    group.wait()
    return results.withLock { $0 }
  }

  /// Two processes creating one outbox at once both switch it to WAL: SQLite fails one of them
  /// at once (waiting could deadlock), and it must try again rather than exit 75. The race is
  /// narrow (about one pair in sixty before the fix), so many pairs are started.
  @Test func twoEnqueuesCreatingOneOutboxTogetherBothSucceed() throws {
    let file = directory.write("one.ndjson", Fixtures.finding() + "\n")
    for pair in 0..<40 {
      let results = enqueueConcurrently([file, file], into: directory.file("fresh-\(pair).sqlite"))
      for result in results {
        #expect(result?.status == 0, "pair \(pair): \(result?.stderr ?? "did not run")")
      }
    }
  }

  /// No unique index guards the key (schema 4): the write lock around lookup + insert must.
  @Test func twoConcurrentEnqueuesOfTheSameFindingsStoreEachKeyOnce() throws {
    let file = directory.write("same.ndjson", Fixtures.ndjson(count: 5_000, machinePrefix: "s"))
    for result in enqueueConcurrently([file, file]) {
      #expect(result?.status == 0, "\(result?.stderr ?? "did not run")")
    }
    let status = try runCLI(["status", "--db", db, "--json"])
    #expect(status.stdout.contains("\"pending\" : 5000"), "\(status.stdout)")
    let duplicates = try runProcess(
      "/usr/bin/sqlite3",
      [db, "SELECT count(*) FROM (SELECT 1 FROM finding_content GROUP BY vuln_id, machine_name, last_modified HAVING count(*) > 1)"])
    #expect(duplicates.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
  }

  @Test func inspectRetryAndPruneWork() throws {
    _ = try runCLI(["enqueue", "--db", db], stdin: Data(Fixtures.ndjson(count: 3).utf8))
    let listed = try runCLI(["inspect", "--db", db, "--state", "pending", "--json"])
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
    #expect(rows.count == 3)
    #expect(rows.first?["payload"] is String)
    let one = try runCLI(["inspect", "--db", db, "--vuln-id", "CVE-2025-10001", "--last-modified", "2025-11-06T11:30:00+01:00"])
    #expect(one.stdout.split(separator: "\n").count == 2, "\(one.stdout)")
    #expect(try runCLI(["retry", "--db", db, "--all"]).stdout == "moved 0 dead row(s) back to pending\n")
    let pruned = try runCLI(["prune", "--db", db, "--sent-older-than", "7d", "--compact"])
    #expect(pruned.status == 0)
    #expect(pruned.stdout.contains("compacted 0"))
    let text = try runCLI(["status", "--db", db])
    #expect(text.stdout.contains("pending  3"))
  }

  @Test func readersDoNotCreateADatabase() throws {
    let result = try runCLI(["status", "--db", db])
    #expect(result.status == 74)
    #expect(result.stderr.contains("no outbox database"))
    #expect(!FileManager.default.fileExists(atPath: db))
  }
}
