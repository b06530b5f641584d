import OutboxTestSupport
import SQLite
import Testing

/// The SQLite layer's promises: result codes that match as patterns, IMMEDIATE transactions that
/// roll back on throw, a read-only open, and SQL (never values) in errors and traces.
@Suite(.timeLimit(.minutes(10))) struct ConnectionTests {
  let directory = TemporaryDirectory()

  func database() throws -> Connection {
    let connection = try Connection(path: directory.file("test.sqlite"), create: true)
    try connection.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT")
    return connection
  }

  @Test func aPrimaryCodeMatchesItsExtendedCodes() {
    #expect(ResultCode.busy ~= ResultCode.busySnapshot)
    #expect(ResultCode.ioErr ~= ResultCode.ioErrWrite)
    #expect(!(ResultCode.ioErrWrite ~= ResultCode.ioErrFsync))
    #expect(!(ResultCode.ioErrWrite ~= ResultCode.ioErr))
    #expect(ResultCode.full ~= SQLiteError(.full, message: "full"))
    let matched: Bool
    switch SQLiteError(.busySnapshot, message: "stale").resultCode {
    case .locked: matched = false
    case .busy: matched = true
    default: matched = false
    }
    #expect(matched)
  }

  @Test func aConstraintErrorHasTheExtendedCodeAndTheSQLButNotTheValues() throws {
    let connection = try database()
    let insert = "INSERT INTO items (name) VALUES (?)"
    try connection.prepare(insert).bind(.text("secret-host-01")).run()
    do {
      try connection.prepare(insert).bind(.text("secret-host-01")).run()
      Issue.record("a duplicate was inserted")
    } catch {
      #expect(error.resultCode == .constraintUnique)
      #expect(ResultCode.constraint ~= error)
      #expect(error.sql == insert)
      #expect(!error.description.contains("secret-host-01"))
      #expect(error.description.contains(insert))
    }
  }

  @Test func anImmediateTransactionRollsBackWhenItsBodyThrows() throws {
    struct Stop: Error {}
    let connection = try database()
    #expect(throws: Stop.self) {
      try connection.immediateTransaction {
        try connection.execute("INSERT INTO items (name) VALUES ('a')")
        #expect(connection.isInTransaction)
        throw Stop()
      }
    }
    #expect(!connection.isInTransaction)
    #expect(try connection.scalarInt("SELECT count(*) FROM items") == 0)
    let name = try connection.immediateTransaction {
      try connection.execute("INSERT INTO items (name) VALUES ('b')")
      return "b"
    }
    #expect(name == "b")
    #expect(try connection.scalarInt("SELECT count(*) FROM items") == 1)
  }

  @Test func aReadOnlyConnectionReadsButRefusesWrites() throws {
    let writer = try database()
    try writer.execute("INSERT INTO items (name) VALUES ('a')")
    let reader = try Connection(path: writer.path, create: false, readOnly: true)
    #expect(try reader.scalarInt("SELECT count(*) FROM items") == 1)
    do {
      try reader.execute("INSERT INTO items (name) VALUES ('b')")
      Issue.record("a read-only connection wrote")
    } catch {
      #expect(ResultCode.readOnly ~= error.resultCode)
    }
    #expect(throws: SQLiteError.self) {
      try Connection(path: directory.file("absent.sqlite"), create: true, readOnly: true)
    }
  }

  @Test func theTraceShowsEachStatementWithPlaceholdersNotValues() throws {
    let connection = try database()
    var traced: [String] = []
    connection.trace { traced.append($0) }
    try connection.immediateTransaction {
      try connection.prepare("INSERT INTO items (name) VALUES (?)").bind(.text("secret-host-01")).run()
    }
    #expect(traced == ["BEGIN IMMEDIATE", "INSERT INTO items (name) VALUES (?)", "COMMIT"])
    connection.trace(nil)
    try connection.execute("DELETE FROM items")
    #expect(traced.count == 3)
  }

  @Test func doubleQuotedStringsAreIdentifiersOnly() throws {
    let connection = try database()
    #expect(throws: SQLiteError.self) { try connection.execute(#"SELECT * FROM items WHERE name = "a""#) }
  }
}
