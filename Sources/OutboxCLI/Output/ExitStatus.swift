import ArgumentParser
import Delivery
import Emulator
import Findings
import Foundation
import Ingestion
import Logging
import OutboxStore

/// The process exit codes (sysexits.h, README's table): the only place they are chosen.
enum ExitStatus: Int32, Sendable {
  case ok = 0
  /// Done, but some rows were rejected or went dead.
  case partial = 1
  case usage = 64
  case dataError = 65
  /// A bug: an error no command expected (never 1, which means "rows went dead").
  case internalError = 70
  case ioError = 74
  case temporary = 75
  case configuration = 78

  var exitCode: ExitCode { ExitCode(rawValue) }

  /// The status for an error a command (or the argument parser) threw.
  init(for error: any Error) {
    switch error {
    case let code as ExitCode: self = ExitStatus(rawValue: code.rawValue) ?? .internalError
    case let failure as CommandFailure: self = failure.status
    case let error as OutboxError: self = error.exitStatus
    case is ConfigurationError: self = .configuration
    case is DrainLockError: self = .ioError
    case let error as EmulatorError: self = error.exitStatus
    case is CocoaError, is POSIXError: self = .ioError
    default:
      // The argument parser's own errors (usage 64, help and version 0); anything it does not
      // know it would call 1, which is ours for dead rows: an unexpected error is 70.
      let code = RootCommand.exitCode(for: error)
      self = code == .failure ? .internalError : ExitStatus(rawValue: code.rawValue) ?? .usage
    }
  }
}

/// A command's failure with the status it ends with (the message was already printed).
struct CommandFailure: Error, Sendable {
  let status: ExitStatus
}

extension OutboxError {
  var exitStatus: ExitStatus {
    switch self {
    case .busy: .temporary
    case .libraryTooOld: .configuration
    case .notFound, .corrupt, .damaged, .foreign, .newerSchema, .needsMigration, .migrationMismatch, .localIO: .ioError
    }
  }
}

extension EmulatorError {
  var exitStatus: ExitStatus {
    switch code {
    case .unsupportedTransform: .configuration
    case .invalidSetting: .usage
    case .workspace, .configFile, .server: .ioError
    }
  }
}

/// Prints `message` as an error on stderr and ends the command with `status`.
func fail(_ status: ExitStatus, _ message: String, _ fields: [String: String] = [:]) -> ExitCode {
  Console.shared.log(.error, message, fields.mapValues { .string($0) })
  return status.exitCode
}

/// Opens the outbox read-only (no migration, no write lock, no change to the file), turning
/// failures into a message and an exit code: `status` and `inspect`.
func openOutboxForReading(_ options: GlobalOptions) throws -> Outbox {
  do {
    return try Outbox(path: options.databasePath, options: .reading)
  } catch {
    throw fail(error.exitStatus, error.description)
  }
}

/// Opens the outbox, turning failures into a message and an exit code.
/// - Parameter synchronous: FULL unless losing the last commits to power loss is harmless
///   (`prune`: a lost deletion is simply done again by the next prune).
func openOutbox(_ options: GlobalOptions, create: Bool, synchronous: SynchronousMode = .full) throws -> Outbox {
  do {
    return try Outbox(path: options.databasePath, options: OutboxOptions(synchronous: synchronous, create: create))
  } catch {
    throw fail(error.exitStatus, error.description)
  }
}
