import Testing
@testable import DealRules

/// Every operator, against the northwind declarations, with known and missing facts. Each row:
/// expression, deal JSON, the value as the language writes it, and the facts it still needs.
@Suite struct EvaluatorTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let expression: String
        let deal: String
        let expected: String
        let missing: [String]

        init(_ expression: String, _ deal: String, _ expected: String, missing: [String] = []) {
            self.expression = expression
            self.deal = deal
            self.expected = expected
            self.missing = missing
        }

        var testDescription: String { "\(expression) with \(deal)" }
    }

    static let logic: [Row] = [
        Row("rush and discount > 10%", "{}", "unknown", missing: ["discount", "rush"]),
        Row("rush and discount > 10%", #"{"rush": false}"#, "no"),
        Row("rush and discount > 10%", #"{"discount": 5}"#, "no"),
        Row("rush and discount > 10%", #"{"rush": true}"#, "unknown", missing: ["discount"]),
        Row("rush and discount > 10%", #"{"rush": true, "discount": 20}"#, "yes"),
        Row("rush or discount > 10%", #"{"rush": true}"#, "yes"),
        Row("rush or discount > 10%", #"{"rush": false}"#, "unknown", missing: ["discount"]),
        Row("rush or discount > 10%", #"{"discount": 20}"#, "yes"),
        Row("rush or discount > 10%", #"{"rush": false, "discount": 5}"#, "no"),
        Row("not rush", "{}", "unknown", missing: ["rush"]),
        Row("not rush", #"{"rush": false}"#, "yes"),
        Row("discount > 20% and region is EU", #"{"region": "US"}"#, "no"),
        Row("discount > 20% and region is EU", #"{"region": "EU"}"#, "unknown", missing: ["discount"]),
        Row("discount > 20% or total > $5", "{}", "unknown", missing: ["discount", "total"]),
        Row("(discount > 20% or rush) and total > $5", #"{"total": 1}"#, "no"),
    ]

    static let comparisons: [Row] = [
        Row("discount > 20%", #"{"discount": 25}"#, "yes"),
        Row("discount > 20%", #"{"discount": "20%"}"#, "no"),
        Row("discount > 20%", "{}", "unknown", missing: ["discount"]),
        Row("discount >= 20%", #"{"discount": 20}"#, "yes"),
        Row("discount < 20%", #"{"discount": 19.999999}"#, "yes"),
        Row("discount <= 20%", #"{"discount": 20.000001}"#, "no"),
        Row("discount is 25%", #"{"discount": 25}"#, "yes"),
        Row("discount = 25%", #"{"discount": 25}"#, "yes"),
        Row("discount is not 25%", #"{"discount": 25}"#, "no"),
        Row("discount != 25%", #"{"discount": 24}"#, "yes"),
        Row("discount is 25%", #"{"discount": 0.25}"#, "no"),
        Row("total >= $100,000", #"{"total": "$100,000"}"#, "yes"),
        Row("total > $99.99", #"{"total": 100}"#, "yes"),
        Row("region is EU", #"{"region": "EU"}"#, "yes"),
        Row("region in [US, EU]", #"{"region": "APAC"}"#, "no"),
        Row("region not in [US]", #"{"region": "EU"}"#, "yes"),
        Row("region not in [US]", "{}", "unknown", missing: ["region"]),
        Row("sla > silver", #"{"sla": "gold"}"#, "yes"),
        Row("sla between bronze and silver", #"{"sla": "gold"}"#, "no"),
        Row("customer is \"Fabrikam\"", #"{"customer": "Fabrikam"}"#, "yes"),
        Row("customer is \"fabrikam\"", #"{"customer": "Fabrikam"}"#, "no"),
        Row("customer contains \"Fab\"", #"{"customer": "Fabrikam"}"#, "yes"),
        Row("customer contains \"fab\"", #"{"customer": "Fabrikam"}"#, "no"),
        Row("tags contains \"vip\"", #"{"tags": ["new", "vip"]}"#, "yes"),
        Row("tags contains \"vip\"", #"{"tags": []}"#, "no"),
        Row("\"vip\" in tags", #"{"tags": ["vip"]}"#, "yes"),
        Row("regions contains [US, EU]", #"{"regions": ["EU", "APAC", "US"]}"#, "yes"),
        Row("regions contains [US, EU]", #"{"regions": ["EU"]}"#, "no"),
        Row("regions is [EU, US]", #"{"regions": ["US", "EU", "US"]}"#, "yes"),
        Row("regions is not []", #"{"regions": []}"#, "no"),
        Row("discount between 10% and 20%", #"{"discount": 10}"#, "yes"),
        Row("discount between 10% and 20%", #"{"discount": 20}"#, "yes"),
        Row("discount between 10% and 20%", #"{"discount": 20.000001}"#, "no"),
        Row("discount not between 10% and 20%", #"{"discount": 9}"#, "yes"),
        Row("discount not between 10% and 20%", "{}", "unknown", missing: ["discount"]),
        Row("start < 2026-12-10", #"{"start": "2026-12-09"}"#, "yes"),
        Row("start < today", #"{"start": "2026-11-30"}"#, "yes"),
        Row("12 months is 365 days", "{}", "yes"),
        Row("1 year is 12 months", "{}", "yes"),
        Row("1 month > 30 days", "{}", "yes"),
        Row("1 month < 31 days", "{}", "yes"),
        Row("2 weeks is 14 days", "{}", "yes"),
        Row("term >= 1 year", #"{"term": "12 months"}"#, "yes"),
    ]

    static let arithmetic: [Row] = [
        Row("total * 10%", #"{"total": 1000}"#, "$100"),
        Row("10% * total", #"{"total": 1000}"#, "$100"),
        Row("total * 2", #"{"total": 1000}"#, "$2,000"),
        Row("total / 3", #"{"total": 100}"#, "$33.333333"),
        Row("total / $3", #"{"total": 100}"#, "33.333333"),
        Row("total / 50%", #"{"total": 100}"#, "$200"),
        Row("total - $0.50", #"{"total": 100}"#, "$99.50"),
        Row("1 / 3", "{}", "0.333333"),
        Row("2 / 3", "{}", "0.666667"),
        Row("1 / 2000000", "{}", "0"),
        Row("3 / 2000000", "{}", "0.000002"),
        Row("-1 / 2000000", "{}", "0"),
        Row("1.5 * 1.5", "{}", "2.25"),
        Row("discount + 5%", #"{"discount": 25}"#, "30%"),
        Row("discount - 30%", #"{"discount": 25}"#, "-5%"),
        Row("-discount", #"{"discount": 25}"#, "-25%"),
        Row("total / 0", #"{"total": 100}"#, "error (division by zero)"),
        Row("$9,000,000,000,000 * 2", "{}", "error (overflow)"),
        Row("total * 10%", "{}", "unknown", missing: ["total"]),
        Row("2026-01-31 + 1 month", "{}", "2026-02-28"),
        Row("2024-01-31 + 1 month", "{}", "2024-02-29"),
        Row("2026-01-31 + 1 month + 1 day", "{}", "2026-03-01"),
        Row("2026-03-31 - 1 month", "{}", "2026-02-28"),
        Row("2026-12-01 + 1 year", "{}", "2027-12-01"),
        Row("30 days + 2026-12-01", "{}", "2026-12-31"),
        Row("start - today", #"{"start": "2026-12-11"}"#, "10 days"),
        Row("1 month + 5 days", "{}", "1 month + 5 days"),
        Row("9999-12-31 + 1 day", "{}", "error (a date out of range)"),
    ]

    static let items: [Row] = [
        Row("count of services", #"{"services": []}"#, "0"),
        Row("count of services", "{}", "unknown", missing: ["services"]),
        Row("count of services", #"{"services": [{"name": "SIEM"}, {"name": "X"}]}"#, "2"),
        Row("count of services where service in catalog", #"{"services": [{"name": "SIEM"}, {"name": "X"}]}"#, "1"),
        Row("sum of services.seats", #"{"services": [{"name": "SIEM", "seats": 10}, {"name": "X", "seats": 20}]}"#, "30"),
        Row("sum of services.seats", #"{"services": [{"name": "SIEM", "seats": 10}, {"name": "X"}]}"#, "unknown",
            missing: ["services.seats"]),
        Row("sum of services.seats", #"{"services": []}"#, "0"),
        Row("sum of services.price", #"{"services": [{"name": "SIEM"}, {"name": "Managed Backup", "price": 10}]}"#, "$55"),
        Row("min of services.lead_time", #"{"services": [{"name": "SIEM"}, {"name": "Managed Backup"}]}"#, "10 days"),
        Row("max of services.lead_time", #"{"services": [{"name": "SIEM"}, {"name": "Managed Backup"}]}"#, "30 days"),
        Row("max of services.seats", #"{"services": []}"#, "none"),
        Row("max of services.seats > 5", #"{"services": []}"#, "no"),
        Row("max of services.seats < 5", #"{"services": []}"#, "no"),
        Row("not (max of services.seats > 5)", #"{"services": []}"#, "yes"),
        Row("count of regions", #"{"regions": ["US", "EU"]}"#, "2"),
        Row("max of regions", #"{"regions": ["US", "APAC", "EU"]}"#, "APAC"),
        Row("any service is \"SIEM\"", #"{"services": []}"#, "no"),
        Row("every service.seats > 5", #"{"services": []}"#, "yes"),
        Row("no service is \"SIEM\"", #"{"services": []}"#, "yes"),
        Row("any service is \"SIEM\"", "{}", "unknown", missing: ["services"]),
        Row("any service.seats > 5", #"{"services": [{"name": "A", "seats": 3}, {"name": "B"}]}"#, "unknown",
            missing: ["service.seats"]),
        Row("any service.seats > 5", #"{"services": [{"name": "A", "seats": 10}, {"name": "B"}]}"#, "yes"),
        Row("every service.seats > 5", #"{"services": [{"name": "A", "seats": 3}, {"name": "B"}]}"#, "no"),
        Row("no service not in catalog", #"{"services": [{"name": "SIEM"}]}"#, "yes"),
        Row("any service (service is \"SIEM\" and service.seats < service.min_seats)",
            #"{"services": [{"name": "SIEM", "seats": 5}]}"#, "yes"),
        Row("any service.min_seats > 5", #"{"services": [{"name": "Other"}]}"#, "no"),
        Row("\"SIEM\" in services", #"{"services": [{"name": "SIEM"}]}"#, "yes"),
        Row("services contains \"SIEM\"", #"{"services": [{"name": "SIEM"}]}"#, "yes"),
        Row("services is []", #"{"services": []}"#, "yes"),
        Row("any service.regions contains APAC", #"{"services": [{"name": "Endpoint Protection"}]}"#, "yes"),
        Row("any service.lead_time > 20 days", #"{"services": [{"name": "SIEM", "lead_time": "5 days"}]}"#, "no"),
    ]

    func check(_ row: Row) throws {
        let r = try value(row.expression, row.deal)
        #expect(r.text == row.expected)
        #expect(r.missing == row.missing)
    }

    @Test(arguments: logic) func kleeneLogic(_ row: Row) throws { try check(row) }
    @Test(arguments: comparisons) func comparing(_ row: Row) throws { try check(row) }
    @Test(arguments: arithmetic) func exactArithmetic(_ row: Row) throws { try check(row) }
    @Test(arguments: items) func itemsAndAggregates(_ row: Row) throws { try check(row) }

    @Test func evaluationErrorsAreNamed() throws {
        let zero = try value("total / 0", #"{"total": 100}"#)
        #expect(zero.errors == ["division by zero"])
        let big = try value("$9,000,000,000,000 * 2", "{}")
        #expect(big.errors == ["overflow"])
        let range = try value("9999-12-31 + 1 day > 2026-01-01", "{}")
        #expect(range.errors == ["a date out of range"])
    }

    /// Two words where one expression goes (`nonsense here` typed in the REPL) say where the
    /// expression ended and what to type instead.
    @Test func wordsAfterTheExpressionSayWhatToType() throws {
        let rules = try northwind()
        guard case .failure(let error) = rules.evaluate(expression: "discount here", deal: try rules.deal(json: "{}")) else {
            Issue.record("`discount here` evaluated")
            return
        }
        let d = try #require(error.diagnostics.first)
        #expect(d.message == "unexpected `here` after the expression")
        #expect(d.help?.contains("`discount > 20%`") == true && d.help?.contains("`discount = 25%`") == true)
    }
}
