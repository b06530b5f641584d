import ArgumentParser
import Findings
import OutboxStore

/// Selects findings by their natural key (any part of it).
struct KeyFilterOptions: ParsableArguments {
  @Option(help: "Only this VulnId.")
  var vulnId: String?

  @Option(help: "Only this MachineName.")
  var machine: String?

  @Option(help: "Only this LastModified (any ISO-8601 form; compared in canonical UTC).")
  var lastModified: String?

  var isEmpty: Bool { vulnId == nil && machine == nil && lastModified == nil }

  func filter(state: DeliveryState?, limit: Int) throws -> FindingFilter {
    var canonical: String?
    if let lastModified {
      do {
        canonical = try UTCDateTime(parsing: lastModified).canonical
      } catch {
        throw ValidationError("--last-modified \(lastModified): \(error.reason)")
      }
    }
    return FindingFilter(state: state, vulnId: vulnId, machineName: machine, lastModified: canonical, limit: limit)
  }
}

extension DeliveryState: ExpressibleByArgument {}
