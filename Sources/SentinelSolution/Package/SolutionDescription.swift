import Findings
import Foundation

/// The solution's description as Content Hub shows it: the same markdown goes into
/// createUiDefinition (`basics.description`, after the logo) and, as HTML, into
/// contentPackages `descriptionHtml`, as the V3 packager does.
struct SolutionDescription {
  let source: SolutionSource

  var markdown: String {
    let manifest = source.manifest.json
    var notes = "**Note:** Please refer to the following before installing the solution: \n\n"
    if let url = manifest["releaseNotesUrl"]?.stringValue, !url.isEmpty {
      notes += "• Review the solution [Release Notes](\(url))\n\n "
    }
    notes += "• There may be [known issues](https://aka.ms/sentinelsolutionsknownissues) pertaining to this Solution, please refer to them before installing."
    var counts = ["**Data Connectors:** 1"]
    if !source.parsers.isEmpty { counts.append("**Parsers:** \(source.parsers.count)") }
    if !source.workbooks.isEmpty { counts.append("**Workbooks:** \(source.workbooks.count)") }
    if !source.analyticRules.isEmpty { counts.append("**Analytic Rules:** \(source.analyticRules.count)") }
    if !source.huntingQueries.isEmpty { counts.append("**Hunting Queries:** \(source.huntingQueries.count)") }
    return [
      notes,
      manifest["description"]?.stringValue ?? "",
      counts.joined(separator: ", "),
      "[Learn more about Microsoft Sentinel](https://aka.ms/azuresentinel) | [Learn more about Solutions](https://aka.ms/azuresentinelsolutionsdoc)",
    ].joined(separator: "\n\n")
  }
}

/// The small Markdown subset our descriptions use, as HTML: paragraphs, `**bold**`,
/// `` `code` `` and `[text](url)` links.
enum Markdown {
  static func html(_ markdown: String) -> String {
    markdown.components(separatedBy: "\n\n")
      .map { $0.trimmingCharacters(in: [" ", "\n"]) }
      .filter { !$0.isEmpty }
      .map { "<p>" + inline($0) + "</p>\n" }
      .joined()
  }

  private static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }

  private static func inline(_ text: String) -> String {
    var out = ""
    var rest = Substring(text)
    while let char = rest.first {
      if rest.hasPrefix("**"), let end = rest.dropFirst(2).range(of: "**") {
        out += "<strong>" + escape(String(rest.dropFirst(2)[..<end.lowerBound])) + "</strong>"
        rest = rest[end.upperBound...]
      } else if char == "`", let end = rest.dropFirst().firstIndex(of: "`") {
        out += "<code>" + escape(String(rest.dropFirst()[..<end])) + "</code>"
        rest = rest[rest.index(after: end)...]
      } else if char == "[", let close = rest.range(of: "]("), let paren = rest[close.upperBound...].firstIndex(of: ")") {
        let label = rest[rest.index(after: rest.startIndex)..<close.lowerBound]
        let url = rest[close.upperBound..<paren]
        out += "<a href=\"\(escape(String(url)))\">\(escape(String(label)))</a>"
        rest = rest[rest.index(after: paren)...]
      } else {
        out += escape(String(char))
        rest = rest.dropFirst()
      }
    }
    return out
  }
}
