import Foundation
import OutboxTestSupport
import Testing

/// Global options before or after the subcommand; `--dry-run` changes nothing.
@Suite(.timeLimit(.minutes(2))) struct GlobalOptionsCLITests {
  let directory = TemporaryDirectory()

  @Test func globalOptionsWorkBeforeAndAfterTheSubcommand() throws {
    let db = try enqueuedDatabase(in: directory, count: 7)
    let before = try runCLI(["--db", db, "status", "--json"])
    let after = try runCLI(["status", "--json", "--db", db])
    #expect(before.status == 0, "\(before.stderr)")
    #expect(before.stdout.contains("\"pending\" : 7"))
    #expect(after.stdout == before.stdout)
    let other = directory.file("other.sqlite")
    let enqueue = try runCLI(["-q", "--db", other, "enqueue", "-"], stdin: Data(Fixtures.ndjson(count: 3).utf8))
    #expect(enqueue.status == 0 && enqueue.stderr.isEmpty, "\(enqueue.stderr)")
    #expect(try runCLI(["status", "--db", other, "--json"]).stdout.contains("\"pending\" : 3"))
    // Two-level commands, and -q/-v on the commands that used to refuse them.
    for arguments in [
      ["-v", "schedule", "cron", "--db", db], ["schedule", "cron", "-q"], ["-q", "connector", "check", "--root", "/nonexistent"],
      ["config", "check", "-q", "--config", directory.file("none.json")], ["emulator", "-v", "--port", "70000"],
    ] {
      let result = try runCLI(arguments)
      #expect(result.status != 64 || arguments.contains("70000"), "\(arguments): \(result.stderr)")
      #expect(!result.stderr.contains("Unknown option"), "\(arguments): \(result.stderr)")
    }
    let cron = try runCLI(["--db", "/srv/o.sqlite", "schedule", "cron"])
    #expect(cron.stdout.contains("CVEBUSTER_OUTBOX_DB=/srv/o.sqlite"))
    let systemd = try runCLI(["--config", "/etc/x/c.json", "schedule", "systemd"])
    #expect(systemd.stdout.contains("LoadCredential=connector_config.json:/etc/x/c.json"), "\(systemd.stdout)")
  }

  @Test func dryRunOfPruneAndRetryChangesNothing() throws {
    let db = try enqueuedDatabase(in: directory, count: 5)
    // Make every row dead with an emulator that refuses each one, then compare bytes.
    let emulator = try EmulatorProcess(in: directory, flags: ["--reject-rows-containing", "CVE-2025-"])
    _ = try runCLI(["drain", "--db", db, "--config", emulator.configPath])
    #expect(try runCLI(["status", "--db", db, "--json"]).stdout.contains("\"dead\" : 5"))
    _ = try runCLI(["status", "--db", db])  // settle the WAL like any reader
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    let retry = try runCLI(["retry", "--db", db, "--all", "--dry-run"])
    #expect(retry.status == 0, "\(retry.stderr)")
    #expect(retry.stdout == "dry run: would move 5 dead row(s) back to pending; nothing changed\n")
    let prune = try runCLI(["prune", "--db", db, "--dead-older-than", "0s", "--sent-older-than", "0s", "--dry-run"])
    #expect(prune.status == 0, "\(prune.stderr)")
    #expect(prune.stdout.contains("delete 5 dead row(s)"), "\(prune.stdout)")
    #expect(prune.stdout.hasSuffix("nothing changed\n"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
    #expect(try runCLI(["status", "--db", db, "--json"]).stdout.contains("\"dead\" : 5"))
    // And for real, the same counts.
    #expect(try runCLI(["retry", "--db", db, "--all"]).stdout == "moved 5 dead row(s) back to pending\n")
  }

  @Test func durationsShareOneGrammarAndHelpShowsDefaultsAsTyped() throws {
    let help = try runCLI(["drain", "--help"])
    #expect(help.stdout.contains("(default: 30s)"), "\(help.stdout)")
    #expect(try runCLI(["emulator", "--help"]).stdout.contains("(default: 3599s)"))
    #expect(try runCLI(["prune", "--db", directory.file("x.sqlite"), "--sent-older-than", "7x"]).status == 64)
    #expect(try runCLI(["drain", "--db", directory.file("x.sqlite"), "--interval", "soon"]).status == 64)
  }
}
