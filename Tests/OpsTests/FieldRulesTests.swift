import HealthChecks
import Testing

@Suite(.timeLimit(.minutes(10))) struct FieldRulesTests {
  @Test(arguments: [
    ("tenant_id", "72f988bf-86f1-41af-91ab-2d7cd011db47", true),
    ("tenant_id", "contoso.onmicrosoft.com", true),
    ("tenant_id", "72f988bf86f141af91ab2d7cd011db47", false),
    ("tenant_id", "not a tenant", false),
    ("application_id", "00000000-0000-4000-8000-000000000002", true),
    ("application_id", "0000000-0000-4000-8000-000000000002", false),
    ("application_id", "g0000000-0000-4000-8000-000000000002", false),
    ("dcr_immutable_id", "dcr-00000000000040008000000000000003", true),
    ("dcr_immutable_id", "dcr-0000000000004000800000000000000", false),
    ("dcr_immutable_id", "DCR-00000000000040008000000000000003", false),
    ("dcr_immutable_id", "dcr-0000000000004000800000000000000z", false),
    ("dce_endpoint", "https://x-abcd.eastus-1.ingest.monitor.azure.com", true),
    ("dce_endpoint", "http://127.0.0.1:8080", true),
    ("dce_endpoint", "http://localhost:8080", true),
    ("dce_endpoint", "http://example.com", false),
    ("dce_endpoint", "x.eastus-1.ingest.monitor.azure.com", false),
    ("stream_name", "Custom-cveBusterVulnerabilities", true),
    ("stream_name", "cveBusterVulnerabilities", false),
    ("stream_name", "Custom-", false),
  ])
  func shapes(key: String, value: String, valid: Bool) {
    #expect((FieldRules.problem(key: key, value: value) == nil) == valid)
  }

  @Test func secretThatLooksLikeASecretIDIsSuspicious() {
    #expect(FieldRules.suspicion(key: "application_secret", value: "9b1f2c3d-0000-4000-8000-000000000abc") != nil)
    #expect(FieldRules.suspicion(key: "application_secret", value: "Qx8Q~abcdefghijklmnopqrstuvwxyz0123456") == nil)
  }
}
