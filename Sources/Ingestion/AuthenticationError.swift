/// A token could not be obtained. The message is the service's, with credentials masked, plus
/// what to fix when the AADSTS code is a known one (the seed README's troubleshooting, as output).
public struct AuthenticationError: Error, Sendable, CustomStringConvertible {
  /// Whether trying again later may help (throttling, 5xx, network) or the configuration must change.
  public let isTransient: Bool
  /// The HTTP status of the token response, if there was one.
  public let status: Int?
  /// The AADSTS number from `error_codes` or the description, if any.
  public let aadsts: Int?
  /// What went wrong, credentials masked.
  public let message: String

  public init(isTransient: Bool, status: Int?, aadsts: Int?, message: String) {
    self.isTransient = isTransient
    self.status = status
    self.aadsts = aadsts
    self.message = message
  }

  /// What the user should do, for the AADSTS codes people actually meet.
  public var advice: String? {
    switch aadsts {
    case 7_000_215:
      "the client secret is wrong: use the secret's Value, not its Secret ID "
        + "(App registration → Certificates & secrets), and make sure it was copied whole"
    case 7_000_222: "the client secret has expired: create a new one in App registration → Certificates & secrets"
    case 700_016:
      "application_id was not found in this tenant: use the Application (client) ID from the deployment outputs, "
        + "and check tenant_id"
    case 90002: "tenant_id was not found: use the Directory (tenant) ID from the deployment outputs"
    case 70011: "the scope is invalid: use https://monitor.azure.com/.default (or the .us/.cn one for your cloud)"
    case 70021, 700_211, 700_212, 700_213:
      "no federated identity credential matches the token file's issuer/subject: check the app's federated credentials"
    default: nil
    }
  }

  public var description: String {
    var text = "token request failed"
    if let status { text += " (HTTP \(status))" }
    text += ": \(message)"
    if let advice { text += "\nfix: \(advice)" }
    return text
  }
}
