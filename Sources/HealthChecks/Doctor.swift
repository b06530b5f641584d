import Foundation
import Ingestion
import OutboxStore

/// Runs every check in order: configuration, database, then the network ones when the
/// configuration is usable. Returns results; printing is the CLI's job.
public struct Doctor {
  public var configPath: String?
  public var environment: [String: String]
  public var databasePath: String
  /// Whether to contact the endpoint and the identity provider at all.
  public var network = true
  /// Whether to POST the empty-array probe.
  public var probe = true

  public init(configPath: String?, environment: [String: String], databasePath: String) {
    self.configPath = configPath
    self.environment = environment
    self.databasePath = databasePath
  }

  /// Every check's result, in order.
  public func run(now: @escaping () -> Int64 = Outbox.now) -> [CheckResult] {
    let (configResults, configuration) = ConfigurationChecks(path: configPath, environment: environment).run()
    var results = configResults
    let database = DatabaseChecks(path: databasePath).run(now: now())
    results += database.filter { $0.id != "queue" }
    let ids = ["endpoint.url", "network.dns", "network.connect", "token", "ingestion.probe"]
    if let configuration, network {
      let checks = NetworkChecks(configuration: configuration, now: now)
      checks.probe = probe
      results += checks.run()
    } else {
      let reason = configuration == nil ? "the configuration is not usable" : "--offline"
      results += ids.map { CheckResult.skipped($0, NetworkChecks.titles[$0]!, because: reason) }
    }
    results += database.filter { $0.id == "queue" }
    return results
  }
}
