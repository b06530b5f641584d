import SQLite

#if canImport(Glibc)
  import Glibc
#endif

/// Why the outbox could not do what was asked. Each case says what to do about it.
public enum OutboxError: Error, Sendable, CustomStringConvertible {
  /// No database at the path and the command does not create one.
  case notFound(path: String)
  /// The file is not an SQLite database; it was refused before anything opened it.
  case corrupt(path: String, detail: String)
  /// SQLite met a damaged page; the transaction that met it was rolled back.
  case damaged(path: String, detail: String)
  /// An SQLite database that belongs to some other program.
  case foreign(path: String, detail: String)
  /// Written by a newer cvebuster-outbox than this one.
  case newerSchema(path: String, found: Int, supported: Int)
  /// An older schema, and the command only reads: a write command upgrades it.
  case needsMigration(path: String, found: Int, latest: Int)
  /// An applied migration differs from the one compiled into this binary.
  case migrationMismatch(path: String, version: Int, name: String)
  /// The SQLite library is older than the schema needs.
  case libraryTooOld(found: String, needed: String)
  /// Another process holds the write lock longer than the busy timeout.
  case busy(path: String, detail: String)
  /// Disk full, permissions, I/O errors: the local machine.
  case localIO(path: String, detail: String)

  public var description: String {
    switch self {
    case .notFound(let path):
      "no outbox database at \(path): enqueue findings first, or pass --db / set CVEBUSTER_OUTBOX_DB"
    case .corrupt(let path, let detail):
      "\(path) is not a usable SQLite database (\(detail)); it was left untouched. Restore a backup or point --db elsewhere"
    case .damaged(let path, let detail):
      "\(path) is damaged (\(detail)); the transaction that met the damage was rolled back, but the file may have "
        + "been damaged before. Stop writers, then: run `cvebuster-outbox doctor --db \(path)` to see the extent; "
        + "recover what SQLite can read with `sqlite3 \(path) .recover | sqlite3 \(path).recovered` and point --db at "
        + "the new file (rows already sent may be sent again); or restore a backup"
    case .foreign(let path, let detail):
      "\(path) is an SQLite database of another program (\(detail)); refusing to change it. Point --db at a cvebuster-outbox database"
    case .newerSchema(let path, let found, let supported):
      "\(path) has schema version \(found), but this cvebuster-outbox knows only up to \(supported); upgrade cvebuster-outbox. The database was not changed"
    case .needsMigration(let path, let found, let latest):
      "\(path) has schema version \(found) and this cvebuster-outbox uses \(latest); this command only reads, so it "
        + "did not upgrade it: run any write command (enqueue, drain) to upgrade"
    case .migrationMismatch(let path, let version, let name):
      "\(path): migration \(version) (\(name)) applied there differs from this build's copy; refusing to continue"
    case .libraryTooOld(let found, let needed):
      "the SQLite library is \(found), but the outbox needs \(needed) or newer (Debian 12 ships 3.40)"
    case .busy(let path, let detail):
      "\(path) stayed locked by another process (\(detail)); try again"
    case .localIO(let path, let detail):
      "\(path): \(detail)"
    }
  }

  /// Classifies an SQLite failure on `path`.
  static func from(_ error: SQLiteError, path: String) -> OutboxError {
    if error.isCorrupt { return .damaged(path: path, detail: error.message) }
    if error.isBusy { return .busy(path: path, detail: error.message) }
    switch error.resultCode {
    case .full, .ioErrWrite, .ioErrFsync: return .localIO(path: path, detail: writeFailure(error, path: path))
    default: return .localIO(path: path, detail: error.description)
    }
  }

  /// A failed write explained: the file size limit (`ulimit -f`, EFBIG) when one is set, else a
  /// full disk; with the fix, and that the transaction rolled back (nothing acknowledged was lost).
  static func writeFailure(_ error: SQLiteError, path: String) -> String {
    let directory = path.lastIndex(of: "/").map { String(path[..<$0]) }.flatMap { $0.isEmpty ? "/" : $0 } ?? "."
    var limit = rlimit()
    let what: String
    if getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {
      what =
        "the file size limit of this process (ulimit -f: \(limit.rlim_cur / 1024) KiB) was reached. "
        + "Fix: raise it (ulimit -f unlimited, or LimitFSIZE= in the systemd unit) and run again"
    } else {
      what =
        "the file system holding it is full (or out of inodes). "
        + "Fix: free space there (df -h \(directory); prune --sent-older-than 30d), or move the outbox with --db, "
        + "and run again"
    }
    return "cannot write the outbox database: \(what). The transaction was rolled back; rows already "
      + "acknowledged are safe (\(error.description))"
  }
}
