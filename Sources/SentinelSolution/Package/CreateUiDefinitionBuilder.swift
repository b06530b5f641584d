import Findings

/// Builds `Package/createUiDefinition.json`: the V3 base template with the logo and
/// description in `basics`, then one step per content type (data connectors, parsers,
/// workbooks, analytics, hunting queries).
struct CreateUiDefinitionBuilder {
  let source: SolutionSource

  private func text(_ name: String, _ text: String) -> JSONValue {
    ["name": .string(name), "type": "Microsoft.Common.TextBlock", "options": ["text": .string(text)]]
  }
  private func link(_ name: String, _ label: String, _ uri: String) -> JSONValue {
    ["name": .string(name), "type": "Microsoft.Common.TextBlock", "options": ["link": ["label": .string(label), "uri": .string(uri)]]]
  }
  private func section(_ name: String, _ label: String, _ body: String) -> JSONValue {
    ["name": .string(name), "type": "Microsoft.Common.Section", "label": .string(label), "elements": [text("\(name)-text", body)]]
  }
  private func step(_ name: String, _ label: String, _ elements: [JSONValue]) -> JSONValue {
    ["name": .string(name), "label": .string(label), "bladeTitle": .string(label), "elements": .array(elements)]
  }

  func build() -> JSONValue {
    let title = source.connectorTitle
    var steps: [JSONValue] = [
      step(
        "dataconnectors", "Data Connectors",
        [
          text(
            "dataconnectors1-text",
            "This Solution installs the data connector for \(title). You can get \(title) data in your Microsoft Sentinel workspace. After installing the solution, configure and enable this data connector by following guidance in Manage solution view."
          ),
          link("dataconnectors-link1", "Learn more about connecting data sources", "https://docs.microsoft.com/azure/sentinel/connect-data-sources"),
        ])
    ]
    if !source.parsers.isEmpty {
      let names = source.parsers.compactMap { $0.json["FunctionName"]?.stringValue }.joined(separator: ", ")
      steps.append(
        step(
          "parsers", "Parsers",
          [
            text(
              "parsers1-text",
              "This solution installs the parser \(names), deployed as a workspace function when the solution is installed. Use it to query the current state of each finding."
            ),
            link("parsers-link1", "Learn more about functions", "https://docs.microsoft.com/azure/azure-monitor/logs/functions"),
          ]))
    }
    if !source.workbooks.isEmpty {
      steps.append(
        step(
          "workbooks", "Workbooks",
          [
            text(
              "workbooks-text",
              "This solution installs workbook(s) to help you gain insights into the telemetry collected in Microsoft Sentinel. After installing the solution, start using the workbook in Manage solution view."
            ),
            link("workbooks-link", "Learn more", "https://docs.microsoft.com/azure/sentinel/tutorial-monitor-your-data"),
          ] + source.workbooks.enumerated().map { section("workbook\($0.offset + 1)", $0.element.title, $0.element.descriptionText) }))
    }
    if !source.analyticRules.isEmpty {
      steps.append(
        step(
          "analytics", "Analytics",
          [
            text(
              "analytics-text",
              "This solution installs the following analytic rule templates. After installing the solution, create and enable analytic rules in Manage solution view."
            ),
            link("analytics-link", "Learn more", "https://docs.microsoft.com/azure/sentinel/tutorial-detect-threats-custom"),
          ]
            + source.analyticRules.enumerated().map {
              section(
                "analytic\($0.offset + 1)", $0.element.json["name"]?.stringValue ?? "", ($0.element.json["description"]?.stringValue ?? "").trimmingQuotes)
            }))
    }
    if !source.huntingQueries.isEmpty {
      steps.append(
        step(
          "huntingqueries", "Hunting Queries",
          [
            text(
              "huntingqueries-text",
              "This solution installs the following hunting queries. After installing the solution, run these hunting queries to hunt for threats in Manage solution view."
            ),
            link("huntingqueries-link", "Learn more", "https://docs.microsoft.com/azure/sentinel/hunting"),
          ]
            + source.huntingQueries.enumerated().map {
              section(
                "huntingquery\($0.offset + 1)", $0.element.json["name"]?.stringValue ?? "",
                ($0.element.json["description"]?.stringValue ?? "").trimmingQuotes + " This hunting query depends on the \(source.connectorId) data connector.")
            }))
    }
    let description = source.logo + "\n\n" + SolutionDescription(source: source).markdown
    return [
      "$schema": "https://schema.management.azure.com/schemas/0.1.2-preview/CreateUIDefinition.MultiVm.json#",
      "handler": "Microsoft.Azure.CreateUIDef", "version": "0.1.2-preview",
      "parameters": [
        "config": [
          "isWizard": false,
          "basics": [
            "description": .string(description),
            "subscription": [
              "resourceProviders": [
                "Microsoft.OperationsManagement/solutions", "Microsoft.OperationalInsights/workspaces/providers/alertRules", "Microsoft.Insights/workbooks",
                "Microsoft.Logic/workflows",
              ]
            ],
            "location": ["metadata": ["hidden": "Hiding location, we get it from the log analytics workspace"], "visible": false],
            "resourceGroup": ["allowExisting": true],
          ],
        ],
        "basics": [
          [
            "name": "getLAWorkspace", "type": "Microsoft.Solutions.ArmApiControl",
            "toolTip": "This filters by workspaces that exist in the Resource Group selected",
            "condition": "[greater(length(resourceGroup().name),0)]",
            "request": ["method": "GET", "path": "[concat(subscription().id,'/providers/Microsoft.OperationalInsights/workspaces?api-version=2020-08-01')]"],
          ],
          [
            "name": "workspace", "type": "Microsoft.Common.DropDown", "label": "Workspace", "placeholder": "Select a workspace",
            "toolTip": "This dropdown will list only workspace that exists in the Resource Group selected",
            "constraints": [
              "allowedValues":
                "[map(filter(basics('getLAWorkspace').value, (filter) => contains(toLower(filter.id), toLower(resourceGroup().name))), (item) => parse(concat('{\"label\":\"', item.name, '\",\"value\":\"', item.name, '\"}')))]",
              "required": true,
            ],
            "visible": true,
          ],
        ],
        "steps": .array(steps),
        "outputs": [
          "workspace-location":
            "[first(map(filter(basics('getLAWorkspace').value, (filter) => and(contains(toLower(filter.id), toLower(resourceGroup().name)),equals(filter.name,basics('workspace')))), (item) => item.location))]",
          "location": "[location()]",
          "workspace": "[basics('workspace')]",
        ],
      ],
    ]
  }
}
