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
        #expect(DecisionRenderer().headline(d) == "BLOCKED — 4 rules deny this deal as it stands; it needs Legal")
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

    /// Reading from bytes into the decider's own deal gives the deal `RuleSet.deal(json:)`
    /// reads, line after line (the storage reused, and copied when a decision still holds it);
    /// a line that cannot be read throws the same diagnostic and leaves the next line unharmed.
    @Test func aDeciderReadsAndDecidesFromBytesInItsOwnStorage() throws {
        let set = try northwind()
        let today = Day(year: 2026, month: 12, day: 1)
        let lines = [
            #"{"id": 1, "region": "EU", "discount": 40, "services": [{"name": "SIEM", "seats": 2}, {"name": "Quantum Ops"}]}"#,
            #"{"id": 2, "region": "US", "discount": 5, "total": 1000, "services": []}"#,
            #"{"discount": "lots"}"#,
            #"{"id": 4, "discount": 30}"#,
        ]
        var decider = Decider(set)
        var kept: [Decision] = []
        for _ in 0..<2 {
            for line in lines {
                let bytes = Array(line.utf8)
                guard let expected = try? set.deal(json: bytes) else {
                    var thrown: Diagnostic?
                    do { _ = try decider.decide(json: bytes, today: today) } catch { thrown = error }
                    #expect(thrown?.code == .wrongValueType)
                    #expect(throws: Diagnostic.self) { try decider.read(json: line.utf8) }
                    continue
                }
                try decider.read(json: line.utf8)
                #expect(decider.deal == expected)
                kept.append(try decider.decide(json: bytes, today: today))
            }
        }
        let fresh = try lines.filter { (try? set.deal(json: $0)) != nil }.map { set.decide(try set.deal(json: $0), today: today) }
        #expect(kept.map { $0.json() } == (fresh + fresh).map { $0.json() })
    }

    /// What-if and avoid take the deal a user has (not a draft): facts as a salesperson types
    /// them, and the changes that would remove an approval.
    @Test func whatIfAndAvoidTakeADeal() throws {
        let rules = try RuleSet.load(paths: [path("samples/northwind")]).get()
        let today = Day.parse("2026-12-01")
        let deal = try rules.deal(["region": "EU", "discount": "25%"])
        #expect(rules.decide(deal, today: today).required.contains("finance_approval"))
        let after = try rules.whatIf(["discount = 15%"], on: deal, today: today)
        #expect(!after.required.contains("finance_approval"))
        #expect(rules.decide(deal, today: today).required.contains("finance_approval"), "the deal itself is unchanged")
        #expect(throws: LoadError.self) { try rules.whatIf(["discont = 15%"], on: deal, today: today) }
        let avoid = rules.avoid(.approval("finance_approval"), for: deal, today: today)
        let change = try #require(avoid.first?.changes.first)
        #expect(change.description == "discount ≤ 20%")
        #expect(change.fact == "discount = 20%")
        #expect(change.now == "25%")
        #expect(change.edit == .setField(field: "discount", value: "20%"))
    }

    /// A stream on several threads answers as one thread does, line for line, in order.
    @Test func aStreamOnSeveralThreadsAnswersAsOne() throws {
        let rules = try RuleSet.load(paths: [path("samples/northwind")]).get()
        let today = try #require(Day.parse("2026-12-01"))
        var lines = try String(contentsOfFile: path("samples/deals/stream.jsonl"), encoding: .utf8)
        lines = String(repeating: lines + "\n", count: 80)
        var one = DealStream(rules: rules, today: today, threads: 1), three = DealStream(rules: rules, today: today, threads: 3)
        var a: [UInt8] = [], b: [UInt8] = []
        one.decide(jsonl: Array(lines.utf8), into: &a)
        three.decide(jsonl: Array(lines.utf8), into: &b)
        #expect(a == b)
        #expect(a.filter { $0 == 0x0A }.count == 320)
        #expect(one.badLines == 80 && three.badLines == 80)
        // Later calls go on counting.
        three.decide(jsonl: Array(#"{"region": "EU"}"#.utf8), into: &b)
        let last = String(decoding: b, as: UTF8.self).split(separator: "\n").last.map(String.init)
        #expect(last?.hasPrefix(#"{"index":320,"decision":"incomplete""#) == true)
    }
}
