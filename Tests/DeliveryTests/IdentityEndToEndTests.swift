import Foundation
import OutboxTestSupport
import Testing

/// Managed identity (IMDS) and workload identity (federated token file): the real `drain`
/// against the emulator's IMDS twin and its v2.0 token endpoint, using the configs the emulator writes.
@Suite(.serialized, .timeLimit(.minutes(10))) struct IdentityEndToEndTests {
  static func config(_ path: String) throws -> [String: String] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
  }

  static func arrivedCount(_ workspace: String) throws -> String {
    try sqlite(workspace, "SELECT count(*) || ' ' || count(DISTINCT VulnId || MachineName) FROM cveBusterVulnerabilities_CL")
  }

  @Test func managedIdentityThroughIMDS() throws {
    let dir = TemporaryDirectory()
    let workspace = dir.file("arrived.sqlite")
    let emulator = try EmulatorProcess(
      in: dir, flags: ["--workspace", workspace, "--config-auth", "managed_identity"])
    let keys = try Self.config(emulator.configPath)
    #expect(keys["auth"] == "managed_identity")
    #expect(keys["imds_endpoint"] == emulator.baseURL)
    #expect(keys["application_secret"] == nil && keys["tenant_id"] == nil)
    let db = try enqueuedDatabase(in: dir, count: 300)
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath, "--max-body-bytes", "20000"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try outboxStatus(db)["sent"] == 300)
    #expect(try Self.arrivedCount(workspace) == "300 300")
    let stats = try emulator.stats()
    #expect((stats["imds_requests_by_status"] as? [String: Int])?["200"] == 1, "one token for the whole run")
    #expect((stats["token_requests_by_status"] as? [String: Int])?.isEmpty == true, "no client-credential requests")
  }

  @Test(arguments: [503, 429])
  func managedIdentityRetriesIMDS(status: Int) throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(
      in: dir,
      flags: ["--config-auth", "managed_identity", "--imds-fail-first", "2", "--imds-fail-status", String(status)])
    let db = try enqueuedDatabase(in: dir, count: 100)
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try outboxStatus(db)["sent"] == 100)
    let stats = try emulator.stats()
    #expect(stats["imds_requests_by_status"] as? [String: Int] == [String(status): 2, "200": 1])
    #expect(try emulator.stat("rows_stored") == 100)
  }

  @Test func workloadIdentityWithAFederatedTokenFile() throws {
    let dir = TemporaryDirectory()
    let workspace = dir.file("arrived.sqlite")
    let token = "eyJhbGciOiJSUzI1NiJ9.e30.projected-service-account-token-\(UUID().uuidString)"
    let emulator = try EmulatorProcess(
      in: dir,
      flags: ["--workspace", workspace, "--config-auth", "workload_identity", "--federated-token", token])
    let keys = try Self.config(emulator.configPath)
    #expect(keys["auth"] == "workload_identity")
    let tokenFile = try #require(keys["federated_token_file"])
    #expect(try String(contentsOfFile: tokenFile, encoding: .utf8) == token)
    #expect(keys["application_secret"] == nil)
    let db = try enqueuedDatabase(in: dir, count: 300)
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath, "--max-body-bytes", "20000", "-v"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!(result.stdout + result.stderr).contains(token))
    #expect(try outboxStatus(db)["sent"] == 300)
    #expect(try Self.arrivedCount(workspace) == "300 300")
    #expect((try emulator.stats()["token_requests_by_status"] as? [String: Int])?["200"] == 1)
  }

  @Test func aWrongFederatedTokenStopsWith78AndNeverPrintsIt() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--config-auth", "workload_identity"])
    let tokenFile = try #require(try Self.config(emulator.configPath)["federated_token_file"])
    let wrong = "eyJhbGciOiJSUzI1NiJ9.e30.stale-token-\(UUID().uuidString)"
    try Data(wrong.utf8).write(to: URL(fileURLWithPath: tokenFile))
    let db = try enqueuedDatabase(in: dir, count: 50)
    for format in ["text", "json"] {
      let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath, "-v", "--log-format", format])
      #expect(result.status == 78, "\(result.stderr)")
      #expect(result.stderr.contains("AADSTS70021"))
      #expect(result.stderr.contains("federated"), "the message should point at the federated credential: \(result.stderr)")
      #expect(!(result.stdout + result.stderr).contains(wrong))
      #expect(!(result.stdout + result.stderr).contains("stale-token"))
    }
    #expect(try outboxStatus(db)["pending"] == 50)
    #expect(try sqlite(db, "SELECT max(attempts) FROM findings") == "0")
    #expect(try sqlite(db, "SELECT count(*) FROM findings WHERE instr(coalesce(last_error, ''), 'stale-token') > 0") == "0")
  }

  @Test func aMissingFederatedTokenFileStopsWith78NamingIt() throws {
    let dir = TemporaryDirectory()
    let emulator = try EmulatorProcess(in: dir, flags: ["--config-auth", "workload_identity"])
    let tokenFile = try #require(try Self.config(emulator.configPath)["federated_token_file"])
    try FileManager.default.removeItem(atPath: tokenFile)
    let db = try enqueuedDatabase(in: dir, count: 10)
    let result = try runCLI(["drain", "--db", db, "--config", emulator.configPath])
    #expect(result.status == 78, "\(result.stderr)")
    #expect(result.stderr.contains(tokenFile))
    #expect(try outboxStatus(db)["pending"] == 10)
  }
}
