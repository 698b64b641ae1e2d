import Glibc

/// A calendar day in the proleptic Gregorian calendar, counted from 1970-01-01. Dates have no
/// time and no time zone: `today` is a day, and so is every `start`.
public struct Day: Hashable, Comparable, Sendable, CustomStringConvertible {
    package var number: Int32

    package init(number: Int32) { self.number = number }

    /// nil unless year, month and day name a real day (years 1 to 9999).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= Day.daysIn(year: year, month: month) else { return nil }
        number = Int32(Day.daysFromCivil(year, month, day))
    }

    /// Earlier.
    public static func < (a: Day, b: Day) -> Bool { a.number < b.number }

    /// The day numbered `n`, nil unless it falls in years 1 to 9999.
    init?(checkedNumber n: Int64) {
        guard let number = Int32(exactly: n), (1...9999).contains(Day.civil(from: Int(number)).0) else { return nil }
        self.number = number
    }

    package var components: (year: Int, month: Int, day: Int) { Day.civil(from: Int(number)) }

    /// Strict `YYYY-MM-DD`.
    package static func parse<C: Collection<UInt8>>(_ text: C) -> Day? {
        let b = Array(text)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10) else { return nil }
        return Day(year: y, month: m, day: d)
    }

    /// A day written `YYYY-MM-DD` (a real one), or nil.
    public static func parse(_ text: String) -> Day? { parse(Array(text.utf8)) }

    /// `2026-12-01`
    public var description: String {
        let (y, m, d) = components
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let year = String(y)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-" + two(m) + "-" + two(d)
    }

    /// The date `duration` later: months first (same day of the month, or that month's last
    /// day), then days. nil when the result leaves years 1 to 9999.
    package func adding(_ duration: Duration, sign: Int = 1) -> Day? {
        var (y, m, d) = components
        let months = (y * 12 + (m - 1)) + sign * Int(duration.months)
        y = months >= 0 ? months / 12 : (months - 11) / 12
        m = months - y * 12 + 1
        guard (1...9999).contains(y) else { return nil }
        d = min(d, Day.daysIn(year: y, month: m))
        let n = Day.daysFromCivil(y, m, d) + sign * Int(duration.days)
        let result = Day(number: Int32(clamping: n))
        guard (1...9999).contains(result.components.year) else { return nil }
        return result
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(from n: Int) -> (Int, Int, Int) {
        let z = n + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

/// A length of time: a number of months and a number of days (weeks are 7 days, years 12
/// months). Months and days are compared with 1 year = 12 months = 365 days exactly.
package struct Duration: Hashable, Sendable, Comparable {
    package var months: Int32
    package var days: Int32

    package init(months: Int32 = 0, days: Int32 = 0) {
        self.months = months
        self.days = days
    }

    /// Twelfths of a day: months × 365 against days × 12.
    var measure: Int64 { Int64(months) * 365 + Int64(days) * 12 }

    package static func < (a: Duration, b: Duration) -> Bool { a.measure < b.measure }
    /// Equal lengths are equal durations: `12 months is 365 days` is yes.
    package static func == (a: Duration, b: Duration) -> Bool { a.measure == b.measure }
    package func hash(into h: inout Hasher) { h.combine(measure) }

    /// `self + o` (or `self - o` with `sign` -1); nil when months or days leave 32 bits.
    package func adding(_ o: Duration, sign: Int32 = 1) -> Duration? {
        Duration(checkedMonths: Int64(months) + Int64(sign) * Int64(o.months),
                 days: Int64(days) + Int64(sign) * Int64(o.days))
    }

    /// `-self`; nil for the one duration whose negation does not fit (−2,147,483,648 days or months).
    package func negated() -> Duration? {
        Duration(checkedMonths: -Int64(months), days: -Int64(days))
    }

    /// nil unless both parts fit in 32 bits.
    init?(checkedMonths months: Int64, days: Int64) {
        guard let m = Int32(exactly: months), let d = Int32(exactly: days) else { return nil }
        self.init(months: m, days: d)
    }

    /// As the language writes it, so it reads back as the same duration: `30 days`,
    /// `12 months`, `-1 month`, `1 month + 15 days`, `1 month - 3 days`.
    package var description: String {
        var out = TextBuffer(capacity: 32)
        write(into: &out)
        return out.string
    }

    /// Writes `description` into `out`, making no string (a message's durations, a line of a
    /// stream at a time).
    func write(into out: inout TextBuffer) {
        func unit(_ n: Int32, _ one: StaticString, _ many: StaticString) {
            out.appendWhole(UInt64(n.magnitude))
            out.raw(" ")
            out.raw(n.magnitude == 1 ? one : many)
        }
        func monthsText() {
            if months < 0 { out.raw("-") }
            unit(months, "month", "months")
        }
        switch (months, days) {
        case (0, _):
            if days < 0 { out.raw("-") }
            unit(days, "day", "days")
        case (_, 0): monthsText()
        // −2,147,483,648 days cannot be written as a subtraction of a positive literal.
        case (_, .min):
            monthsText()
            out.raw(" + -")
            unit(days, "day", "days")
        default:
            monthsText()
            out.raw(days < 0 ? " - " : " + ")
            unit(days, "day", "days")
        }
    }

    /// The unit words a duration literal may use, and what one of each is.
    /// (Matched on the bytes, a plural `s` dropped: a deal's every duration passes here.)
    static func unit<C: Collection<UInt8>>(_ word: C) -> Duration? {
        // The word as one integer, its first byte lowest (`day` is 0x796164): five letters at most.
        var n = word.count
        guard n >= 3, n <= 6 else { return nil }
        var packed: UInt64 = 0, shift: UInt64 = 0
        for c in word {
            packed |= UInt64(c) << shift
            shift += 8
        }
        if packed >> (8 * UInt64(n - 1)) == UInt64(UInt8(ascii: "s")) {
            n -= 1
            packed &= (1 << (8 * UInt64(n))) - 1
        }
        switch packed {
        case 0x79_6164: return Duration(days: 1)  // day
        case 0x6B_6565_77: return Duration(days: 7)  // week
        case 0x68_746E_6F6D: return Duration(months: 1)  // month
        case 0x7261_6579: return Duration(months: 12)  // year
        default: return nil
        }
    }

    /// Reads a duration as a deal or a catalog cell gives it, which is how the language writes
    /// one (`description`): terms of a whole number and a unit, joined by `+` or `-` or just
    /// written one after the other, the first one optionally negative: `12 months`, `2 weeks`,
    /// `1 year 3 months`, `1 month + 15 days`, `-3 days`. nil when it is not one, or when a part
    /// does not fit in 32 bits.
    package static func parse<C: Collection<UInt8>>(bytes: C) -> Duration? {
        // The usual form, `12 months`, in one pass.
        if let usual = bytes.withContiguousStorageIfAvailable(parseUsual), let usual { return usual }
        return parseTerms(bytes)
    }

    /// `parse(bytes:)` term by term, whatever the form.
    static func parseTerms<C: Collection<UInt8>>(_ bytes: C) -> Duration? {
        var months: Int64 = 0, days: Int64 = 0
        var i = bytes.startIndex
        var terms = 0
        func skipSpaces() {
            while i < bytes.endIndex, bytes[i] == 0x20 || bytes[i] == 0x09 { i = bytes.index(after: i) }
        }
        while true {
            skipSpaces()
            if i == bytes.endIndex { break }
            // The sign: `-` before the first term; `+` or `-` (or nothing) between terms, then
            // perhaps a negative term (`1 month + -2147483648 days`).
            var sign: Int64 = 1
            if terms > 0, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                sign = bytes[i] == UInt8(ascii: "-") ? -1 : 1
                i = bytes.index(after: i)
                skipSpaces()
            }
            if i < bytes.endIndex, bytes[i] == UInt8(ascii: "-") {
                sign = -sign
                i = bytes.index(after: i)
                skipSpaces()
            }
            var n: Int64 = 0
            var digits = 0
            while i < bytes.endIndex, (bytes[i] >= 0x30 && bytes[i] <= 0x39) || (bytes[i] == 0x2C && digits > 0) {
                if bytes[i] != 0x2C {
                    n = n * 10 + Int64(bytes[i] - 0x30)
                    digits += 1
                    if n > 1 << 31 { return nil }
                }
                i = bytes.index(after: i)
            }
            guard digits > 0 else { return nil }
            skipSpaces()
            let start = i
            while i < bytes.endIndex, (bytes[i] >= 0x61 && bytes[i] <= 0x7A) { i = bytes.index(after: i) }
            guard let u = unit(bytes[start..<i]) else { return nil }
            months += sign * n * Int64(u.months)
            days += sign * n * Int64(u.days)
            // Beyond this no later term can bring a part back into 32 bits' reach of the result.
            guard months.magnitude < 1 << 40, days.magnitude < 1 << 40 else { return nil }
            terms += 1
        }
        return terms > 0 ? Duration(checkedMonths: months, days: days) : nil
    }

    /// `parse(bytes:)` for the usual duration, `12 months` (a whole number of up to nine digits,
    /// one space, a unit), in one pass; nil for any other text, which `parse` reads on.
    package static func parseUsual(_ b: UnsafeBufferPointer<UInt8>) -> Duration? {
        var i = 0, n: Int64 = 0
        while i < b.count, i < 9, b[i] >= 0x30, b[i] <= 0x39 {
            n = n * 10 + Int64(b[i] &- 0x30)
            i += 1
        }
        guard i > 0, i < b.count, b[i] == 0x20, let u = unit(UnsafeBufferPointer(rebasing: b[(i + 1)...])) else { return nil }
        return Duration(checkedMonths: n * Int64(u.months), days: n * Int64(u.days))
    }

    /// Reads a duration from text (see `parse(bytes:)`).
    package static func parse(_ text: String) -> Duration? {
        parse(bytes: Array(text.utf8))
    }
}

extension Day {
    /// Today in the local time zone.
    public static func localToday() -> Day {
        var t = time(nil)
        var parts = tm()
        localtime_r(&t, &parts)
        return Day(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday)) ?? Day(number: 0)
    }
}
