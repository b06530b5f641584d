import Foundation
import Testing

@testable import Ingestion

@Suite(.timeLimit(.minutes(10))) struct TokenResponseTests {
  /// Entra ends the description's first line with CRLF, which Swift reads as one Character.
  @Test func onlyTheFirstLineOfEntrasDescriptionIsKept() throws {
    let body = """
      {"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\\r\\nTrace ID: 1f0e\\r\\nCorrelation ID: 9a8b\\r\\nTimestamp: 2026-11-29 10:00:00Z","error_codes":[7000215]}
      """
    do {
      _ = try TokenResponse.interpret(
        response: HTTPResponse(status: 401, body: Array(body.utf8)), host: "login.microsoftonline.com", now: 0,
        redactor: Redactor())
      Issue.record("an error answer gave a token")
    } catch {
      #expect(error.aadsts == 7_000_215)
      #expect(error.message == "AADSTS7000215: Invalid client secret provided.")
    }
  }
}
