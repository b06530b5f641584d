import Foundation

/// A strict parser of the Prometheus text exposition format 0.0.4, for tests: every line is a
/// `# HELP`, a `# TYPE` or a sample with valid name, labels and value; samples follow their
/// family's TYPE; histogram buckets are cumulative and `+Inf` equals `_count`.
public struct PrometheusText: Sendable {
  public struct Sample: Sendable, Equatable {
    public let name: String
    public let labels: [String: String]
    public let value: Double
  }

  public struct Family: Sendable {
    public let name: String
    public var type: String
    public var help: String?
    public var samples: [Sample] = []
  }

  public private(set) var families: [String: Family] = [:]

  /// The value of the sample `name` with exactly `labels`.
  public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
    families.values.lazy.flatMap(\.samples).first { $0.name == name && $0.labels == labels }?.value
  }

  public init(parsing text: String) throws {
    guard text.isEmpty || text.hasSuffix("\n") else { throw HarnessError("exposition does not end with a newline") }
    var help: [String: String] = [:]
    var current: String?
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
      let location = "line \(number + 1) `\(line)`"
      if line.hasPrefix("# HELP ") {
        let rest = line.dropFirst(7)
        let name = String(rest.prefix { $0 != " " })
        guard Self.isMetricName(name) else { throw HarnessError("\(location): bad metric name in HELP") }
        guard help[name] == nil else { throw HarnessError("\(location): second HELP for \(name)") }
        help[name] = String(rest.dropFirst(name.count).drop { $0 == " " })
      } else if line.hasPrefix("# TYPE ") {
        let parts = line.dropFirst(7).split(separator: " ")
        guard parts.count == 2, Self.isMetricName(String(parts[0])) else { throw HarnessError("\(location): bad TYPE") }
        let (name, type) = (String(parts[0]), String(parts[1]))
        guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(type) else {
          throw HarnessError("\(location): unknown type \(type)")
        }
        guard families[name] == nil else { throw HarnessError("\(location): second TYPE for \(name)") }
        families[name] = Family(name: name, type: type, help: help[name])
        current = name
      } else if line.hasPrefix("#") || line.isEmpty {
        continue  // a comment
      } else {
        let sample = try Self.sample(String(line), location)
        guard let family = current, Self.belongs(sample.name, to: family, type: families[family]!.type) else {
          throw HarnessError("\(location): sample outside its family's TYPE block")
        }
        families[family]!.samples.append(sample)
      }
    }
    for family in families.values where family.type == "histogram" { try Self.checkHistogram(family) }
  }

  static func isMetricName(_ name: String) -> Bool {
    name.range(of: #"^[a-zA-Z_:][a-zA-Z0-9_:]*$"#, options: .regularExpression) != nil
  }

  static func belongs(_ sample: String, to family: String, type: String) -> Bool {
    guard type == "histogram" || type == "summary" else { return sample == family }
    return [family, family + "_bucket", family + "_sum", family + "_count"].contains(sample)
  }

  static func sample(_ line: String, _ location: String) throws -> Sample {
    var rest = Substring(line)
    let name = String(rest.prefix { $0 != "{" && $0 != " " })
    guard isMetricName(name) else { throw HarnessError("\(location): bad metric name") }
    rest = rest.dropFirst(name.count)
    var labels: [String: String] = [:]
    if rest.first == "{" {
      rest = rest.dropFirst()
      while rest.first != "}" {
        let label = String(rest.prefix { $0 != "=" })
        guard label.range(of: #"^[a-zA-Z_][a-zA-Z0-9_]*$"#, options: .regularExpression) != nil,
          !label.hasPrefix("__")
        else { throw HarnessError("\(location): bad label name `\(label)`") }
        rest = rest.dropFirst(label.count)
        guard rest.hasPrefix("=\"") else { throw HarnessError("\(location): label value not quoted") }
        rest = rest.dropFirst(2)
        var value = ""
        while let character = rest.first, character != "\"" {
          rest = rest.dropFirst()
          if character == "\\" {
            guard let escaped = rest.first, "\\\"n".contains(escaped) else { throw HarnessError("\(location): bad escape") }
            value.append(escaped == "n" ? "\n" : escaped)
            rest = rest.dropFirst()
          } else {
            value.append(character)
          }
        }
        guard rest.first == "\"" else { throw HarnessError("\(location): unterminated label value") }
        rest = rest.dropFirst()
        guard labels.updateValue(value, forKey: label) == nil else { throw HarnessError("\(location): repeated label") }
        if rest.first == "," {
          rest = rest.dropFirst()
        } else if rest.first != "}" {
          throw HarnessError("\(location): expected , or }")
        }
      }
      rest = rest.dropFirst()
    }
    let fields = rest.split(separator: " ")
    guard rest.first == " ", (1...2).contains(fields.count), let value = parseValue(String(fields[0])) else {
      throw HarnessError("\(location): bad value")
    }
    if fields.count == 2 && Int64(fields[1]) == nil { throw HarnessError("\(location): bad timestamp") }
    return Sample(name: name, labels: labels, value: value)
  }

  static func parseValue(_ text: String) -> Double? {
    switch text {
    case "+Inf": .infinity
    case "-Inf": -.infinity
    case "NaN": .nan
    default: Double(text)
    }
  }

  static func checkHistogram(_ family: Family) throws {
    let buckets = family.samples.filter { $0.name == family.name + "_bucket" }
    var groups: [[String: String]: [(Double, Double)]] = [:]
    for bucket in buckets {
      guard let bound = bucket.labels["le"].flatMap(parseValue) else {
        throw HarnessError("\(family.name): a bucket without a numeric le")
      }
      var others = bucket.labels
      others["le"] = nil
      groups[others, default: []].append((bound, bucket.value))
    }
    guard !groups.isEmpty else { throw HarnessError("\(family.name): a histogram without buckets") }
    for (labels, group) in groups {
      let sorted = group.sorted { $0.0 < $1.0 }
      for (lower, upper) in zip(sorted, sorted.dropFirst()) where upper.1 < lower.1 {
        throw HarnessError("\(family.name): bucket le=\(upper.0) below le=\(lower.0)")
      }
      guard sorted.last?.0 == .infinity else { throw HarnessError("\(family.name): no +Inf bucket") }
      let count = family.samples.first { $0.name == family.name + "_count" && $0.labels == labels }?.value
      guard count == sorted.last?.1 else { throw HarnessError("\(family.name): +Inf bucket ≠ _count") }
      guard family.samples.contains(where: { $0.name == family.name + "_sum" && $0.labels == labels }) else {
        throw HarnessError("\(family.name): no _sum")
      }
    }
  }
}
