import Testing
import DealRulesTestSupport
@testable import DealRules

/// A per-item rule whose rest is comparisons of the item's fields, deal fields and constants is
/// decided on integers (`Plan.ItemCheck`), without the evaluator. These deals give, omit and
/// override every value such a comparison reads (the catalog's values and the defaults are read
/// as integers worked out at load, `Plan.FillKeys`), and each decision must be the reference
/// evaluator's, missing facts included.
@Suite struct ItemCheckTests {
    static let rules = """
        choice region: US, EU, APAC
        approval delivery: "Service Delivery"
        deal {
          region: region
          discount: percent
          term: duration
          services: list of service
        }
        item service {
          seats: number
          min_seats: number
          price: money
          cap: money
          lead_time: duration
          max_lead: duration
          regions: list of region
          home: region
          max_seats: number = 8
        }
        catalog service {
          "Alpha"  min_seats: 10, cap: $500, max_lead: 30 days, regions: [US, EU], home: EU, max_seats: 11
          "Beta"   min_seats: 2, cap: $100, max_lead: 2 months, regions: [APAC], home: APAC
          "Gamma"  min_seats: 5, regions: [], max_seats: 4
        }
        rule short:
          deny when service is "Alpha" and service.seats < service.min_seats
        rule exact:
          warn when service is "Alpha" and service.seats is service.min_seats
        rule flipped:
          warn when service is "Alpha" and 5 < service.seats
        rule not_three:
          warn when service is "Beta" and service.seats is not 3
        rule outside:
          require delivery when service is "Beta" and region not in service.regions
        rule inside:
          warn when service in catalog and region in service.regions and service.price > service.cap
        rule home:
          warn when service in catalog and service.home is region
        rule slow:
          warn when service.lead_time >= service.max_lead and term > 12 months
        rule off_catalog:
          deny when service not in catalog and service.seats >= 10 and discount > 20%
        rule crowded:
          warn when service in catalog and service.seats > service.max_seats
        rule crowded_off:
          warn when service not in catalog and service.seats > service.max_seats
        """

    static func deals() -> [String] {
        let regions: [String?] = [nil, "US", "EU", "APAC"]
        // Variants of each service (a deal lists a name once): values given, omitted, and given
        // over the catalog's.
        let alpha = [#"{"name":"Alpha","seats":4}"#, #"{"name":"Alpha","seats":10}"#, #"{"name":"Alpha"}"#,
                     #"{"name":"Alpha","seats":12,"price":600,"lead_time":"45 days"}"#,
                     #"{"name":"Alpha","seats":7,"min_seats":7,"regions":["APAC"],"home":"US"}"#]
        let beta = [#"{"name":"Beta","seats":3}"#, #"{"name":"Beta","seats":1,"regions":["US","EU"]}"#,
                    #"{"name":"Beta","price":100,"lead_time":"2 months"}"#, #"{"name":"Beta","regions":[]}"#]
        let others = [#"{"name":"Gamma","seats":5,"price":10}"#, #"{"name":"Delta","seats":12}"#, #"{"name":"Delta","seats":9}"#,
                      #"{"name":"Delta","seats":3,"lead_time":"1 year","max_lead":"360 days"}"#, #"{"name":"Delta"}"#]
        var out: [String] = []
        var n = 0
        for region in regions {
            for discount in [nil, "10", "30"] {
                for term in [nil, "\"6 months\"", "\"2 years\""] {
                    var fields: [String] = []
                    if let region { fields.append("\"region\":\"\(region)\"") }
                    if let discount { fields.append("\"discount\":\(discount)") }
                    if let term { fields.append("\"term\":\(term)") }
                    // A different mix every time; some deals give no list.
                    if n % 7 != 6 {
                        let chosen = [alpha[n % alpha.count], beta[n / 2 % beta.count], others[n / 3 % others.count]]
                        fields.append("\"services\":[" + chosen.joined(separator: ",") + "]")
                    }
                    out.append("{" + fields.joined(separator: ",") + "}")
                    n += 1
                }
            }
        }
        return out
    }

    @Test func theRulesAreCheckedOnIntegers() throws {
        let rules = try RuleSet.load(source: Self.rules, name: "items.rules").get()
        let checked = rules.rules.indices.filter { rules.plan.checkCount[$0] >= 0 }.map { rules.rules[$0].name }
        #expect(checked == ["short", "exact", "flipped", "not_three", "outside", "inside", "home", "slow", "off_catalog",
                            "crowded", "crowded_off"])
    }

    @Test(arguments: deals())
    func decisionsAreTheReferenceEvaluators(deal json: String) throws {
        let rules = try RuleSet.load(source: Self.rules, name: "items.rules").get()
        let oracle = ReferenceEvaluator(source: Self.rules, name: "items.rules")
        let today = Day(year: 2026, month: 12, day: 1)!
        let real = ReferenceEvaluator.summary(rules, json: json, today: today)
        #expect(real.error == nil)
        #expect(real == oracle.decide(dealJSON: json, today: (2026, 12, 1)))
    }
}
