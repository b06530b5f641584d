import Foundation
import Testing

@testable import Ingestion

/// `SecretRedactor`: registered values and credential shapes masked, prose left alone.
@Suite(.timeLimit(.minutes(10))) struct SecretRedactorTests {
  @Test func registeredValuesAreMaskedEverywhere() {
    SecretRedactor.register("Reg1stered~Secret.Value-abc")
    let text = "tenant_id: 'Reg1stered~Secret.Value-abc' is not a GUID; form Reg1stered~Secret.Value-abc"
    let out = SecretRedactor.scrub(text)
    #expect(!out.contains("Reg1stered"))
    #expect(out.contains("tenant_id: '<redacted>' is not a GUID"))
    // Its form-encoded spelling (as in a token request body) too.
    SecretRedactor.register("p@ss w0rd/with+chars")
    #expect(!SecretRedactor.scrub("client_id=x&secret=p%40ss%20w0rd%2Fwith%2Bchars").contains("w0rd"))
  }

  @Test func credentialShapesAreMasked() {
    let cases = [
      ("https://user:hunter2pass@example.com/path", "hunter2pass"),
      ("Authorization: Bearer abcdefghijklmnop.qrs", "abcdefghijklmnop"),
      ("client_secret=opaque-value-1&scope=x", "opaque-value-1"),
      (#"{"access_token": "opaque-token-2", "expires_in": 3599}"#, "opaque-token-2"),
      ("application_secret: plain-value-3", "plain-value-3"),
    ]
    for (text, leaked) in cases {
      let out = SecretRedactor.scrub(text)
      #expect(!out.contains(leaked), "\(out)")
    }
    #expect(SecretRedactor.scrub("https://user:hunter2pass@example.com/p") == "https://user:<redacted>@example.com/p")
  }

  @Test func proseThatNamesAKeyIsLeftAlone() {
    let prose = [
      "set application_secret or application_secret_file (or AZURE_CLIENT_SECRET)",
      "application_secret_file: /etc/cvebuster/secret",
      "Bearer token authentication is not permitted",
      "application_secret: <redacted>",
      "see https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
    ]
    for text in prose { #expect(SecretRedactor.scrub(text) == text) }
  }

  @Test func tokensAreRememberedOnlyForAWhile() {
    for i in 0..<(SecretRedactor.transientLimit + 2) { SecretRedactor.registerTransient("token-number-\(i)-xyz") }
    #expect(SecretRedactor.scrub("token-number-0-xyz") == "token-number-0-xyz")
    #expect(SecretRedactor.scrub("token-number-9-xyz") == "<redacted>")
  }

  @Test func concurrentRegistrationAndScrubbing() async {
    await withTaskGroup(of: Void.self) { group in
      for i in 0..<50 {
        group.addTask {
          SecretRedactor.register("concurrent-secret-\(i)-value")
          _ = SecretRedactor.scrub("line with concurrent-secret-\(i)-value")
        }
      }
    }
    #expect(SecretRedactor.scrub("concurrent-secret-17-value") == "<redacted>")
  }

  @Test func longValuesAreAbbreviated() {
    #expect(SecretRedactor.abbreviate("short") == "'short'")
    #expect(SecretRedactor.abbreviate("Zq8Q~kP3vXw9sLm2nB7cR4tY6uI1oA5eD0fGhJ") == "'Zq8Q…' (38 characters)")
  }

  @Test func endpointMessagesNeverEchoCredentials() {
    #expect(throws: ConfigurationError.self) {
      _ = try EndpointPolicy.check("https://u:pw-secret-9@host.example", key: "dce_endpoint", source: "f")
    }
    do {
      _ = try EndpointPolicy.check("https://u:pw-secret-9@host.example", key: "dce_endpoint", source: "f")
    } catch {
      #expect(!error.description.contains("pw-secret-9"))
      #expect(error.description.contains("user name or password"))
    }
  }
}

extension SecretRedactorTests {
  @Test func jsonEscapedSpellingIsMaskedToo() {
    SecretRedactor.register(#"quo"te\back-slash"#)
    #expect(SecretRedactor.scrub(#"{"detail": "quo\"te\\back-slash"}"#) == #"{"detail": "<redacted>"}"#)
  }
}
