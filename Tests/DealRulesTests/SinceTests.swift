import Foundation
import Testing
import DealRulesTestSupport
@testable import DealRules

/// Re-approval (`eval --since`, `:since`): which approvals still stand when an approved deal
/// changes, which teams to ask again and why.
@Suite struct SinceTests {
    static let today = Day(year: 2026, month: 12, day: 1)!
    static let northwind: RuleSet = try! RuleSet.load(paths: [path("samples/northwind")]).get()

    /// The samples' approved `needs-approval` deal, changed by `edit`, against itself.
    func story(_ edit: (inout [String: Any]) -> Void) throws -> Reapproval {
        let url = URL(fileURLWithPath: path("samples/deals/needs-approval.json"))
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let approved = try Self.northwind.deal(json: Array(try JSONSerialization.data(withJSONObject: object)))
        edit(&object)
        let changed = try Self.northwind.deal(json: Array(try JSONSerialization.data(withJSONObject: object)))
        return Self.northwind.since(approved: approved, deal: changed, today: Self.today)
    }

    func status(_ r: Reapproval) -> [String: Reapproval.Status] {
        Dictionary(uniqueKeysWithValues: r.approvals.map { ($0.approval, $0.status) })
    }

    /// The story: one more service, which Service Delivery cannot deliver in the EU.
    @Test func oneMoreServiceAsksServiceDeliveryAgainAndTheRestStand() throws {
        let r = try story { deal in
            deal["services"] = (deal["services"] as! [Any]) + [["name": "Helpdesk 24x7", "seats": 50]]
        }
        #expect(r.mustAsk)
        #expect(status(r) == ["delivery_approval": .askAgain, "finance_approval": .stillCovered, "security_review": .stillCovered])
        let delivery = try #require(r.approvals.first { $0.approval == "delivery_approval" })
        #expect(delivery.reasons == [.init(rule: "region_not_served", item: "Helpdesk 24x7", text: "service \"Helpdesk 24x7\" added")])
        #expect(r.changes.map(\.text) == ["service \"Helpdesk 24x7\" added"])
        #expect(r.askClause == "ask Service Delivery again (service \"Helpdesk 24x7\" added)")
        #expect(r.stillStanding == ["Finance", "Security"])
    }

    @Test func nothingChangedStandsWhole() throws {
        let r = try story { _ in }
        #expect(!r.mustAsk)
        #expect(r.approvals.allSatisfy { $0.status == .stillCovered && $0.reasons.isEmpty })
        #expect(r.changes.isEmpty && r.noLongerNeeded.isEmpty)
    }

    /// A value the rule read changed, even though the rule still fires: ask again.
    @Test func aChangedValueBehindAnApprovalAsksAgain() throws {
        let r = try story { $0["discount"] = 30 }
        #expect(status(r)["finance_approval"] == .askAgain)
        #expect(r.approvals.first { $0.approval == "finance_approval" }?.reasons.map(\.text) == ["discount 25% → 30%"])
        #expect(status(r)["delivery_approval"] == .stillCovered, "no rule behind Service Delivery reads the discount")
    }

    /// A fact no rule behind an approval reads changes nothing for it.
    @Test func aChangeNoRuleReadsLeavesEveryApproval() throws {
        let r = try story { $0["customer"] = "Fabrikam AG" }
        #expect(!r.mustAsk)
        #expect(r.changes.map(\.text) == ["customer \"Fabrikam GmbH\" → \"Fabrikam AG\""])
    }

    @Test func newApprovalsAndApprovalsNoLongerNeeded() throws {
        let r = try story { deal in
            deal["data_residency"] = true
            deal["region"] = "US"
        }
        #expect(status(r)["legal_review"] == .new)
        #expect(r.approvals.first { $0.approval == "legal_review" }?.reasons.map(\.text).contains("data_residency no → yes") == true)
        #expect(r.noLongerNeeded.map(\.approval) == [])
        let gone = try story { deal in
            deal["discount"] = 10
        }
        #expect(gone.noLongerNeeded.map(\.approval) == ["finance_approval"])
        #expect(!gone.mustAsk)
    }

    /// A rule that reads `today`: each version is decided on its own day, and a new day asks again.
    @Test func eachVersionHasItsOwnToday() throws {
        let rules = try load(northwindDeclarations + "rule soon:\n  require finance_approval when start < today + 30 days\n")
        let approved = try rules.deal(["start": "2026-12-20", "today": "2026-12-01"])
        let later = try rules.deal(["start": "2026-12-20", "today": "2026-12-05"])
        let r = rules.since(approved: approved, deal: later)
        #expect(status(r) == ["finance_approval": .askAgain])
        #expect(r.approvals[0].reasons.map(\.text) == ["today 2026-12-01 → 2026-12-05"])
        #expect(r.changes.map(\.text) == ["today 2026-12-01 → 2026-12-05"])
    }

    @Test func aBlockedNewVersionIsSaidFirst() throws {
        let r = try story { $0["term"] = "6 months" }
        #expect(r.decision.kind == .blocked)
        #expect(r.render().contains("Since the approved version (it was needs approval)\n  the new version is blocked"))
    }

    @Test func theStoryAsJSON() throws {
        let url = URL(fileURLWithPath: path("samples/deals/needs-approval.json"))
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let approved = try Self.northwind.deal(json: Array(try JSONSerialization.data(withJSONObject: object)))
        object["services"] = (object["services"] as! [Any]) + [["name": "Helpdesk 24x7", "seats": 50]]
        object["discount"] = 30
        let changed = try Self.northwind.deal(json: Array(try JSONSerialization.data(withJSONObject: object)))
        let json = try Self.northwind.adviceJSON(.since(approved: approved), for: changed, today: Self.today, pretty: true)
        golden("Tests/DealRulesTests/Fixtures/advice/since-story.json", json + "\n")
    }

    // MARK: What a rule reads

    /// Over generated rule sets and pairs of deals: a rule whose inputs (as `RuleInputs` finds
    /// them) are the same in both deals is decided the same in both, for the deal and for each
    /// item both have; and every fact whose old value alone would change whether a firing rule
    /// fires is named among its reasons.
    @Test(arguments: PropertyTests.seeds.prefix(40))
    func whatARuleReadsIsAllThatDecidesIt(seed: Int) throws {
        var g = RuleSetGenerator(seed: UInt64(seed) &* 977 &+ 13, messyLayout: false)
        let text = g.ruleSet(rules: 14)
        let rules = try RuleSet.load(source: text, name: "gen.rules").get()
        for _ in 0..<6 {
            let a = rules.draft(of: try rules.deal(json: g.deal()))
            let other = rules.draft(of: try rules.deal(json: g.deal()))
            var b = a
            for (name, value) in other.fields.sorted(by: { $0.key < $1.key }) where g.rng.chance(0.25) { b.fields[name] = value }
            for name in a.fields.keys.sorted() where g.rng.chance(0.1) { b.fields[name] = nil }
            let dealA = rules.deal(from: a).deal, dealB = rules.deal(from: b).deal
            let context = "seed \(seed)\n\(text)\napproved: \(a.json())\nnew: \(b.json())"
            let compare = VersionComparison(rules: rules, old: dealA, new: dealB, oldToday: Self.today, newToday: Self.today)
            let before = rules.decide(dealA, today: Self.today), after = rules.decide(dealB, today: Self.today)
            for rule in rules.rules {
                let items: [String?] = rule.itemKind.map { k in
                    let namesA = dealA.itemNames(k)
                    return dealB.itemNames(k).filter { namesA.contains($0) }
                } ?? [nil]
                for item in items where compare.changedInputs(of: rule, item: item).isEmpty {
                    #expect(state(before, rule.name, item) == state(after, rule.name, item),
                            "\(rule.name) \(item ?? "") reads nothing that changed, yet is decided otherwise\n\(context)")
                }
            }
            let r = rules.since(approved: dealA, deal: dealB, today: Self.today)
            for approval in r.approvals where approval.status == .askAgain {
                for o in after.outcomes where o.approval == approval.approval {
                    for (name, value) in a.fields where b.fields[name] != value {
                        var back = b
                        back.fields[name] = value
                        let undone = rules.decide(rules.deal(from: back).deal, today: Self.today)
                        guard state(undone, o.rule, o.item) != state(after, o.rule, o.item) else { continue }
                        let reasons = approval.reasons.filter { $0.rule == o.rule && $0.item == o.item }.map(\.text)
                        let kind = rules.itemKinds.first { rules.fields.firstIndex { $0.name == name } == $0.listField }?.name
                        #expect(reasons.contains { $0.hasPrefix(name + " ") || kind.map($0.hasPrefix) == true },
                                "\(o.rule) \(o.item ?? "") changes with \(name), which its reasons \(reasons) do not name\n\(context)")
                    }
                }
            }
        }
    }

    /// How a decision has a rule (for an item): fired, undecided, or neither.
    func state(_ d: Decision, _ rule: String, _ item: String?) -> String {
        if d.outcomes.contains(where: { $0.rule == rule && $0.item == item }) { return "fired" }
        if d.undetermined.contains(where: { $0.rule == rule && $0.item == item }) { return "undecided" }
        return "no"
    }
}
