import Testing
@testable import DealRules

@Suite struct ValueTests {
    func fixed(_ s: String) -> Fixed? { try? Fixed.parse(s).get() }

    /// Text is written in quotes with `"` and `\` escaped, whole when there is nothing to escape.
    @Test func textIsQuotedAsTheLanguageWritesIt() {
        #expect(ValueText.quoted("SIEM") == #""SIEM""#)
        #expect(ValueText.quoted("") == "\"\"")
        #expect(ValueText.quoted(#"a "big" one"#) == #""a \"big\" one""#)
        #expect(ValueText.quoted(#"C:\temp"#) == #""C:\\temp""#)
        #expect(ValueText.quoted("Zürich 🇨🇭") == "\"Zürich 🇨🇭\"")
        #expect(ValueText.quoted(#"été "x""#) == #""été \"x\"""#)
    }

    @Test func decimalsAreReadExactly() {
        #expect(fixed("1,200")?.raw == 1_200_000_000)
        #expect(fixed("3.5")?.raw == 3_500_000)
        #expect(fixed("-0.000001")?.raw == -1)
        #expect(fixed("1e3")?.raw == 1_000_000_000)
        #expect(fixed("1.5E-6")?.raw == nil, "too precise")
        #expect(fixed("0.1") == fixed("1e-1"))
        #expect(fixed("12,34") == nil)
        #expect(fixed("1.") == nil)
        #expect(fixed(".5") == nil)
        #expect(fixed("9223372036854.775807")?.raw == Int64.max)
        #expect(Fixed.parse("9223372036854.775808") == .failure(.overflow))
        #expect(Fixed.parse("0.0000001") == .failure(.tooPrecise))
        #expect(fixed("0.1000000")?.raw == 100_000, "trailing zeros beyond six places are harmless")
    }

    @Test func arithmeticIsCheckedAndRoundsHalfToEven() throws {
        let one = fixed("1")!, three = fixed("3")!
        #expect(try one.divided(by: three).formatted() == "0.333333")
        #expect(try fixed("0.000001")!.divided(by: fixed("2")!).raw == 0, "0.0000005 rounds to even 0")
        #expect(try fixed("0.000003")!.divided(by: fixed("2")!).raw == 2, "0.0000015 rounds to even 0.000002")
        #expect(try fixed("-0.000003")!.divided(by: fixed("2")!).raw == -2)
        #expect(fixed("0.000001")!.multiplied(by: fixed("0.5")!)?.raw == 0)
        #expect(fixed("1000")!.multiplied(byPercent: fixed("12.5")!) == fixed("125"))
        #expect(throws: Fixed.ArithmeticError.divisionByZero) { try one.divided(by: .zero) }
        #expect(Fixed(raw: .max).adding(Fixed(raw: 1)) == nil)
        #expect(Fixed(raw: .min).negated() == nil)
        #expect(fixed("9000000000000")!.multiplied(by: fixed("2")!) == nil)
        // 0.1 + 0.2 is 0.3, exactly.
        #expect(fixed("0.1")!.adding(fixed("0.2")!) == fixed("0.3"))
    }

    @Test func decimalsAreWrittenAsTheLanguageWritesThem() {
        #expect(fixed("1234567.5")!.formatted() == "1,234,567.5")
        #expect(fixed("-1200")!.formatted() == "-1,200")
        #expect(fixed("99.5")!.moneyText == "$99.50")
        #expect(fixed("-5")!.moneyText == "-$5")
        #expect(fixed("0.125")!.moneyText == "$0.125")
        #expect(fixed("120000")!.moneyText == "$120,000")
        #expect(fixed("2.5")!.percentText == "2.5%")
        #expect(fixed("1234.5")!.plain == "1234.5")
    }

    @Test func datesAreRealDays() {
        #expect(Day.parse("2024-02-29") != nil)
        #expect(Day.parse("2026-02-29") == nil)
        #expect(Day.parse("2026-04-31") == nil)
        #expect(Day.parse("2026-13-01") == nil)
        #expect(Day.parse("0000-01-01") == nil)
        #expect(Day.parse("2026-1-01") == nil)
        #expect(Day.parse("1970-01-01")?.number == 0)
        #expect(Day.parse("2000-03-01")?.description == "2000-03-01")
        #expect(Day.parse("0001-01-01")?.description == "0001-01-01")
        // Every day of four centuries round-trips.
        let start = Day.parse("1900-01-01")!.number, end = Day.parse("2300-12-31")!.number
        for n in start...end {
            let d = Day(number: n)
            #expect(Day.parse(d.description) == d)
        }
    }

    @Test func monthsThenDaysWithTheLastDayRule() {
        func add(_ d: String, _ du: String) -> String? { Day.parse(d)!.adding(Duration.parse(du)!)?.description }
        #expect(add("2026-01-31", "1 month") == "2026-02-28")
        #expect(add("2024-01-31", "1 month") == "2024-02-29")
        #expect(add("2026-01-31", "1 month 1 day") == "2026-03-01")
        #expect(add("2026-12-15", "1 year") == "2027-12-15")
        #expect(add("2024-02-29", "1 year") == "2025-02-28")
        #expect(add("2026-12-01", "2 weeks") == "2026-12-15")
        #expect(Day.parse("2026-03-31")!.adding(Duration(months: 1), sign: -1)?.description == "2026-02-28")
        #expect(add("9999-12-31", "1 day") == nil)
    }

    @Test func durationsCompareWithAYearOf365Days() {
        #expect(Duration(months: 12) == Duration(days: 365))
        #expect(Duration(months: 1) > Duration(days: 30))
        #expect(Duration(months: 1) < Duration(days: 31))
        #expect(Duration.parse("1 year 2 months") == Duration(months: 14))
        #expect(Duration.parse("2 weeks")?.days == 14)
        #expect(Duration.parse("1,000 days")?.days == 1000)
        #expect(Duration.parse("3 fortnights") == nil)
        #expect(Duration.parse("12") == nil)
        #expect(Duration(months: 1, days: 5).description == "1 month + 5 days")
        #expect(Duration(days: 1).description == "1 day")
    }

    /// Text escaped for JSON, eight bytes at a time where there is nothing to escape: a `"`, a
    /// `\`, a line break or another control character at any place (before, in or after the
    /// words read whole) is escaped as a byte-by-byte escaper would, and other text (é, €) is kept.
    @Test func textIsEscapedForJSONWhereverTheSpecialByteIs() throws {
        func reference(_ s: String) -> String {
            var out = ""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where u.value < 0x20:
                    let hex = Array("0123456789abcdef")
                    out += "\\u00" + String(hex[Int(u.value >> 4)]) + String(hex[Int(u.value & 15)])
                default: out.unicodeScalars.append(u)
                }
            }
            return out
        }
        for special in ["\"", "\\", "\n", "\u{1F}", "\u{01}", "é", "€"] {
            for length in [0, 1, 7, 8, 9, 15, 16, 17, 24] {
                for at in 0...length {
                    let text = String(repeating: "a", count: at) + special + String(repeating: "b", count: length - at)
                    var buffer = TextBuffer(json: true)
                    buffer.append(text)
                    #expect(buffer.string == reference(text), "\(Array(text.utf8))")
                }
            }
        }
        var plain = TextBuffer(json: true)
        plain.append("Smart Building Ops, 24 seats")
        #expect(plain.string == "Smart Building Ops, 24 seats")
    }
}

