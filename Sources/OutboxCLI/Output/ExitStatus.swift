import ArgumentParser
import Findings
import OutboxStore

/// The process exit codes (sysexits.h), the only place they are chosen.
enum ExitStatus: Int32 {
  case ok = 0
  /// Done, but some rows were rejected or went dead.
  case partial = 1
  case usage = 64
  case dataError = 65
  case ioError = 74
  case temporary = 75
  case configuration = 78

  var exitCode: ExitCode { ExitCode(rawValue) }
}

extension OutboxError {
  var exitStatus: ExitStatus {
    switch self {
    case .busy: .temporary
    case .libraryTooOld: .configuration
    case .notFound, .corrupt, .foreign, .newerSchema, .migrationMismatch, .localIO: .ioError
    }
  }
}

/// Prints `message` as an error on stderr and ends the command with `status`.
func fail(_ status: ExitStatus, _ message: String) -> ExitCode {
  Diagnostics.error(message)
  return status.exitCode
}

/// Opens the outbox, turning failures into a message and an exit code.
func openOutbox(_ options: GlobalOptions, create: Bool) throws -> Outbox {
  do {
    return try Outbox(path: options.databasePath, options: OutboxOptions(create: create))
  } catch {
    throw fail(error.exitStatus, error.description)
  }
}
