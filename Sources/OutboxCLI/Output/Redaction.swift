import Ingestion

/// The one scrub point: every line the console writes (stdout and stderr) passes through here,
/// so registered secret values, URL passwords and bearer tokens are masked in results,
/// diagnostics and logs alike.
func redact(_ text: String) -> String {
  SecretRedactor.scrub(text)
}
