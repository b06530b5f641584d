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
        StandardOutput.write("unchanged \(path)\n")
      } else {
        do {
          try Data(file.contents.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
          try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        } catch {
          throw failure("cannot write \(path): \(error.localizedDescription) (run as root, or pass --unit-dir)")
        }
        StandardOutput.write("\(existing == nil ? "created" : "updated") \(path)\n")
      }
      written.append(path)
    }
    try verify(written)
    StandardOutput.write("Now run:\n")
    for command in units.activationCommands(unitDirectory: directory) { StandardOutput.write("  \(command)\n") }
  }

  /// Runs `systemd-analyze verify` on the written files and shows what it says; a unit it
  /// rejects is a configuration problem (exit 78), reported after the files are in place so
  /// they can be inspected.
  private func verify(_ paths: [String]) throws {
    guard
      let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first(where: {
        FileManager.default.isExecutableFile(atPath: $0)
      })
    else {
      Diagnostics.warning("systemd-analyze not found; units not verified")
      return
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: analyze)
    process.arguments = ["verify"] + paths
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = errors
    do {
      try process.run()
    } catch {
      Diagnostics.warning("could not run \(analyze): \(error)")
      return
    }
    let output = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let said = String(decoding: output, as: UTF8.self)
    for line in said.split(whereSeparator: \.isNewline) { Diagnostics.warning("systemd-analyze: \(line)") }
    if process.terminationStatus != 0 {
      throw failure("systemd-analyze verify rejected the units (see above); fix the options and run again", .configuration)
    }
    if output.isEmpty { StandardOutput.write("verified with systemd-analyze verify\n") }
  }

  /// Prints `message` on stderr and gives the exit code to throw (74 local I/O by default).
  private func failure(_ message: String, _ status: ExitStatus = .ioError) -> ExitCode {
    fail(status, "schedule systemd: \(message)")
  }
}
