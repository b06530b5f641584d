import CSQLite
import Findings
import Foundation
import OutboxStore
import OutboxTestSupport
import Testing

@Suite struct MigrationTests {
  @Test func freshDatabaseIsMigratedAndPrivate() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("state/sub/outbox.sqlite")
    let outbox = try Outbox(path: path)
    _ = try outbox.enqueue([validFinding()])
    #expect(query(path, "SELECT version, name FROM schema_migrations") == [["1", "init"]])
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

  @Test func reopeningIsANoOp() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    _ = try Outbox(path: path)
    _ = try Outbox(path: path)
    #expect(query(path, "SELECT count(*) FROM schema_migrations") == [["1"]])
  }

  @Test func newerDatabaseIsRefusedAndUntouched() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("outbox.sqlite")
    do { _ = try Outbox(path: path) }
    var handle: OpaquePointer?
    sqlite3_open(path, &handle)
    sqlite3_exec(handle, "INSERT INTO schema_migrations VALUES (99, 'future', 'x', 0); PRAGMA wal_checkpoint(TRUNCATE);", nil, nil, nil)
    sqlite3_close(handle)
    let before = fileBytes(path)
    #expect(throws: OutboxError.self) { try Outbox(path: path) }
    do {
      _ = try Outbox(path: path)
    } catch {
      guard case .newerSchema(_, 99, 1) = error else { Issue.record("wrong error \(error)"); return }
      #expect(error.description.contains("upgrade cvebuster-outbox"))
    }
    #expect(fileBytes(path) == before)
  }

  @Test func foreignSQLiteFileIsRefusedAndUntouched() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("other.sqlite")
    var handle: OpaquePointer?
    sqlite3_open(path, &handle)
    sqlite3_exec(handle, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'a');", nil, nil, nil)
    sqlite3_close(handle)
    let before = fileBytes(path)
    do {
      _ = try Outbox(path: path)
      Issue.record("foreign database accepted")
    } catch {
      guard case .foreign = error else { Issue.record("wrong error \(error)"); return }
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
      guard case .corrupt = error else { Issue.record("\(name): wrong error \(error)"); return }
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
    var handle: OpaquePointer?
    sqlite3_open(path, &handle)
    sqlite3_exec(handle, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1", nil, nil, nil)
    sqlite3_close(handle)
    do {
      _ = try Outbox(path: path)
      Issue.record("edited migration accepted")
    } catch {
      guard case .migrationMismatch(_, 1, "init") = error else { Issue.record("wrong error \(error)"); return }
    }
  }
}

@Suite struct EmbeddedResourcesTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  @Test func embeddedMigrationsEqualTheFiles() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Migrations").path)
      .filter { $0.hasSuffix(".sql") }.sorted()
    #expect(files == EmbeddedMigration.all.map(\.fileName), "run Scripts/embed-resources")
    for migration in EmbeddedMigration.all {
      let text = try String(contentsOf: Self.root.appendingPathComponent("Migrations/\(migration.fileName)"), encoding: .utf8)
      #expect(text == migration.sql, "Migrations/\(migration.fileName) differs from the embedded copy: run Scripts/embed-resources")
    }
    #expect(EmbeddedMigration.all.map(\.version) == Array(1...EmbeddedMigration.all.count))
  }

  @Test func embeddedConnectorFilesEqualTheFiles() throws {
    let dcr = try String(contentsOf: Self.root.appendingPathComponent("Connector/DCR.json"), encoding: .utf8)
    let table = try String(contentsOf: Self.root.appendingPathComponent("Connector/table.json"), encoding: .utf8)
    #expect(dcr == EmbeddedConnector.dcr, "Connector/DCR.json differs from the embedded copy: run Scripts/embed-resources")
    #expect(table == EmbeddedConnector.table, "Connector/table.json differs from the embedded copy: run Scripts/embed-resources")
  }
}
