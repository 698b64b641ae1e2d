import Foundation
import Testing
import DealRulesTestSupport
@testable import DealRules

/// The package's root folder.
let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func path(_ relative: String) -> String { packageRoot.appendingPathComponent(relative).path }

/// The declarations of the language's northwind example, for tests that need a rule set.
let northwindDeclarations = """
    choice region: US, EU, APAC
    choice tier: bronze, silver, gold

    deal {
      customer: text
      region: region
      discount: percent
      term: duration
      start: date
      total: money
      sla: tier
      rush: flag
      regions: list of region
      tags: list of text
      services: list of service
    }

    item service {
      seats: number
      lead_time: duration
      regions: list of region
      min_seats: number = 0
      price: money
    }

    catalog service {
      "Managed Backup"       lead_time: 10 days, regions: [US, EU], price: $12
      "Endpoint Protection"  lead_time: 5 days,  regions: [US, EU, APAC], price: $6
      "SIEM"                 lead_time: 30 days, regions: [US], min_seats: 10, price: $45
    }

    approval delivery_approval: "Service Delivery"
    approval finance_approval: "Finance"
    approval security_review: "Security"

    """

/// Loads rule text; fails the test with the rendered diagnostics when it does not load.
func load(_ source: String, name: String = "test.rules", sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> RuleSet {
    let result = RuleSet.load(source: source, name: name)
    guard let rules = result.ruleSet else {
        Issue.record("rules did not load:\n\(DiagnosticRenderer().render(result.diagnostics))", sourceLocation: sourceLocation)
        throw LoadError(diagnostics: result.diagnostics)
    }
    return rules
}

/// The diagnostics of rule text that is expected not to load (or to warn).
func diagnostics(_ source: String, name: String = "test.rules") -> [Diagnostic] {
    RuleSet.load(source: source, name: name).diagnostics
}

/// Evaluates `expression` for a deal given as JSON against the northwind declarations.
func value(_ expression: String, _ dealJSON: String = "{}", rules: RuleSet? = nil,
           today: Day = Day(year: 2026, month: 12, day: 1)!) throws -> ExpressionResult {
    let set = try rules ?? northwind()
    let deal = try set.deal(json: dealJSON)
    return try set.evaluate(expression: expression, deal: deal, today: today).get()
}

nonisolated(unsafe) private var cachedNorthwind: RuleSet?
private let northwindLock = NSLock()

/// The northwind declarations with one rule (a rule set needs none, but tests read nicer).
func northwind() throws -> RuleSet {
    northwindLock.lock()
    defer { northwindLock.unlock() }
    if let cachedNorthwind { return cachedNorthwind }
    let set = try load(northwindDeclarations + "require delivery_approval when service not in catalog\n"
        + "require finance_approval, security_review when discount > 90%\n")
    cachedNorthwind = set
    return set
}

/// Compares with a golden file, or writes it when recording (`DEALRULES_RECORD=1`).
func golden(_ relativePath: String, _ actual: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    if let why = Golden.mismatch(path(relativePath), actual) { Issue.record(Comment(rawValue: why), sourceLocation: sourceLocation) }
}
