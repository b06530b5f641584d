import Foundation
import OutboxTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 15.8: no write outside the paths given — `--rejects`, the drain lock and `--db`
/// never follow symlinks, are 0600, and are never the database or its siblings.
@Suite(.timeLimit(.minutes(10))) struct FileSafetyTests {
  let directory = TemporaryDirectory()
  var db: String { directory.file("outbox.sqlite") }

  func badInput() -> String {
    directory.write("bad.ndjson", Fixtures.finding() + "\n" + Fixtures.finding(vulnId: "CVE-9", overrides: ["CVSS": 12.5]) + "\n")
  }

  func mode(_ path: String) throws -> Int {
    try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1
  }

  @Test func rejectsThroughASymlinkIsRefusedAndTheVictimUntouched() throws {
    let victim = directory.write("victim.txt", "precious\n")
    symlink(victim, directory.file("rej.ndjson"))
    let result = try runCLI(["enqueue", "--db", db, "--rejects", directory.file("rej.ndjson"), badInput()])
    #expect(result.status == 74, "\(result.stderr)")
    #expect(result.stderr.contains("symbolic link"), "\(result.stderr)")
    #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
  }

  @Test func danglingRejectsSymlinkCreatesNothing() throws {
    let target = directory.file("created-by-attacker.txt")
    symlink(target, directory.file("rej.ndjson"))
    let result = try runCLI(["enqueue", "--db", db, "--rejects", directory.file("rej.ndjson"), badInput()])
    #expect(result.status == 74)
    #expect(!FileManager.default.fileExists(atPath: target))
  }

  @Test func existingSharedRejectsFileIsMadePrivate() throws {
    let rejects = directory.write("rej.ndjson", "")
    chmod(rejects, 0o644)
    let result = try runCLI(["enqueue", "--db", db, "--rejects", rejects, badInput()])
    #expect(result.status == 65, "\(result.stderr)")
    #expect(try mode(rejects) == 0o600)
    #expect(try String(contentsOfFile: rejects, encoding: .utf8).contains("CVE-9"))
  }

  @Test(arguments: ["", "-wal", "-shm", "-journal"])
  func rejectsIntoTheDatabaseOrItsSiblingsIsRefused(suffix: String) throws {
    _ = try enqueuedDatabase(in: directory, count: 5)
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    let result = try runCLI(["enqueue", "--db", db, "--rejects", db + suffix, badInput()])
    #expect(result.status == 74, "\(result.stderr)")
    #expect(result.stderr.contains("outbox's own file"), "\(result.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)).count == before.count)
    if suffix != "" {
      // Not created as a stray file either (SQLite may have its own there, never ours).
      let text = (try? String(contentsOfFile: db + suffix, encoding: .utf8)) ?? ""
      #expect(!text.contains("CVE-9"))
    }
  }

  @Test func plantedDrainLockSymlinkIsNotFollowed() throws {
    _ = try enqueuedDatabase(in: directory, count: 5)
    let target = directory.file("lock-target")
    symlink(target, db + ".drain-lock")
    let config = directory.file("config.json")
    let values = [
      "tenant_id": "t", "application_id": "a", "application_secret": "s3cret-value",
      "dce_endpoint": "http://127.0.0.1:9", "dcr_immutable_id": "dcr-x", "stream_name": "Custom-x",
      "authority_host": "http://127.0.0.1:9",
    ]
    _ = FileManager.default.createFile(
      atPath: config, contents: try JSONSerialization.data(withJSONObject: values), attributes: [.posixPermissions: 0o600])
    let result = try runCLI(["drain", "--db", db, "--config", config])
    #expect(result.status == 74, "\(result.stderr)")
    #expect(result.stderr.contains("symbolic link"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: target))
  }

  @Test func databaseThatIsNotARegularFileIsRefused() throws {
    let real = try enqueuedDatabase(in: directory, count: 1, name: "real.sqlite")
    let link = directory.file("link.sqlite")
    symlink(real, link)
    try FileManager.default.createDirectory(atPath: directory.file("dir.sqlite"), withIntermediateDirectories: true)
    let journalExisted = FileManager.default.fileExists(atPath: "/dev/null-journal")
    let cases = [("/dev/null", "a device"), (link, "a symbolic link"), (directory.file("dir.sqlite"), "a directory")]
    for (path, kind) in cases {
      let result = try runCLI(["enqueue", "--db", path, "-"], stdin: Data(Fixtures.ndjson(count: 1).utf8))
      #expect(result.status == 74, "\(path): \(result.stderr)")
      #expect(result.stderr.contains(kind), "\(path): \(result.stderr)")
    }
    if !journalExisted { #expect(!FileManager.default.fileExists(atPath: "/dev/null-journal")) }
  }
}
