import Foundation
import Testing
@testable import DealRules

/// Advice on the samples: `:avoid` finds the changes a salesperson would make, facts that no deal
/// can hold are refused, and each piece of advice has one JSON form (golden files in
/// `Fixtures/advice/`, validated against `grammar/dealrules-advice.schema.json` by the CLI tests).
@Suite struct AdviceTests {
    static let today = Day(year: 2026, month: 12, day: 1)!
    static let northwind: RuleSet = try! RuleSet.load(paths: [path("samples/northwind")]).get()

    func draft(_ facts: String...) throws -> DealDraft {
        var d = DealDraft()
        for f in facts { try Self.northwind.apply(fact: f, to: &d, today: Self.today) }
        return d
    }

    func avoid(_ target: AvoidTarget, _ d: DealDraft) -> AvoidResult {
        Self.northwind.avoid(target, in: d, today: Self.today)
    }

    /// SIEM is delivered in the US and the UK, and needs 25 seats: those are the changes to offer.
    @Test func avoidOffersTheRegionsThatDeliverAndTheSeatsTheCatalogAsks() throws {
        let d = try draft("region = EU", "add service \"SIEM\" with seats = 20")
        let delivery = avoid(.approval("delivery_approval"), d)
        #expect(delivery.present && !delivery.triedPairs)
        let facts = delivery.suggestions.map { $0.changes.map(\.fact).joined(separator: "; ") }
        #expect(Set(facts.prefix(2)) == ["region = US", "region = UK"], "\(facts)")
        #expect(facts.last == "remove service \"SIEM\"", "a removal comes last")
        #expect(delivery.suggestions[0].removes == ["Security"])
        #expect(delivery.suggestions[0].brings.isEmpty)

        let deny = avoid(.deny, d)
        let first = try #require(deny.suggestions.first?.changes.first)
        #expect(first.fact == "add service \"SIEM\" with seats = 25")
        #expect(first.description == "service \"SIEM\": seats ≥ 25")
        #expect(first.now == "20")
        #expect(first.edit == .setItemField(list: "services", item: "SIEM", field: "seats", value: .number("25")))
    }

    /// What the catalog says of an item (its minimum seats, its regions) is never what changes.
    @Test func catalogValuesAreNeverChanged() throws {
        let d = try draft("region = EU", "add service \"SIEM\" with seats = 20")
        for target in [AvoidTarget.deny, .approval("delivery_approval"), .approval("security_review")] {
            for s in avoid(target, d).suggestions {
                for c in s.changes {
                    if case .setItemField(_, _, let field, _) = c.edit { #expect(field == "seats", "\(c.fact)") }
                }
            }
        }
    }

    /// A service that is not in the catalog because of a misspelling: the catalog's name instead.
    @Test func aMisspelledServiceIsReplacedByTheCatalogName() throws {
        let d = try draft("region = US", "add service \"Endpoint Protecton\" with seats = 20")
        let result = avoid(.approval("delivery_approval"), d)
        let edits = result.suggestions.flatMap { $0.changes.map(\.edit) }
        #expect(edits.first == .replaceItem(list: "services", item: "Endpoint Protecton", with: "Endpoint Protection"))
        #expect(edits.contains(.removeItem(list: "services", item: "Endpoint Protecton")))
        #expect(result.suggestions[0].changes[0].fact
            == "remove service \"Endpoint Protecton\"; add service \"Endpoint Protection\" with seats = 20")
        // A name nothing like any catalog entry is not "corrected".
        let far = try draft("region = US", "add service \"Dark Web Monitoring\" with seats = 20")
        #expect(!avoid(.approval("delivery_approval"), far).suggestions.contains { s in
            s.changes.contains { if case .replaceItem = $0.edit { true } else { false } }
        })
    }

    /// Two rules deny the deal: no single change removes both, so the best pair is offered.
    @Test func whenNoSingleChangeWorksTheBestPairIsOffered() throws {
        let d = try draft("region = US", "discount = 25%", "term = 6 months", "add service \"SIEM\" with seats = 20")
        let deny = avoid(.deny, d)
        #expect(deny.triedPairs)
        #expect(deny.decisions <= AvoidSearch.pairBudget + 64)
        let pair = try #require(deny.suggestions.first)
        #expect(deny.suggestions.count == 1)
        #expect(Set(pair.changes.map(\.fact)) == ["add service \"SIEM\" with seats = 25", "term = 12 months"])
    }

    /// A date compared with `today`: the boundary is worked out on the deal.
    @Test func aDateInThePastMovesToToday() throws {
        let d = try draft("start = 2026-11-20")
        let first = try #require(avoid(.deny, d).suggestions.first?.changes.first)
        #expect(first.fact == "start = 2026-12-01")
        #expect(first.description == "start ≥ 2026-12-01")
    }

    @Test func nothingToAvoidSaysSo() throws {
        let d = try draft("region = US")
        let result = avoid(.approval("legal_review"), d)
        #expect(!result.present && result.suggestions.isEmpty && result.decisions == 0)
    }

    /// Every suggestion, applied as the fact the REPL takes and as the edit a program applies
    /// to the deal's JSON, removes the target and brings and removes exactly what it says.
    @Test func everySuggestionDoesWhatItSaysInBothForms() throws {
        let deals = [
            try draft("region = EU", "add service \"SIEM\" with seats = 20", "discount = 40%", "term = 6 months"),
            try draft("region = APAC", "on_site = yes", "add service \"Endpoint Protecton\" with seats = 2",
                      "add service \"SIEM\" with seats = 30", "industry = healthcare", "data_residency = yes"),
            try draft("start = 2026-11-01", "billing = annual", "term = 6 months", "total = $10,000", "list_price = $30,000"),
        ]
        var checked = 0
        for d in deals {
            let rules = Self.northwind
            let before = rules.decide(rules.deal(from: d).deal, today: Self.today)
            let targets = before.required.map(AvoidTarget.approval) + (before.denied ? [.deny] : [])
            for target in targets {
                for s in rules.avoid(target, in: d, today: Self.today).suggestions {
                    try expectSuggestionHolds(s, removing: target, from: d, rules: rules, today: Self.today)
                    checked += 1
                }
            }
        }
        #expect(checked >= 10)
    }

    // MARK: Facts a deal cannot hold

    @Test func aFactTheDealCannotHoldIsRefusedAsTyped() throws {
        var d = try draft("add service \"SIEM\" with seats = 20")
        let before = d
        #expect(throws: LoadError.self) { try Self.northwind.apply(fact: "services = [\"SIEM\", \"SIEM\"]", to: &d) }
        #expect(d == before, "nothing changed")
        do {
            try Self.northwind.apply(fact: "services = [\"SIEM\", \"SIEM\"]", to: &d)
        } catch {
            #expect(error.diagnostics.map(\.code) == [.duplicateItem])
            #expect(error.diagnostics[0].message == "`services` lists \"SIEM\" twice")
        }
    }

    @Test func checkRefusesAScenarioFactTheDealCannotHold() throws {
        let rules = try load(northwindDeclarations + """
            scenario "twice" {
              services = ["SIEM", "SIEM"]
              expect incomplete
            }
            scenario "removes what is not there" {
              remove service "SIEM"
              expect incomplete
            }
            """)
        let errors = rules.scenarioFactErrors(today: Self.today)
        #expect(errors.map(\.code) == [.duplicateItem], "a fact that fails only on the deal so far is the scenario's result")
        #expect(errors.first?.location?.line == 36)
    }

    // MARK: JSON forms

    static let forms: [(name: String, deal: String, request: AdviceRequest)] = [
        ("missing-incomplete", "incomplete.json", .missing),
        ("why-needs-approval", "needs-approval.json", .why),
        ("whatif-needs-approval", "needs-approval.json", .whatIf(["region = US", "discount = 20%"])),
        ("avoid-needs-approval", "needs-approval.json", .avoid(.approval("delivery_approval"))),
        ("avoid-finance", "needs-approval.json", .avoid(.approval("finance_approval"))),
        ("avoid-blocked", "blocked.json", .avoid(.deny)),
        ("scenario-blocked", "blocked.json", .scenario(name: "the blocked sample")),
    ]

    @Test(arguments: forms.map(\.name))
    func eachFormIsWrittenExactly(name: String) throws {
        let form = try #require(Self.forms.first { $0.name == name })
        let rules = Self.northwind
        let deal = try rules.deal(json: Array(try Data(contentsOf: URL(fileURLWithPath: path("samples/deals/" + form.deal)))))
        let json = try rules.adviceJSON(form.request, for: deal, today: Self.today, pretty: true)
        golden("Tests/DealRulesTests/Fixtures/advice/\(name).json", json + "\n")
        // Compact and indented say the same.
        let compact = try rules.adviceJSON(form.request, for: deal, today: Self.today)
        #expect(!compact.contains("\n"))
        let a = try JSONSerialization.jsonObject(with: Data(compact.utf8)) as? NSDictionary
        let b = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSDictionary
        #expect(a == b)
    }

    @Test func adviceAboutWhatIsNotThereIsAnError() throws {
        let deal = try Self.northwind.deal(["region": "EU"])
        #expect(throws: LoadError.self) { try Self.northwind.adviceJSON(.avoid(.approval("finance")), for: deal) }
        #expect(throws: LoadError.self) { try Self.northwind.adviceJSON(.whatIf(["discont = 5%"]), for: deal) }
    }

    /// The scenario `:save FILE.rules` appends runs and passes as it is.
    @Test func theScenarioTextPasses() throws {
        let d = try draft("region = EU", "discount = 25%", "add service \"SIEM\" with seats = 20")
        let text = Self.northwind.scenarioText(for: d, name: "saved \"here\"", today: Self.today)
        #expect(text.hasPrefix("scenario \"saved \\\"here\\\"\" {\n  region = EU\n"))
        let rules = try RuleSet.load(paths: [path("samples/northwind")], sources: [("saved.rules", text)]).get()
        let results = rules.runScenarios(filter: "saved", today: Self.today)
        #expect(results.count == 1 && results[0].passed, "\(results.map(\.failures))")
    }
}

/// Applies an avoid suggestion to a draft in both its forms — the facts as the REPL takes them,
/// and the edits a program applies to the deal's JSON — and expects each to remove the target
/// and to bring and remove exactly what the suggestion says.
func expectSuggestionHolds(_ s: Suggestion, removing target: AvoidTarget, from draft: DealDraft, rules: RuleSet, today: Day,
                           context: String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    let what = "\(s.changes.map(\.fact)) for \(target)\(context.isEmpty ? "" : "\n" + context)"
    let before = rules.decide(rules.deal(from: draft).deal, today: today)
    var typed = draft
    for c in s.changes {
        for fact in c.fact.split(separator: ";") { try rules.apply(fact: String(fact), to: &typed, today: today) }
    }
    var object = draft.jsonValue.objectMembers
    for c in s.changes { c.edit.apply(to: &object) }
    for deal in [rules.deal(from: typed).deal, try rules.deal(object)] {
        let after = rules.decide(deal, today: today)
        switch target {
        case .approval(let a): #expect(!after.required.contains(a), "\(what)", sourceLocation: sourceLocation)
        case .deny: #expect(!after.denied, "\(what)", sourceLocation: sourceLocation)
        }
        let (appear, gone) = before.changes(to: after)
        #expect(appear == s.broughtEffects, "\(what)", sourceLocation: sourceLocation)
        #expect(s.removedEffects.allSatisfy(gone.contains), "\(what)", sourceLocation: sourceLocation)
    }
}
