import SQLite

extension Outbox {
  /// The newest migration applied to this database (`schema_migrations.version`).
  /// - Throws: `OutboxError` when the table cannot be read.
  public func schemaVersion() throws(OutboxError) -> Int {
    do {
      return Int(try connection.scalarInt("SELECT coalesce(max(version), 0) FROM schema_migrations"))
    } catch {
      throw OutboxError.from(error, path: path)
    }
  }

  /// The newest migration this build knows.
  public static var latestSchemaVersion: Int { EmbeddedMigration.all.last?.version ?? 0 }

  /// `PRAGMA quick_check`: an empty array when the database is sound, else SQLite's problem lines.
  /// - Throws: `OutboxError` when the check itself cannot run.
  public func quickCheck() throws(OutboxError) -> [String] {
    var lines: [String] = []
    do {
      try connection.prepare("PRAGMA quick_check").forEachRow { row in
        lines.append(row.text(0) ?? "")
      }
    } catch {
      throw OutboxError.from(error, path: path)
    }
    return lines == ["ok"] ? [] : lines
  }
}
