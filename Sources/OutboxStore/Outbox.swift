import SQLite

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How much durability each commit buys.
public enum SynchronousMode: String, Sendable, CaseIterable {
  /// Every commit survives power loss (the WAL is synced on each commit). The default.
  case full = "FULL"
  /// Commits survive a crash of the program, but the last ones may roll back after power loss.
  case normal = "NORMAL"
}

/// Options for opening an outbox.
public struct OutboxOptions: Sendable {
  public var synchronous: SynchronousMode
  /// How long to wait for another process's write lock.
  public var busyTimeoutMillis: Int32
  /// Create the database (mode 0600, directory 0700) when it does not exist.
  public var create: Bool
  /// SQLite page cache. Keys arrive in random order, so inserts into the natural-key index touch
  /// pages all over it; a cache that holds the hot part of the index saves re-reading them.
  public var cacheKiB: Int
  /// Enqueue keeps a Bloom filter of the key hashes once the outbox holds this many lookup
  /// pairs (9 bits each in memory: 11 MB at ten million rows); below, every key is looked up.
  public var keyFilterMinimumPairs: Int
  /// Open for reading only: no migration, no write lock, no change to the file (`status`,
  /// `inspect`, `doctor`). A database that needs migrating is refused with ``OutboxError/needsMigration(path:found:latest:)``.
  public var readOnly: Bool

  public init(
    synchronous: SynchronousMode = .full, busyTimeoutMillis: Int32 = 15_000, create: Bool = true,
    cacheKiB: Int = 8_192, keyFilterMinimumPairs: Int = 262_144, readOnly: Bool = false
  ) {
    self.keyFilterMinimumPairs = keyFilterMinimumPairs
    self.synchronous = synchronous
    self.busyTimeoutMillis = busyTimeoutMillis
    self.create = create && !readOnly
    self.cacheKiB = cacheKiB
    self.readOnly = readOnly
  }

  /// For commands that only read.
  public static let reading = OutboxOptions(busyTimeoutMillis: 5_000, create: false, cacheKiB: 2_048, readOnly: true)
}

/// The SQLite outbox: one row per finding natural key, delivered at least once.
///
/// One instance per process and thread; every write is a short `BEGIN IMMEDIATE` transaction.
public final class Outbox {
  /// `application_id` of our databases ("CVB0"), so foreign SQLite files are refused.
  public static let applicationID: Int32 = 0x4356_4230
  /// How large the write-ahead log grows before a checkpoint, and what it is cut back to after.
  static let walCheckpointBytes: Int64 = 64 << 20

  public let path: String
  let connection: Connection
  /// Enqueue's Bloom filter of known key hashes (`Outbox+KeyFilter`).
  var keyFilter: KeyFilterState

  /// Opens the outbox at `path`, creating and migrating it as needed.
  /// - Throws: `OutboxError` — a foreign, newer or damaged file is refused and left untouched.
  public init(path: String, options: OutboxOptions = .init()) throws(OutboxError) {
    self.path = path
    keyFilter = KeyFilterState(minimumPairs: options.keyFilterMinimumPairs)
    if options.readOnly {
      connection = try Self.openForReading(path: path, busyTimeoutMillis: options.busyTimeoutMillis)
      return
    }
    guard sqlite3LibraryVersionNumber() >= Connection.minimumLibraryVersion.number else {
      throw .libraryTooOld(found: Connection.libraryVersion, needed: Connection.minimumLibraryVersion.text)
    }
    // Past `ulimit -f` a write should fail with EFBIG (and a message), not kill the process.
    signal(SIGXFSZ, SIG_IGN)
    let exists = try Self.refuseIfNotRegular(path)
    if !exists {
      guard options.create else { throw .notFound(path: path) }
      try Self.createPrivateFile(at: path)
    } else {
      try Self.checkHeader(path: path)
    }
    do {
      connection = try Connection(path: path, create: false)
      connection.setBusyTimeout(milliseconds: options.busyTimeoutMillis)
    } catch {
      throw OutboxError.from(error, path: path)
    }
    do {
      try Migrator(connection: connection, path: path).checkOwnership()
      try Self.switchToWAL(connection, waitingUpTo: options.busyTimeoutMillis)
      try connection.execute("PRAGMA synchronous = \(options.synchronous.rawValue)")
      try connection.execute("PRAGMA journal_size_limit = \(Self.walCheckpointBytes)")
      // Checkpoint once the WAL holds about as much as it may keep: a page a writer dirties again
      // and again (a random key-index page) is then copied back once per 64 MiB, not once per
      // 4 MiB, SQLite's default. Measured (docs/benchmarks.md): enqueue about 15 % faster, prune 40 %.
      let pageSize = max(512, try connection.scalarInt("PRAGMA page_size"))
      try connection.execute("PRAGMA wal_autocheckpoint = \(Self.walCheckpointBytes / pageSize)")
      try connection.execute("PRAGMA cache_size = -\(options.cacheKiB)")
      try connection.defineKeyHashFunction()
      // Off while migrations rebuild tables that others reference (SQLite's documented procedure).
      try connection.execute("PRAGMA foreign_keys = OFF")
      try Migrator(connection: connection, path: path).migrate()
      try connection.execute("PRAGMA foreign_keys = ON")
    } catch let error as OutboxError {
      throw error
    } catch let error as SQLiteError {
      throw OutboxError.from(error, path: path)
    } catch {
      throw .localIO(path: path, detail: "\(error)")
    }
  }

  /// Puts a new outbox in WAL mode (a no-op once it is). Two processes creating one outbox at
  /// once can both hold a read lock on the still rollback-journal file while each asks for the
  /// exclusive lock this needs; SQLite then fails one of them with SQLITE_BUSY at once instead
  /// of calling the busy handler, which would deadlock. That one tries again, up to the busy
  /// timeout, and finds the file in WAL mode once the other is done.
  private static func switchToWAL(_ connection: Connection, waitingUpTo timeoutMillis: Int32) throws(SQLiteError) {
    let deadline = ShortTransactions.monotonicMillis() + Int64(timeoutMillis)
    while true {
      do {
        try connection.execute("PRAGMA journal_mode = WAL")
        return
      } catch let error where error.isBusy && ShortTransactions.monotonicMillis() < deadline {
        usleep(1_000)
      }
    }
  }

  /// Opens `path` read-only and checks it is an outbox at this build's schema version. Falls back
  /// to SQLite's `immutable` mode when the user can read the file but not create its `-shm`.
  private static func openForReading(path: String, busyTimeoutMillis: Int32) throws(OutboxError) -> Connection {
    guard access(path, F_OK) == 0 else { throw .notFound(path: path) }
    try checkHeader(path: path)
    func open(immutable: Bool) throws(OutboxError) -> Connection {
      do {
        let connection = try Connection(path: path, create: false, readOnly: true, immutable: immutable)
        connection.setBusyTimeout(milliseconds: busyTimeoutMillis)
        try Migrator(connection: connection, path: path).checkOwnership()
        let found = Int(try connection.scalarInt("SELECT coalesce(max(version), 0) FROM schema_migrations"))
        if found < latestSchemaVersion { throw OutboxError.needsMigration(path: path, found: found, latest: latestSchemaVersion) }
        try connection.execute("PRAGMA query_only = ON")
        return connection
      } catch let error as OutboxError {
        throw error
      } catch let error as SQLiteError {
        throw OutboxError.from(error, path: path)
      } catch {
        throw .localIO(path: path, detail: "\(error)")
      }
    }
    do {
      return try open(immutable: false)
    } catch .localIO where !canCreateSiblings(of: path) {
      return try open(immutable: true)
    }
  }

  /// Whether this user may create files beside `path` (SQLite's `-shm` for a WAL reader).
  private static func canCreateSiblings(of path: String) -> Bool {
    let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    return access(directory.isEmpty ? "/" : directory, W_OK) == 0
      || access(path + "-shm", R_OK | W_OK) == 0
  }

  /// Creates the directory (0700) and an empty file (0600): the outbox is a map of unpatched machines.
  private static func createPrivateFile(at path: String) throws(OutboxError) {
    if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
      let directory = String(path[..<slash])
      var current = directory.hasPrefix("/") ? "" : "."
      for component in directory.split(separator: "/") {
        current += "/" + component
        if mkdir(current, 0o700) != 0 && errno != EEXIST {
          throw .localIO(path: path, detail: "cannot create directory \(current): \(String(cString: strerror(errno)))")
        }
      }
    }
    let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
    if descriptor < 0 {
      if errno == EEXIST { return }
      throw .localIO(path: path, detail: "cannot create: \(String(cString: strerror(errno)))")
    }
    close(descriptor)
  }

  /// True when a regular file is at `path`, false when nothing is; anything else (a symlink,
  /// a device such as /dev/null, a directory, a FIFO) is refused before SQLite creates a journal beside it.
  private static func refuseIfNotRegular(_ path: String) throws(OutboxError) -> Bool {
    var info = stat()
    guard lstat(path, &info) == 0 else {
      if errno == ENOENT { return false }
      throw .localIO(path: path, detail: "cannot stat: \(String(cString: strerror(errno)))")
    }
    let kind: String
    switch info.st_mode & S_IFMT {
    case S_IFREG: return true
    case S_IFLNK: kind = "a symbolic link"
    case S_IFDIR: kind = "a directory"
    case S_IFCHR, S_IFBLK: kind = "a device"
    default: kind = "not a regular file"
    }
    throw .localIO(
      path: path,
      detail: "is \(kind); the outbox must be a regular file or a path that does not exist yet "
        + "(fix: point --db or CVEBUSTER_OUTBOX_DB at a file such as ~/.local/state/cvebuster-outbox/outbox.sqlite)")
  }

  /// Refuses files that are not SQLite before SQLite gets a chance to touch them.
  private static func checkHeader(path: String) throws(OutboxError) {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    guard descriptor >= 0 else {
      throw .localIO(path: path, detail: "cannot open: \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    var header = [UInt8](repeating: 0, count: 16)
    let count = header.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, 16) }
    if count == 0 { return }  // empty file: a database being created right now
    guard count == 16, header == Array("SQLite format 3\0".utf8) else {
      throw .corrupt(path: path, detail: "no SQLite header")
    }
  }

  /// Seconds-resolution wall clock in milliseconds, the outbox's time unit.
  public static func now() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
  }
}

private func sqlite3LibraryVersionNumber() -> Int32 {
  Connection.libraryVersionNumber
}
