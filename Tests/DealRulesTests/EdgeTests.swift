import Testing
@testable import DealRules

/// Values at and next to the ends of every type: arithmetic that would leave the type is the
/// documented `error (overflow)` (never a trap, never a wrapped value), and every value prints
/// as the language writes it and reads back as itself (docs/language.md, "Exact decimals").
@Suite struct EdgeTests {
    typealias Row = EvaluatorTests.Row

    static let durations: [Row] = [
        Row("2,147,483,647 days", "{}", "2147483647 days"),
        Row("-2,147,483,648 days", "{}", "-2147483648 days"),
        Row("-(2,147,483,647 days) - 1 day", "{}", "-2147483648 days"),
        Row("-(2,147,483,647 days) - 2 days", "{}", "error (overflow)"),
        Row("2,147,483,647 days + 1 day", "{}", "error (overflow)"),
        Row("-(-(2,147,483,647 days) - 1 day)", "{}", "error (overflow)"),
        // 0 − (−2³¹) does not fit: an overflow, not −2³¹ again.
        Row("0 days - (0 days - 2,147,483,647 days - 1 day)", "{}", "error (overflow)"),
        Row("0 days - (0 days - 2,147,483,647 days - 1 day) > 0 days", "{}", "error (overflow)"),
        Row("2,147,483,647 months + 1 month", "{}", "error (overflow)"),
        Row("1 month - 3 days", "{}", "1 month - 3 days"),
        Row("-(1 month) + 3 days", "{}", "-1 month + 3 days"),
        Row("0 days - 1 month - 3 days", "{}", "-1 month - 3 days"),
        Row("-2,147,483,648 days + 1 month", "{}", "1 month + -2147483648 days"),
        Row("term - 2,147,483,647 days - 1 day", #"{"term": "0 days"}"#, "-2147483648 days"),
        Row("term + 1 day", #"{"term": "2147483647 days"}"#, "error (overflow)"),
        Row("start - today - term", #"{"start": "2026-11-30", "term": "2147483647 days"}"#, "-2147483648 days"),
        Row("start - today - term", #"{"start": "2026-11-29", "term": "2147483647 days"}"#, "error (overflow)"),
    ]

    static let money: [Row] = [
        Row("-$9,223,372,036,854.775807 - $0.000001", "{}", "-$9,223,372,036,854.775808"),
        Row("-$9,223,372,036,854.775808", "{}", "-$9,223,372,036,854.775808"),
        Row("-$9,223,372,036,854.775808 - $0.000001", "{}", "error (overflow)"),
        Row("-(-$9,223,372,036,854.775808)", "{}", "error (overflow)"),
        Row("total - $0.000001", #"{"total": -9223372036854.775807}"#, "-$9,223,372,036,854.775808"),
        Row("$9,223,372,036,854.775807 + $0.000001", "{}", "error (overflow)"),
        Row("-9,223,372,036,854.775808", "{}", "-9,223,372,036,854.775808"),
        Row("-9,223,372,036,854.775808 * -1", "{}", "error (overflow)"),
        Row("-9,223,372,036,854.775808 / -1", "{}", "error (overflow)"),
        Row("-9,223,372,036,854.775808 / 2", "{}", "-4,611,686,018,427.387904"),
        Row("-92,233,720,368.547758%", "{}", "-92,233,720,368.547758%"),
        Row("-$9,223,372,036,854.775808 * 100%", "{}", "-$9,223,372,036,854.775808"),
        Row("-$9,223,372,036,854.775808 * -100%", "{}", "error (overflow)"),
    ]

    static let dates: [Row] = [
        Row("0001-01-01 - 1 day", "{}", "error (a date out of range)"),
        Row("9999-12-31 - 0001-01-01", "{}", "3652058 days"),
        Row("0001-01-01 - 9999-12-31", "{}", "-3652058 days"),
        Row("9999-12-31 + 2,147,483,647 days", "{}", "error (a date out of range)"),
        // Months first, then days: each step must land in range (docs/language.md).
        Row("9999-12-31 + (1 month - 40 days)", "{}", "error (a date out of range)"),
        Row("9999-11-30 + (1 month - 40 days)", "{}", "9999-11-20"),
        Row("0001-01-01 - 2,147,483,647 months", "{}", "error (a date out of range)"),
        Row("0001-01-01 + -2,147,483,648 days", "{}", "error (a date out of range)"),
    ]

    /// `min`/`max` of nothing is `none`, and every comparison with it is `no`, whichever side
    /// it is on and whichever form (`not between`, `not in` too).
    static let none: [Row] = [
        Row("5 not between (min of services.seats) and 10", #"{"services": []}"#, "no"),
        Row("5 not between 1 and (max of services.seats)", #"{"services": []}"#, "no"),
        Row("(min of services.seats) not between 1 and 10", #"{"services": []}"#, "no"),
        Row("(min of services.seats) between 1 and 10", #"{"services": []}"#, "no"),
        Row("(min of services.seats) not in [1, 2]", #"{"services": []}"#, "no"),
        Row("5 not in [min of services.seats, 3]", #"{"services": []}"#, "no"),
        Row("5 in [min of services.seats, 3]", #"{"services": []}"#, "no"),
        Row("3 in [min of services.seats, 3]", #"{"services": []}"#, "yes"),
        Row("3 not in [min of services.seats, 3]", #"{"services": []}"#, "no"),
        Row("[min of services.seats] is [min of services.seats]", #"{"services": []}"#, "no"),
        Row("(min of services.seats) is not 3", #"{"services": []}"#, "no"),
        Row("not ((min of services.seats) between 1 and 10)", #"{"services": []}"#, "yes"),
    ]

    @Test(arguments: none) func noneComparesNoInEveryForm(_ row: Row) throws { try EvaluatorTests().check(row) }

    /// A rule about items, on a deal that does not list them yet: decided `no` when no item
    /// could make it fire; otherwise undetermined, needing the list and the deal's own facts
    /// in the part still undecided, never a field of an item that is not there.
    @Test func aRuleThatCannotFireWithoutItsItemsIsDecided() throws {
        let rules = try load("""
            deal { exempt: flag, discount: percent, services: list of service }
            item service { seats: number }
            rule a: deny when service.seats > 5 unless exempt
            rule b: deny when service.seats > 5 and discount > 10%
            rule c: warn when service.seats > 5 or exempt
            """)
        func undetermined(_ json: String) throws -> [String] {
            try rules.decide(json: Array(json.utf8)).undetermined.map { "\($0.rule): \($0.missing.joined(separator: ", "))" }
        }
        #expect(try undetermined(#"{"exempt": true, "discount": 5}"#) == ["c: services"])
        #expect(try rules.decide(json: Array(#"{"exempt": true, "discount": 5}"#.utf8)).kind == .approved)
        #expect(try undetermined(#"{"exempt": false}"#) == ["a: services", "b: discount, services", "c: services"])
        #expect(try undetermined("{}") == ["a: exempt, services", "b: discount, services", "c: exempt, services"])
        // Written with `any`, the same rule is decided the same way.
        let any = try load("""
            deal { exempt: flag, services: list of service }
            item service { seats: number }
            rule a: deny when any service (service.seats > 5) unless exempt
            """)
        #expect(try any.decide(json: Array(#"{"exempt": true}"#.utf8)).kind == .approved)
    }

    @Test(arguments: durations) func durationsAtTheirEnds(_ row: Row) throws { try EvaluatorTests().check(row) }
    @Test(arguments: money) func decimalsAtTheirEnds(_ row: Row) throws { try EvaluatorTests().check(row) }
    @Test(arguments: dates) func datesAtTheirEnds(_ row: Row) throws { try EvaluatorTests().check(row) }

    /// Every value printed reads back, as a literal in a rule and from a deal, as the same value.
    @Test func everyValuePrintsAsALiteralThatReadsBack() throws {
        let set = try northwind()
        let durations = [Duration(days: .max), Duration(days: .min), Duration(months: .min), Duration(months: .max),
                         Duration(months: 1, days: 15), Duration(months: 1, days: -3), Duration(months: -1, days: 3),
                         Duration(months: -1, days: -3), Duration(months: 5, days: .min), Duration(months: .min, days: .max),
                         Duration(months: 0, days: 0), Duration(months: -1), Duration(days: 1)]
        for d in durations {
            // Durations of equal length are equal (12 months is 365 days): compare the parts.
            func same(_ v: Value?) -> Bool {
                if case .duration(let x)? = v { return x.months == d.months && x.days == d.days }
                return false
            }
            let text = d.description
            #expect(same(try value(text).value), "\(text) as a literal")
            #expect(same(Duration.parse(text).map(Value.duration)), "\(text) from a cell")
            #expect(same(try set.deal(json: #"{"term": "\#(text)"}"#).given("term", in: set)), "\(text) from a deal")
        }
        for raw in [Int64.min, Int64.min + 1, -1, 0, 1, Int64.max - 1, Int64.max, -10_000, 1_234_567] {
            let f = Fixed(raw: raw)
            #expect(try value(f.formatted()).value == .number(f), "\(f.formatted()) as a literal")
            #expect(try value(f.moneyText).value == .money(f), "\(f.moneyText) as a literal")
            #expect(try value(f.percentText).value == .percent(f), "\(f.percentText) as a literal")
            #expect(Fixed.parse(f.plain) == .success(f), "\(f.plain) as JSON")
            let deal = try set.deal(json: #"{"total": "\#(f.moneyText)", "discount": \#(f.plain)}"#)
            #expect(deal.given("total", in: set) == .money(f))
            #expect(deal.given("discount", in: set) == .percent(f))
        }
    }

    @Test func durationsFromDealsAndCells() {
        func parts(_ s: String) -> [Int32]? { Duration.parse(s).map { [$0.months, $0.days] } }
        #expect(parts("12 months") == [12, 0])
        #expect(parts("1 year 3 months") == [15, 0], "terms written one after the other add up")
        #expect(parts("1 month + 15 days") == [1, 15])
        #expect(parts("1 month - 3 days") == [1, -3])
        #expect(parts("-2 weeks") == [0, -14])
        #expect(parts("2,147,483,647 days") == [0, .max])
        #expect(parts("-2147483648 days") == [0, .min])
        #expect(parts("2147483648 days") == nil)
        #expect(parts("2147483647 days + 1 day") == nil)
        #expect(parts("306783379 weeks") == nil)
        #expect(parts("+3 days") == nil, "a leading + is not how the language writes a duration")
        #expect(parts("3 days +") == nil)
        #expect(parts("days") == nil)
        #expect(parts("") == nil)
    }

    @Test func overflowIsNamedWhereverItHappens() throws {
        let big = #"{"services": [{"name": "A", "price": 9000000000000}, {"name": "B", "price": 9000000000000}]}"#
        let sum = try value("sum of services.price > $0", big)
        #expect(sum.text == "error (overflow)")
        #expect(sum.errors == ["overflow"])
        #expect(sum.missing == [])
        // Only the total must fit: the order of the items does not matter.
        let cancels = #"{"services": [{"name": "A", "price": 9000000000000}, {"name": "B", "price": 9000000000000}, {"name": "C", "price": -9000000000000}]}"#
        #expect(try value("sum of services.price", cancels).text == "$9,000,000,000,000")
        let negated = try value("-(0 days - 2,147,483,647 days - 1 day) > 0 days and discount > 1%")
        #expect(negated.errors == ["overflow"])
        #expect(negated.missing == ["discount"])
    }

    @Test func aRuleThatOverflowsIsUndeterminedWithItsErrorAndItsValue() throws {
        let rules = try load("""
            deal { n: number, services: list of service }
            item service { price: money }
            rule total: deny when sum of services.price > $0
            rule wrap: deny when n > 0 and 0 days - (0 days - 2,147,483,647 days - 1 day) > 0 days
            """)
        let d = try rules.decide(json: Array(#"{"n": 1, "services": [{"name": "A", "price": 9000000000000}, {"name": "B", "price": 9000000000000}]}"#.utf8),
                                 explain: true)
        #expect(d.kind == .incomplete)
        #expect(d.undetermined.map(\.rule) == ["total", "wrap"])
        #expect(d.undetermined.map(\.errors) == [["overflow"], ["overflow"]])
        #expect(d.undetermined.map(\.missing) == [[], []])
        #expect(d.undetermined.first?.explanation?.values.first?.1 == "error (overflow)")
    }
}
