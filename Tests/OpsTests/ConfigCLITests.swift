import Foundation
import Ingestion
import OutboxTestSupport
import Testing

@Suite(.timeLimit(.minutes(10))) struct ConfigCLITests {
  static let flags = [
    "--tenant-id", "00000000-0000-4000-8000-000000000001", "--application-id", "00000000-0000-4000-8000-000000000002",
    "--dce-endpoint", "https://x-ab12.eastus-1.ingest.monitor.azure.com",
    "--dcr-immutable-id", "dcr-0123456789abcdef0123456789abcdef",
  ]
  static let secret = "Qx8Q~piped-secret-value-0987"

  /// A child that refuses before reading stdin must not kill the test process with SIGPIPE.
  init() { signal(SIGPIPE, SIG_IGN) }

  @Test func nonInteractiveInitReadsTheSecretFromStdin() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("c.json")
    let result = try runCLI(["config", "init", "--config", path, "--secret-file", "-"] + Self.flags, stdin: Data((Self.secret + "\n").utf8))
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!result.stdout.contains(Self.secret) && !result.stderr.contains(Self.secret))
    var info = stat()
    #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
    let loaded = try ClientConfiguration.load(path: path, environment: [:])
    #expect(loaded.secret?.revealed == Self.secret)
    #expect(loaded.streamName == "Custom-cveBusterVulnerabilities")

    let again = try runCLI(["config", "init", "--config", path, "--secret-file", "-"] + Self.flags, stdin: Data("other\n".utf8))
    #expect(again.status == 64)
    #expect(again.stderr.contains("--force"))
    #expect(try ClientConfiguration.load(path: path, environment: [:]).secret?.revealed == Self.secret)

    let forced = try runCLI(["config", "init", "--config", path, "--secret-file", "-", "--force"] + Self.flags, stdin: Data("other-1234\n".utf8))
    #expect(forced.status == 0)
    #expect(try ClientConfiguration.load(path: path, environment: [:]).secret?.revealed == "other-1234")
  }

  @Test func badFlagValueIsRefusedAndNothingWritten() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("c.json")
    var flags = Self.flags
    flags[flags.firstIndex(of: "--dcr-immutable-id")! + 1] = "dcr-123"
    let result = try runCLI(["config", "init", "--config", path, "--secret-file", "-"] + flags, stdin: Data("s3cret-1\n".utf8))
    #expect(result.status == 64)
    #expect(result.stderr.contains("--dcr-immutable-id"))
    #expect(access(path, F_OK) != 0)
  }

  @Test func missingValueWithoutTerminalSaysWhichFlag() throws {
    let directory = TemporaryDirectory()
    let result = try runCLI(["config", "init", "--config", directory.file("c.json"), "--tenant-id", "00000000-0000-4000-8000-000000000001"])
    #expect(result.status == 64)
    #expect(result.stderr.contains("missing --application-id"))
  }

  @Test func showRedactsAndCheckValidates() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("c.json")
    _ = try runCLI(["config", "init", "--config", path, "--secret-file", "-"] + Self.flags, stdin: Data(Self.secret.utf8))
    let show = try runCLI(["config", "show", "--config", path])
    #expect(show.status == 0)
    #expect(show.stdout.contains("application_secret: <redacted>"))
    #expect(show.stdout.contains("dcr_immutable_id: dcr-0123456789abcdef0123456789abcdef"))
    #expect(!show.stdout.contains(Self.secret))
    let showJSON = try runCLI(["config", "show", "--config", path, "--json"])
    #expect(showJSON.stdout.contains("\"application_secret\" : \"<redacted>\""))
    #expect(!showJSON.stdout.contains(Self.secret))

    let check = try runCLI(["config", "check", "--config", path])
    #expect(check.status == 0, "\(check.stdout)")
    #expect(check.stdout.split(separator: "\n").filter { $0.hasPrefix("ok  ") }.count == 4)

    chmod(path, 0o644)
    let shared = try runCLI(["config", "check", "--config", path])
    #expect(shared.status == 78)
    #expect(shared.stdout.contains("chmod 600"))
    let sharedShow = try runCLI(["config", "show", "--config", path])
    #expect(sharedShow.status == 78)
    #expect(!sharedShow.stdout.contains(Self.secret) && !sharedShow.stderr.contains(Self.secret))
  }

  @Test func showOfABrokenFileRedactsTheSecretAsWritten() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("c.json")
    try writeConfig(["application_secret": Self.secret, "tenant_id": "t"], to: path)
    let show = try runCLI(["config", "show", "--config", path])
    #expect(show.status == 78)
    #expect(show.stdout.contains("application_secret: <redacted>"))
    #expect(!show.stdout.contains(Self.secret) && !show.stderr.contains(Self.secret))
  }
}
