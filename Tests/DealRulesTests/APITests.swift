import Foundation
import Testing
import DealRules

/// The library as another tool uses it: only the public API.
@Suite struct APITests {
    @Test func loadFromPathsAndDecideJSON() throws {
        let rules = try RuleSet.load(paths: [path("samples/northwind")]).get()
        let decision = try rules.decide(json: Array(#"{"region": "EU", "discount": 30, "today": "2026-12-01"}"#.utf8))
        #expect(decision.required == ["finance_approval"])
        #expect(decision.kind == .incomplete)
        #expect(decision.missing.contains("term"))
        #expect(decision.json().hasPrefix(#"{"decision":"incomplete","required":["finance_approval"]"#))
    }

    @Test func loadFromAString() throws {
        let source = """
            deal { discount: percent }
            approval finance: "Finance"
            rule deep: require finance when discount > 20%
            """
        let rules = try RuleSet.load(source: source, name: "inline.rules").get()
        let d = rules.decide(try rules.deal(["discount": 25]))
        #expect(d.kind == .needsApproval)
        #expect(d.outcomes.first?.location.description == "inline.rules:3:12")
        #expect(d.outcomes.first?.team == "Finance")
    }

    @Test func aStringCanIncludeFilesUnderItsRoot() throws {
        let rules = try RuleSet.load(source: "include \"northwind/declarations.rules\"\nwarn when discount > 1%",
                                     root: path("samples")).get()
        #expect(rules.fields.count == 14)
        let outside = RuleSet.load(source: "include \"../README.md\"", root: path("samples"))
        #expect(outside.ruleSet == nil)
        #expect(outside.diagnostics.first?.code == .pathOutsideRoot)
    }

    @Test func loadErrorsCarryEveryDiagnostic() {
        do {
            _ = try RuleSet.load(source: "deal { a: percent }\nwarn when b > 1\nwarn when c > 1").get()
            Issue.record("it loaded")
        } catch {
            #expect(error.diagnostics.map(\.code) == [.unknownField, .unknownField])
            #expect(error.description.contains("test") == false)
            #expect(error.description.contains("rules:2:11: error: unknown field `b`"))
        }
    }

    @Test func oneRuleSetDecidesFromManyThreads() async throws {
        let rules = try RuleSet.load(paths: [path("samples/northwind")]).get()
        let deals = try (0..<200).map { i in
            try rules.deal(["region": i % 2 == 0 ? "EU" : "US", "discount": .number(String(i % 50)), "term": "24 months",
                            "start": "2027-01-10", "total": 100_000, "list_price": 120_000, "sla": "silver", "today": "2026-12-01",
                            "services": [["name": "SIEM", "seats": .number(String(i))]]])
        }
        let expected = deals.map { rules.decide($0).json() }
        let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (i, deal) in deals.enumerated() {
                group.addTask { (i, rules.decide(deal).json()) }
            }
            var out = Array(repeating: "", count: deals.count)
            for try await (i, json) in group { out[i] = json }
            return out
        }
        #expect(results == expected)
        #expect(Set(expected).count > 10)
    }

    @Test func decisionsAreValues() throws {
        let rules = try RuleSet.load(paths: [path("samples/northwind")]).get()
        let deal = try rules.deal(json: Array(try Data(contentsOf: URL(fileURLWithPath: path("samples/deals/blocked.json")))))
        let d = rules.decide(deal)
        #expect(d.kind == .blocked)
        #expect(d.denied)
        #expect(d.outcomes.filter { $0.kind == .deny }.map(\.rule) == ["small_team", "one_year_minimum", "annual_bill_short_term",
                                                                      "platinum_needs_24x7"])
        #expect(d.id == "\"Q-2026-0427\"")
        #expect(DecisionRenderer().headline(d) == "BLOCKED — 4 rules deny this deal as it stands")
    }

    @Test func aDeciderReusesItsStorageWithoutChangingDecisionsAlreadyMade() throws {
        let set = try northwind()
        let deals = try [
            #"{"region": "EU", "discount": 40, "services": [{"name": "SIEM", "seats": 2}, {"name": "Quantum Ops"}]}"#,
            #"{"region": "US", "discount": 5, "total": 1000, "services": []}"#,
            #"{"discount": 30}"#,
            #"{"region": "EU", "services": [{"name": "Quantum Ops"}, {"name": "Other Ops"}]}"#,
        ].map { try set.deal(json: $0) }
        var decider = Decider(set)
        var kept: [Decision] = []
        for _ in 0..<3 {
            for deal in deals { kept.append(decider.decide(deal, today: Day(year: 2026, month: 12, day: 1))) }
        }
        // Every decision, even those made long before, is still the one `decide` makes.
        for (i, d) in kept.enumerated() {
            let fresh = set.decide(deals[i % deals.count], today: Day(year: 2026, month: 12, day: 1))
            #expect(d == fresh)
            #expect(d.json() == fresh.json())
        }
        #expect(Set(kept.map(\.kind)).count > 1)
    }
}
