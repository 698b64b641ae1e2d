import Foundation
import Testing
@testable import DealRules

@Suite struct DecisionTests {
    let today = Day(year: 2026, month: 12, day: 1)!

    func decide(_ rules: String, _ deal: String, explain: Bool = false) throws -> Decision {
        let set = try load(northwindDeclarations + rules)
        return set.decide(try set.deal(json: deal), today: today, explain: explain)
    }

    @Test func theLanguageExampleDecidesAsDocumented() throws {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Tests/DealRulesTests/Fixtures/language/northwind.rules"),
                              encoding: .utf8)
        let set = try load(text, name: "northwind.rules")
        let deal = try set.deal(json: """
            {"customer": "Fabrikam", "region": "EU", "discount": 25, "term": "24 months", "start": "2026-12-10",
             "total": 80000, "sla": "silver", "services": [{"name": "SIEM", "seats": 20}, {"name": "Dark Web Monitoring"}]}
            """)
        let d = set.decide(deal, today: today)
        #expect(d.json(pretty: true) == """
            {
              "decision": "needs_approval",
              "required": ["delivery_approval", "finance_approval", "security_review"],
              "outcomes": [
                {
                  "kind": "require",
                  "approval": "delivery_approval",
                  "team": "Service Delivery",
                  "rule": "northwind.rules#1",
                  "location": "northwind.rules:37:1",
                  "item": "Dark Web Monitoring",
                  "message": "service (Dark Web Monitoring) not in catalog"
                },
                {
                  "kind": "require",
                  "approval": "finance_approval",
                  "team": "Finance",
                  "rule": "deep_discount",
                  "location": "northwind.rules:40:3",
                  "message": "Discounts above 20% eat the delivery margin"
                },
                {
                  "kind": "require",
                  "approval": "security_review",
                  "team": "Security",
                  "rule": "siem_region",
                  "location": "northwind.rules:47:3",
                  "item": "SIEM",
                  "message": "service (SIEM) is \\"SIEM\\" and region (EU) not in service.regions ([US])"
                },
                {
                  "kind": "warn",
                  "rule": "too_soon",
                  "location": "northwind.rules:50:3",
                  "item": "SIEM",
                  "message": "SIEM needs 30 days to onboard"
                }
              ],
              "undetermined": [
                {
                  "kind": "warn",
                  "rule": "too_soon",
                  "location": "northwind.rules:50:3",
                  "item": "Dark Web Monitoring",
                  "missing": ["service.lead_time"]
                }
              ]
            }
            """)
    }

    /// A field the deal leaves out reads its default, also where deciding works on the plan's
    /// integers (a threshold group, a check after it) and asks whether the items are listed.
    @Test func defaultsDecideWhereTheDealGivesNothing() throws {
        let set = try load("""
            choice tier: bronze, gold
            deal {
              discount: percent = 30%
              sla: tier = gold
              total: money
              services: list of service = []
            }
            item service {
              seats: number
            }
            approval finance_approval: "Finance"
            approval delivery_approval: "Service Delivery"
            require finance_approval when discount > 20%
            deny when discount > 25% and sla is gold
            require delivery_approval when service.seats > 5

            """)
        let given = try set.decide(set.deal(json: #"{"discount": 10, "sla": "bronze", "services": [{"name": "A", "seats": 9}]}"#), today: today)
        #expect(given.kind == .needsApproval && given.required == ["delivery_approval"])
        let defaulted = try set.decide(set.deal(json: #"{"total": 5}"#), today: today)
        #expect(defaulted.kind == .blocked && defaulted.required == ["finance_approval"] && defaulted.undetermined.isEmpty)
        // The same through a stream, which writes a decision listing nothing without making one.
        var decider = DealStreamDecider(rules: set, today: today)
        var out: [UInt8] = []
        decider.decide(DealBatch(jsonl: Array(#"{"total": 5}"#.utf8)), into: &out)
        #expect(String(decoding: out, as: UTF8.self) == defaulted.json(index: 0) + "\n")
    }

    @Test func theDecisionOrder() throws {
        let rules = """
            rule d: deny when discount > 50%
            rule r: require finance_approval when discount > 20%
            rule w: warn when discount > 10%
            """
        #expect(try decide(rules, #"{"discount": 60}"#).kind == .blocked)
        #expect(try decide(rules, #"{"discount": 30}"#).kind == .needsApproval)
        #expect(try decide(rules, #"{"discount": 15}"#).kind == .approved)
        #expect(try decide(rules, #"{"discount": 15}"#).warnings.count == 1)
        #expect(try decide(rules, "{}").kind == .incomplete)
        // An undetermined warn is listed, never counted.
        #expect(try decide("rule w: warn when discount > 10%\nrule r: require finance_approval when total > $5", #"{"total": 1}"#).kind
            == .approved)
        // A fired deny wins over an undetermined require.
        #expect(try decide(rules + "\nrule x: deny when total > $5", #"{"total": 10}"#).kind == .blocked)
    }

    @Test func perItemRulesFireOncePerMatchingItem() throws {
        let d = try decide("rule small: deny when service.seats < 5", #"{"services": [{"name": "A", "seats": 1}, {"name": "B", "seats": 9}, {"name": "C", "seats": 2}]}"#)
        #expect(d.outcomes.map(\.item) == ["A", "C"])
        #expect(d.outcomes.map(\.message) == ["service.seats (1) < 5", "service.seats (2) < 5"])
        let empty = try decide("rule small: deny when service.seats < 5", #"{"services": []}"#)
        #expect(empty.outcomes.isEmpty && empty.undetermined.isEmpty && empty.kind == .approved)
        let unknown = try decide("rule small: deny when service.seats < 5", "{}")
        #expect(unknown.undetermined.map(\.missing) == [["services"]])
        #expect(unknown.undetermined.first?.item == nil)
        #expect(unknown.kind == .incomplete)
    }

    @Test func oneOutcomePerApproval() throws {
        let d = try decide("rule both: require security_review, finance_approval when discount > 20%", #"{"discount": 30}"#)
        #expect(d.outcomes.map(\.approval) == ["security_review", "finance_approval"])
        #expect(d.required == ["finance_approval", "security_review"])
        let u = try decide("rule both: require security_review, finance_approval when discount > 20%", "{}")
        #expect(u.undetermined.map(\.approval) == ["security_review", "finance_approval"])
    }

    @Test func unlessIsAndNot() throws {
        let rules = "rule r: require finance_approval when discount > 20% unless sla is gold"
        #expect(try decide(rules, #"{"discount": 30, "sla": "gold"}"#).kind == .approved)
        #expect(try decide(rules, #"{"discount": 30, "sla": "silver"}"#).kind == .needsApproval)
        #expect(try decide(rules, #"{"discount": 10}"#).kind == .approved, "the condition decides, whatever `unless` is")
        let u = try decide(rules, #"{"discount": 30}"#)
        #expect(u.undetermined.first?.missing == ["sla"])
        #expect(try decide(rules, #"{"discount": 30, "sla": "silver"}"#).outcomes.first?.message
            == "discount (30%) > 20% unless sla (silver) is gold")
    }

    @Test func messagesInterpolateAndUnknownsPrintUnknown() throws {
        let d = try decide("rule r: warn when rush because \"{customer} wants it by {start + 2 weeks}; {{literal}}\"",
                           #"{"rush": true, "start": "2026-12-10"}"#)
        #expect(d.outcomes.first?.message == "unknown wants it by 2026-12-24; {literal}")
    }

    /// A message's text is kept twice, as it is and escaped for JSON; both must say the same
    /// around the values, in the plain message and in the JSON line.
    @Test func messagesWithQuotesAreTheSameInJSON() throws {
        let rules = """
            rule q: warn when rush because "a \\"quoted\\" {customer} \\\\ then {start + 2 weeks}"
            rule g: warn when customer is "Big \\"Co\\"" and rush
            """
        let d = try decide(rules, #"{"rush": true, "customer": "Big \"Co\"", "start": "2026-12-10"}"#)
        let messages = d.outcomes.map(\.message)
        #expect(messages.count == 2 && messages[0] == #"a "quoted" Big "Co" \ then 2026-12-24"#)
        #expect(messages[1].contains(#"\"Co\""#))
        var line: [UInt8] = []
        d.appendJSON(to: &line, index: 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        let outcomes = try #require(json["outcomes"] as? [[String: Any]])
        #expect(outcomes.map { $0["message"] as? String } == messages)
    }

    @Test func definesAboutItemsMakeRulesPerItem() throws {
        let rules = """
            define siem = service is "SIEM"
            define big_deal = total > $100,000
            rule r: require security_review when siem and big_deal
            rule q: warn when any service (siem and service.seats > 10)
            """
        let d = try decide(rules, #"{"total": 200000, "services": [{"name": "SIEM", "seats": 20}, {"name": "X"}]}"#)
        #expect(d.outcomes.map(\.rule) == ["r", "q"])
        #expect(d.outcomes.first?.item == "SIEM")
        #expect(d.outcomes.first?.message == "siem (yes) and big_deal (yes)")
        #expect(d.outcomes.last?.item == nil)
    }

    @Test func catalogFallbackAndDefaults() throws {
        let rules = "rule r: warn when service.min_seats > 5\nrule s: warn when service.lead_time > 20 days"
        // SIEM's catalog entry gives min_seats 10; others default to 0; an item's own value wins.
        let d = try decide(rules, #"{"services": [{"name": "SIEM"}, {"name": "Other"}, {"name": "Managed Backup", "lead_time": "45 days"}]}"#)
        #expect(d.outcomes.map { "\($0.rule) \($0.item!)" } == ["r SIEM", "s SIEM", "s Managed Backup"])
        #expect(d.undetermined.map { "\($0.rule) \($0.item!)" } == ["s Other"])
    }

    @Test func outcomesFollowRuleOrderThenItemOrder() throws {
        let rules = "rule b: warn when service.seats > 1\nrule a: warn when discount > 1%"
        let d = try decide(rules, #"{"discount": 5, "services": [{"name": "X", "seats": 2}, {"name": "Y", "seats": 3}]}"#)
        #expect(d.outcomes.map { "\($0.rule)\($0.item ?? "")" } == ["bX", "bY", "a"])
    }

    @Test func evaluationErrorsLeaveTheRuleUndetermined() throws {
        let d = try decide("rule r: deny when total / discount > $5", #"{"total": 100, "discount": 0}"#)
        #expect(d.kind == .incomplete)
        #expect(d.undetermined.first?.errors == ["division by zero"])
        #expect(d.undetermined.first?.missing == [])
        #expect(d.json().contains(#""errors":["division by zero"]"#))
    }

    @Test func explainGivesTheConditionAndItsValues() throws {
        let d = try decide("rule r: require finance_approval when discount > 20% and region in [US, EU]",
                           #"{"discount": 25, "region": "EU"}"#, explain: true)
        let e = try #require(d.outcomes.first?.explanation)
        #expect(e.condition == "discount > 20% and region in [US, EU]")
        #expect(e.values.map(\.0) == ["discount", "region"])
        #expect(e.values.map(\.1) == ["25%", "EU"])
        #expect(d.json().contains(#""condition":"discount > 20% and region in [US, EU]","values":{"discount":"25%","region":"EU"}"#))
        let u = try decide("rule r: require finance_approval when discount > 20%", "{}", explain: true)
        #expect(u.json().contains(#""values":{"discount":null}"#))
    }

    @Test func theStreamLineShape() throws {
        let set = try northwind()
        var deal = try set.deal(json: #"{"id": {"crm": 7}, "services": [{"name": "X"}]}"#)
        #expect(set.decide(deal, today: today).json(index: 3)
            .hasPrefix(#"{"index":3,"id":{"crm": 7},"decision":"incomplete","required":["delivery_approval"],"#))
        deal.id = nil
        #expect(set.decide(deal, today: today).json(index: 0).hasPrefix(#"{"index":0,"decision":"#))
    }
}

extension DecisionTests {
    /// Equal decisions hash alike, even from two loads of the same rules (`==` compares what
    /// they say, so `hash` must too).
    @Test func equalDecisionsHashAlike() throws {
        let text = northwindDeclarations + "require finance_approval when discount > 20%\n"
        let a = try load(text), b = try load(text)
        let deal = #"{"discount": 25}"#
        let x = try a.decide(json: Array(deal.utf8)), y = try b.decide(json: Array(deal.utf8))
        #expect(x == y)
        #expect(x.hashValue == y.hashValue)
        #expect(Set([x, y]).count == 1)
    }
}
