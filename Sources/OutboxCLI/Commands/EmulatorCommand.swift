import ArgumentParser
import Emulator
import Findings
import Foundation
import Synchronization

/// `cvebuster-outbox emulator`: a local Entra ID token endpoint, IMDS token endpoint and Logs Ingestion endpoint.
struct EmulatorCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "emulator",
    abstract: "Run a local Entra ID + Logs Ingestion endpoint, to try everything offline.",
    discussion: """
      The first line on stdout is the base URL (http://127.0.0.1:PORT). Rows are stored in a \
      SQLite table named like the Log Analytics table (--workspace FILE; in memory by default). \
      GET /_emulator/stats shows what arrived and what the service would have silently changed. \
      Stops cleanly on SIGINT or SIGTERM. Managed identity: GET /metadata/identity/oauth2/token \
      (point imds_endpoint here); workload identity: the token endpoint also takes --federated-token \
      as a jwt-bearer client assertion. See docs/emulator.md.

      Example: cvebuster-outbox emulator --workspace ws.sqlite --write-config client.json --fault-429 0.1
      """)

  @OptionGroup(title: "Global Options") var global: GlobalOptions

  @Option(help: "Address to listen on.") var host = "127.0.0.1"
  @Option(help: "Port to listen on; 0 picks a free port.") var port = 0
  @Option(help: "Tenant id the token endpoint accepts.") var tenantId = EmulatorIdentity.defaults.tenantId
  @Option(help: "Application (client) id accepted.") var clientId = EmulatorIdentity.defaults.clientId
  @Option(help: "Client secret accepted.") var clientSecret = EmulatorIdentity.defaults.clientSecret
  @Option(help: "DCR immutable id accepted.") var dcrId = EmulatorIdentity.defaults.dcrImmutableId
  @Option(help: "Federated token (workload identity) accepted as the client assertion.")
  var federatedToken = EmulatorIdentity.defaultFederatedToken
  @Option(help: ArgumentHelp("Lifetime of issued tokens.", valueName: "duration"))
  var tokenTtl = DurationArgument(millis: 3_599_000)
  @Option(help: ArgumentHelp("SQLite file for accepted rows (created if missing); in memory if omitted.", valueName: "path"), completion: .file())
  var workspace: String?
  @Option(help: ArgumentHelp("Write a client config (mode 0600) for this instance to FILE.", valueName: "file"), completion: .file())
  var writeConfig: String?
  @Option(
    help: ArgumentHelp(
      "Credential of the written config: secret, managed_identity (this emulator's IMDS) or workload_identity "
        + "(a federated token file written next to the config).", valueName: "kind"))
  var configAuth = "secret"
  @Flag(help: "Benchmark mode: authenticate, enforce the size limit, decompress and count rows; store nothing.")
  var sink = false
  @Flag(help: "Answer every ingestion request 403, as when the app lacks the Monitoring Metrics Publisher role.")
  var withoutRole = false
  @Option(help: "Requests per minute before 429 (sliding window; 0 = no limit).") var throttleRpm = 12_000
  @Option(help: "Decompressed bytes per minute before 429 (0 = no limit).") var throttleBytesPerMinute = 0

  @Option(help: "Seed for injected faults; the same seed replays the same faults.") var faultSeed: UInt64 = 1
  @Option(name: .customLong("fault-429"), help: "Probability of an injected 429.") var fault429 = 0.0
  @Option(help: ArgumentHelp("Retry-After on injected 429 and 503 answers (whole seconds).", valueName: "duration"))
  var retryAfter = DurationArgument(millis: 1_000)
  @Option(name: .customLong("fault-500"), help: "Probability of an injected 500.") var fault500 = 0.0
  @Option(name: .customLong("fault-503"), help: "Probability of an injected 503.") var fault503 = 0.0
  @Option(help: "Probability of closing the connection with no response.") var faultReset = 0.0
  @Option(help: "Probability of storing the rows, then dropping the connection (a lost acknowledgement).")
  var faultLostAck = 0.0
  @Flag(help: "Lost acknowledgements answer 500 instead of dropping the connection.") var lostAck500 = false
  @Option(help: "Milliseconds added before every ingestion answer.") var latencyMs = 0
  @Option(help: "The first N ingestion requests answer 503.") var failFirst = 0
  @Option(
    help: ArgumentHelp(
      "Fail every ingestion request (500, 503 or reset) until POST /_emulator/outage/end.", valueName: "kind"))
  var outage: FaultPlan.Outage?
  @Option(help: ArgumentHelp("Answer 400 InvalidArgument to a request with a row whose JSON contains TEXT (repeatable).", valueName: "text"))
  var rejectRowsContaining: [String] = []
  @Option(help: "The first N IMDS token requests answer --imds-fail-status.") var imdsFailFirst = 0
  @Option(help: "Status of injected IMDS failures: 404, 410, 429, 500 or 503.") var imdsFailStatus = 503

  func validate() throws {
    guard ClientConfigFile.Auth(rawValue: configAuth) != nil else {
      throw ValidationError(
        "--config-auth must be one of: " + ClientConfigFile.Auth.allCases.map(\.rawValue).joined(separator: ", "))
    }
  }

  func run() async throws {
    var settings = EmulatorSettings()
    settings.host = host
    settings.port = port
    settings.identity = EmulatorIdentity(
      tenantId: tenantId, clientId: clientId, clientSecret: clientSecret, dcrImmutableId: dcrId,
      federatedToken: federatedToken)
    settings.tokenLifetime = Int(tokenTtl.seconds)
    settings.workspacePath = workspace
    settings.sink = sink
    settings.roleAssigned = !withoutRole
    settings.throttleRequestsPerMinute = throttleRpm
    settings.throttleBytesPerMinute = throttleBytesPerMinute
    settings.faults.seed = faultSeed
    settings.faults.probability429 = fault429
    settings.faults.retryAfterSeconds = Int(retryAfter.seconds)
    settings.faults.probability500 = fault500
    settings.faults.probability503 = fault503
    settings.faults.probabilityReset = faultReset
    settings.faults.probabilityLostAck = faultLostAck
    settings.faults.lostAckAnswers500 = lostAck500
    settings.faults.latencyMilliseconds = latencyMs
    settings.faults.failFirst = failFirst
    settings.faults.outage = outage
    settings.rejectRowsContaining = rejectRowsContaining
    settings.imdsFailFirst = imdsFailFirst
    settings.imdsFailStatus = imdsFailStatus
    settings.handleSignals = true

    let server: EmulatorServer
    do throws(EmulatorError) {
      server = try EmulatorServer(settings: settings)
    } catch {
      throw Self.exit(for: error)
    }
    let configPath = writeConfig
    let identity = settings.identity
    let streamName = settings.stream.streamName
    let auth = ClientConfigFile.Auth(rawValue: configAuth) ?? .secret
    let startupError = StartupError()
    do {
      try await server.run { baseURL in
        if let configPath {
          do throws(EmulatorError) {
            try ClientConfigFile.write(
              to: configPath, baseURL: baseURL, identity: identity, streamName: streamName, auth: auth)
          } catch {
            startupError.set(error)
            // Stop: a script waiting for the config would otherwise wait forever.
            kill(getpid(), SIGTERM)
            return
          }
        }
        // Unbuffered, so a script reading the first line gets it at once.
        Console.shared.result(baseURL + "\n")
      }
    } catch {
      throw fail(.ioError, "emulator: cannot serve on \(host):\(port): \(error)")
    }
    if let error = startupError.get() { throw Self.exit(for: error) }
  }

  private static func exit(for error: EmulatorError) -> ExitCode {
    fail(error.exitStatus, "emulator: \(error.message)")
  }
}

/// Carries an error out of the server's ready callback.
private final class StartupError: Sendable {
  private let error = Mutex<EmulatorError?>(nil)
  func set(_ error: EmulatorError) { self.error.withLock { $0 = error } }
  func get() -> EmulatorError? { error.withLock { $0 } }
}

extension FaultPlan.Outage: ExpressibleByArgument {}
