import Findings
import SQLite

/// Applies `EmbeddedMigration.all` in order, each in one IMMEDIATE transaction, and records
/// version, name and checksum in `schema_migrations`.
struct Migrator {
  let connection: Connection
  let path: String
  var migrations: [EmbeddedMigration] = EmbeddedMigration.all

  /// Refuses a database that is not ours, is newer than this build, or had different migrations.
  func checkOwnership() throws {
    let applicationID: Int64
    let objects: Int64
    do {
      applicationID = try connection.scalarInt("PRAGMA application_id")
      objects = try connection.scalarInt("SELECT count(*) FROM sqlite_schema")
    } catch {
      // Nothing was written yet: a damaged file refused here is untouched.
      if case .damaged(let path, let detail) = OutboxError.from(error, path: path) {
        throw OutboxError.corrupt(path: path, detail: detail)
      }
      throw OutboxError.from(error, path: path)
    }
    if applicationID == 0 && objects == 0 { return }  // a fresh, empty database
    guard applicationID == Int64(Outbox.applicationID) else {
      throw OutboxError.foreign(path: path, detail: "application_id \(applicationID), \(objects) schema objects")
    }
    try checkApplied()
  }

  private func checkApplied() throws {
    let latest = migrations.last?.version ?? 0
    var applied: [(version: Int, name: String, checksum: String)] = []
    do {
      try connection.prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version").forEachRow { row in
        applied.append((row.int(0), row.text(1) ?? "", row.text(2) ?? ""))
      }
    } catch {
      throw OutboxError.corrupt(path: path, detail: "cannot read schema_migrations: \(error.message)")
    }
    if let newest = applied.last?.version, newest > latest {
      throw OutboxError.newerSchema(path: path, found: newest, supported: latest)
    }
    for record in applied {
      let migration = migrations.first { $0.version == record.version }
      guard let migration, SHA256.hexDigest(Array(migration.sql.utf8)) == record.checksum else {
        throw OutboxError.migrationMismatch(path: path, version: record.version, name: record.name)
      }
    }
  }

  /// Applies every migration newer than the database's version.
  func migrate() throws {
    for migration in migrations {
      try connection.immediateTransaction {
        try connection.execute(
          """
          CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL
          ) STRICT
          """)
        // Re-read inside the lock: another process may have migrated meanwhile.
        let applied =
          try connection.prepare("SELECT 1 FROM schema_migrations WHERE version = ?")
          .bind(.integer(Int64(migration.version))).firstRow { _ in true } ?? false
        if applied { return }
        // The embedded migrations are the one place SQL may edit the schema text (0007 does).
        try connection.withSchemaEditsAllowed { try connection.execute(migration.sql) }
        try connection.prepare("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)")
          .bind(
            .integer(Int64(migration.version)), .text(migration.name),
            .text(SHA256.hexDigest(Array(migration.sql.utf8))), .integer(Outbox.now())
          )
          .run()
        try connection.execute("PRAGMA application_id = \(Outbox.applicationID)")
      }
    }
  }
}
