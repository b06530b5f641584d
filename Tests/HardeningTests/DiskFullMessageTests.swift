import SQLite
import Testing

@testable import OutboxStore

/// Issue 15.9: a full disk is explained with the database path and the fix, not raw SQLite text.
@Suite(.timeLimit(.minutes(10))) struct DiskFullMessageTests {
  @Test func sqliteFullNamesThePathAndTheFix() {
    let error = OutboxError.from(SQLiteError(.full, message: "database or disk is full"), path: "/var/lib/x/outbox.sqlite")
    let text = error.description
    #expect(text.hasPrefix("/var/lib/x/outbox.sqlite: cannot write the outbox database"))
    #expect(text.contains("df -h /var/lib/x"))
    #expect(text.contains("rolled back"))
  }

  @Test func otherErrorsKeepSQLitesText() {
    let error = OutboxError.from(SQLiteError(.cantOpen, message: "unable to open"), path: "/x.sqlite")
    #expect(error.description.contains("unable to open"))
    #expect(!error.description.contains("df -h"))
  }
}
