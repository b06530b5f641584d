/// The one scrub point: every line the console writes (stdout and stderr) passes through here.
///
/// Merge hook: return `Ingestion.SecretRedactor.scrub(text)` once that exists, so registered
/// secret values are masked in results, diagnostics and logs alike.
func redact(_ text: String) -> String {
  text
}
