import ArgumentParser
import Foundation
import Operator

/// Writes unit files for `schedule systemd --install`, checks them with `systemd-analyze
/// verify` when it is installed, and prints what to run next.
struct UnitInstaller {
  let directory: String

  func install(_ units: SystemdUnits) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw failure("unit directory \(directory) does not exist; create it or pass --unit-dir")
    }
    var written: [String] = []
    for file in units.files {
      let path = directory + "/" + file.name
      let existing = try? String(contentsOfFile: path, encoding: .utf8)
      if existing == file.contents {
        print("unchanged \(path)")
      } else {
        do {
          try Data(file.contents.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
          try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        } catch {
          throw failure("cannot write \(path): \(error.localizedDescription) (run as root, or pass --unit-dir)")
        }
        print("\(existing == nil ? "created" : "updated") \(path)")
      }
      written.append(path)
    }
    try verify(written)
    print("Now run:")
    for command in units.activationCommands(unitDirectory: directory) { print("  \(command)") }
  }

  /// Runs `systemd-analyze verify` on the written files and shows what it says; a unit it
  /// rejects is a configuration problem (exit 78), reported after the files are in place so
  /// they can be inspected.
  private func verify(_ paths: [String]) throws {
    guard let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first(where: {
      FileManager.default.isExecutableFile(atPath: $0)
    }) else {
      FileHandle.standardError.write(Data("note: systemd-analyze not found; units not verified\n".utf8))
      return
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: analyze)
    process.arguments = ["verify"] + paths
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.standardError
    do {
      try process.run()
    } catch {
      FileHandle.standardError.write(Data("note: could not run \(analyze): \(error)\n".utf8))
      return
    }
    let output = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    FileHandle.standardError.write(output)
    if process.terminationStatus != 0 {
      throw failure("systemd-analyze verify rejected the units (see above); fix the options and run again", code: 78)
    }
    if output.isEmpty { print("verified with systemd-analyze verify") }
  }

  /// Prints `message` on stderr and gives the exit code to throw (74 local I/O by default).
  private func failure(_ message: String, code: Int32 = 74) -> ExitCode {
    FileHandle.standardError.write(Data("cvebuster-outbox schedule systemd: \(message)\n".utf8))
    return ExitCode(code)
  }
}
