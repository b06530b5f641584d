import Ingestion
import Testing

@Suite(.timeLimit(.minutes(10))) struct SecretRedactionTests {
  static let secret = Secret("  Abc~123.SuperSecretValue-xyz\n")

  @Test func secretNeverPrintsItself() {
    var dumped = ""
    dump(Self.secret, to: &dumped)
    let shown = ["\(Self.secret)", String(describing: Self.secret), String(reflecting: Self.secret), dumped]
    for text in shown {
      #expect(!text.contains("SuperSecret"))
    }
    #expect(Self.secret.revealed == "Abc~123.SuperSecretValue-xyz")
  }

  @Test func redactorMasksKnownValuesAndCredentialShapes() {
    let redactor = Redactor(secrets: [Self.secret])
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21vbml0b3IuYXp1cmUuY29tIn0.c2lnbmF0dXJl"
    let text = """
      echo Abc~123.SuperSecretValue-xyz; client_secret=other-secret&scope=x \
      {"access_token":"opaque-token-value","expires_in":3599} Authorization: Bearer abc.def.ghi token \(jwt)
      """
    let out = redactor.redact(text)
    for leaked in ["SuperSecret", "other-secret", "opaque-token-value", "abc.def.ghi", jwt] {
      #expect(!out.contains(leaked), "leaked \(leaked) in \(out)")
    }
    #expect(out.contains("expires_in"))
    #expect(out.contains("scope=x"))
  }

  @Test func entraErrorsExplainWhatToFix() throws {
    let cases: [(Int, String)] = [
      (7_000_215, "Value, not its Secret ID"), (7_000_222, "expired"), (700_016, "application_id"),
      (90002, "tenant_id"),
    ]
    for (code, hint) in cases {
      let error = AuthenticationError(isTransient: false, status: 401, aadsts: code, message: "AADSTS\(code): x")
      #expect(error.description.contains(hint))
    }
  }
}
