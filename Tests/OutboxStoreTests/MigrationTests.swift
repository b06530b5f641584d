import Findings
import Foundation
import OutboxStore
import OutboxTestSupport
import Testing

@Suite(.timeLimit(.minutes(10))) struct MigrationTests {
  @Test func freshDatabaseIsMigratedAndPrivate() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("state/sub/outbox.sqlite")
    let outbox = try Outbox(path: path)
    _ = try outbox.enqueue([validFinding()])
    #expect(
      query(path, "SELECT version, name FROM schema_migrations") == [
        ["1", "init"], ["2", "narrow_delivery_state"], ["3", "endpoint_state_and_views"], ["4", "key_hash_and_state_counts"],
        ["5", "key_table"], ["6", "recent_keys"], ["7", "checks_without_in_lists"],
        ["8", "fresh_keys"],
        ["9", "key_move_cursor"],
      ])
    #expect(query(path, "PRAGMA application_id") == [["\(Outbox.applicationID)"]])
    #expect(query(path, "PRAGMA journal_mode") == [["wal"]])
    // The database, its WAL and shared memory, and the directory are readable by the owner only.
    for file in [path, path + "-wal", path + "-shm"] {
      let attributes = try FileManager.default.attributesOfItem(atPath: file)
      #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(file)")
    }
    let directoryMode = try FileManager.default.attributesOfItem(atPath: directory.file("state/sub"))[.posixPermissions] as? Int
    #expect(directoryMode == 0o700)
  }

  /// SQLite's default checkpoints every 4 MiB of WAL; an outbox lets it grow to 64 MiB first, so
  /// a key-index page dirtied by many small transactions is copied back once, not each time.
  @Test func theWALGrowsPastSQLitesDefaultBeforeACheckpoint() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    let outbox = try Outbox(path: path)
    let title = String(repeating: "x", count: 2_000)
    for batch in 0..<40 {
      _ = try outbox.enqueue((0..<100).map { validFinding(vulnId: "CVE-2024-\(10_000 + batch * 100 + $0)", title: title) })
    }
    let walBytes = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
    #expect(walBytes > 6 << 20, "40 transactions of about 200 KiB each stay in the WAL")
    #expect(walBytes < 64 << 20)
  }

  @Test func reopeningIsANoOp() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    _ = try Outbox(path: path)
    _ = try Outbox(path: path)
    #expect(query(path, "SELECT count(*) FROM schema_migrations") == [["\(EmbeddedMigration.all.count)"]])
  }

  @Test func newerDatabaseIsRefusedAndUntouched() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    do { _ = try Outbox(path: path) }
    execute(path, "INSERT INTO schema_migrations VALUES (99, 'future', 'x', 0); PRAGMA wal_checkpoint(TRUNCATE);")
    let before = fileBytes(path)
    #expect(throws: OutboxError.self) { try Outbox(path: path) }
    do {
      _ = try Outbox(path: path)
    } catch {
      guard case .newerSchema(_, 99, Outbox.latestSchemaVersion) = error else {
        Issue.record("wrong error \(error)")
        return
      }
      #expect(error.description.contains("upgrade cvebuster-outbox"))
    }
    #expect(fileBytes(path) == before)
  }

  @Test func foreignSQLiteFileIsRefusedAndUntouched() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("other.sqlite")
    execute(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'a');")
    let before = fileBytes(path)
    do {
      _ = try Outbox(path: path)
      Issue.record("foreign database accepted")
    } catch {
      guard case .foreign = error else {
        Issue.record("wrong error \(error)")
        return
      }
    }
    #expect(fileBytes(path) == before)
    #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
  }

  @Test(arguments: [
    ("not SQLite", Array("this is a text file, not a database\n".utf8)),
    ("garbage page", Array("SQLite format 3\0".utf8) + [UInt8](repeating: 0xAB, count: 4080)),
  ])
  func corruptFileIsRefusedAndUntouched(_ name: String, _ bytes: [UInt8]) throws {
    let directory = TemporaryDirectory()
    let path = directory.write("outbox.sqlite", bytes: bytes)
    do {
      _ = try Outbox(path: path)
      Issue.record("\(name) accepted")
    } catch {
      guard case .corrupt = error else {
        Issue.record("\(name): wrong error \(error)")
        return
      }
      #expect(error.description.contains("left untouched"))
    }
    #expect(fileBytes(path) == Data(bytes))
  }

  @Test func missingDatabaseIsNotCreatedByReaders() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("none.sqlite")
    #expect(throws: OutboxError.self) { try Outbox(path: path, options: OutboxOptions(create: false)) }
    #expect(!FileManager.default.fileExists(atPath: path))
  }

  @Test func changedMigrationIsRefused() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    _ = try Outbox(path: path)
    execute(path, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
    do {
      _ = try Outbox(path: path)
      Issue.record("edited migration accepted")
    } catch {
      guard case .migrationMismatch(_, 1, "init") = error else {
        Issue.record("wrong error \(error)")
        return
      }
    }
  }
}

/// A database written by a build that knew only migration 1 keeps every row, state, lease and
/// id when a newer build opens it.
@Suite(.timeLimit(.minutes(10))) struct UpgradeFromVersionOneTests {
  @Test func version1RowsCarryOverIntoTheSplitTables() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    let first = try #require(EmbeddedMigration.all.first)
    let rows = """
      INSERT INTO findings (id, vuln_id, machine_name, last_modified, payload, content_hash, revision, state, attempts,
                            next_attempt_at, lease_owner, lease_expires_at, enqueued_at, updated_at, sent_at, batch_id, last_error)
      VALUES (1, 'CVE-1', 'web-01', '2025-01-01T00:00:00.000Z', '{"VulnId":"CVE-1","MachineName":"web-01","LastModified":"2025-01-01T00:00:00.000Z"}', x'01', 1, 'pending', 0, 10, NULL, NULL, 5, 5, NULL, NULL, NULL),
             (2, 'CVE-2', 'web-01', '2025-01-01T00:00:00.000Z', '{"VulnId":"CVE-2","MachineName":"web-01","LastModified":"2025-01-01T00:00:00.000Z"}', x'02', 3, 'sending', 2, 10, 'h:1:a', 9000, 5, 6, NULL, NULL, NULL),
             (3, 'CVE-3', 'web-01', '2025-01-01T00:00:00.000Z', NULL, x'03', 1, 'sent', 1, 10, NULL, NULL, 5, 7, 7, 4, NULL),
             (7, 'CVE-7', 'web-01', '2025-01-01T00:00:00.000Z', '{"VulnId":"CVE-7","MachineName":"web-01","LastModified":"2025-01-01T00:00:00.000Z"}', x'07', 1, 'dead', 1, 10, NULL, NULL, 5, 8, NULL, 4, 'HTTP 400');
      DELETE FROM findings WHERE id = 7;
      INSERT INTO findings (id, vuln_id, machine_name, last_modified, payload, content_hash, revision, state, attempts,
                            next_attempt_at, lease_owner, lease_expires_at, enqueued_at, updated_at, sent_at, batch_id, last_error)
      VALUES (4, 'CVE-4', 'web-01', '2025-01-01T00:00:00.000Z', '{"VulnId":"CVE-4","MachineName":"web-01","LastModified":"2025-01-01T00:00:00.000Z"}', x'04', 1, 'dead', 1, 10, NULL, NULL, 5, 8, NULL, 4, 'HTTP 400');
      """
    let setup = """
      PRAGMA journal_mode = WAL;
      BEGIN;
      \(first.sql)
      CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT;
      INSERT INTO schema_migrations VALUES (1, 'init', '\(SHA256.hexDigest(Array(first.sql.utf8)))', 1);
      PRAGMA application_id = \(Outbox.applicationID);
      \(rows)
      COMMIT;
      """
    let failure = execute(path, setup)
    #expect(failure == nil, "\(failure ?? "")")
    let before = query(path, "SELECT * FROM findings ORDER BY id")

    let outbox = try Outbox(path: path)
    #expect(try outbox.schemaVersion() == Outbox.latestSchemaVersion)
    #expect(query(path, "SELECT * FROM findings ORDER BY id") == before, "the findings view shows version 1's rows")
    #expect(query(path, "SELECT owner, expires_at FROM leases") == [["h:1:a", "9000"]])
    #expect(query(path, "PRAGMA foreign_key_check").isEmpty)
    // Version 5: one lookup pair per row, nothing stale.
    #expect(
      query(path, "SELECT key_hash, id FROM finding_keys ORDER BY id")
        == query(path, "SELECT key_hash, id FROM finding_content ORDER BY id"))
    #expect(query(path, "SELECT stale FROM key_sweep") == [["0"]])
    // Version 6: no recent pairs yet.
    #expect(query(path, "SELECT count(*), (SELECT recent FROM key_merge) FROM recent_keys") == [["0", "0"]])
    // Version 8: no fresh pairs; the count of pairs added starts at nought (its changes are what matter).
    #expect(query(path, "SELECT count(*), (SELECT fresh FROM key_merge), (SELECT added FROM key_merge) FROM fresh_keys") == [["0", "0", "0"]])
    // Version 9: the first slice of recent pairs starts at hash 0.
    #expect(query(path, "SELECT move_from FROM key_merge") == [["0"]])
    // Version 7: the same constraints, without IN lists, on the tables version 1's rows came through.
    #expect(query(path, "SELECT name FROM sqlite_schema WHERE sql LIKE '%CHECK (% IN (%'").isEmpty)
    #expect(query(path, "PRAGMA integrity_check") == [["ok"]])
    let status = try outbox.status()
    #expect(status.pending == 1 && status.sending == 1 && status.sent == 1 && status.dead == 1)
    // Ids stay never-reused: id 7 was taken in version 1.
    _ = try outbox.enqueue([validFinding(vulnId: "CVE-2025-0008")], now: 20)
    #expect(query(path, "SELECT max(id) FROM findings") == [["8"]])
    // The carried-over lease fences and expires like any other.
    let claimed = try outbox.claim(owner: "b:1:b", limit: 10, leaseMillis: 1_000, now: 10_000)
    #expect(claimed.map(\.id) == [1, 2, 8])
    #expect(claimed.first { $0.id == 2 }?.attempts == 2, "claims spend no attempt")
  }
}

@Suite(.timeLimit(.minutes(10))) struct EmbeddedResourcesTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  @Test func embeddedMigrationsEqualTheFiles() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Migrations").path)
      .filter { $0.hasSuffix(".sql") }.sorted()
    #expect(files == EmbeddedMigration.all.map(\.fileName), "rebuild: the EmbedResources plugin embeds Migrations/")
    for migration in EmbeddedMigration.all {
      let text = try String(contentsOf: Self.root.appendingPathComponent("Migrations/\(migration.fileName)"), encoding: .utf8)
      #expect(text == migration.sql, "Migrations/\(migration.fileName) differs from the embedded copy: rebuild")
    }
    #expect(EmbeddedMigration.all.map(\.version) == Array(1...EmbeddedMigration.all.count))
  }

  @Test func embeddedConnectorFilesEqualTheFiles() throws {
    let dcr = try String(contentsOf: Self.root.appendingPathComponent("Connector/DCR.json"), encoding: .utf8)
    let table = try String(contentsOf: Self.root.appendingPathComponent("Connector/table.json"), encoding: .utf8)
    #expect(dcr == EmbeddedConnector.dcr, "Connector/DCR.json differs from the embedded copy: rebuild")
    #expect(table == EmbeddedConnector.table, "Connector/table.json differs from the embedded copy: rebuild")
  }
}
