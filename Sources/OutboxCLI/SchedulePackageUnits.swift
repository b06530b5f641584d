import ArgumentParser
import Foundation
import Operator

/// The units the Debian package installs, from the same `SystemdUnits` as `schedule systemd`.
enum PackageUnits {
  /// Where the package installs the binary, and the account its postinst creates.
  static let binary = "/usr/bin/cvebuster-outbox"
  static let user = "cvebuster-outbox"

  /// Writes the hourly drain service and timer, the watch service and the prune units.
  static func write(into directory: String) throws {
    let config = "/etc/cvebuster-outbox/connector_config.json"
    var files: [String: String] = [:]
    do {
      for mode in [SystemdUnits.Mode.timer(.calendar("hourly")), .watch] {
        for file in try SystemdUnits(mode: mode, binary: binary, configFile: config, user: user).files {
          files[file.name] = file.contents
        }
      }
    } catch {
      throw usage(error)
    }
    for (name, contents) in files.sorted(by: { $0.key < $1.key }) {
      let path = directory + "/" + name
      do {
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
      } catch {
        FileHandle.standardError.write(Data("cannot write \(path): \(error.localizedDescription)\n".utf8))
        throw ExitCode(74)
      }
      print(path)
    }
  }
}
