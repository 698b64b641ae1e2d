/// An exact decimal with six places after the point, stored as a count of millionths in an
/// `Int64`: numbers, money (dollars) and percent (points) all use it. Every operation is
/// checked: overflow gives nil, never a wrong answer. Rounding is half to even at the sixth place.
package struct Fixed: Hashable, Comparable, Sendable {
    package static let scale: Int64 = 1_000_000
    package static let places = 6

    package var raw: Int64

    package init(raw: Int64) { self.raw = raw }

    package init?(_ whole: Int) {
        let (r, o) = Int64(whole).multipliedReportingOverflow(by: Fixed.scale)
        if o { return nil }
        raw = r
    }

    package static let zero = Fixed(raw: 0)
    package static let hundred = Fixed(raw: 100 * scale)

    package static func < (a: Fixed, b: Fixed) -> Bool { a.raw < b.raw }

    package var isWhole: Bool { raw % Fixed.scale == 0 }

    // MARK: Arithmetic

    package enum ArithmeticError: Error, Sendable { case overflow, divisionByZero }

    package func adding(_ o: Fixed) -> Fixed? {
        let (r, v) = raw.addingReportingOverflow(o.raw)
        return v ? nil : Fixed(raw: r)
    }

    package func subtracting(_ o: Fixed) -> Fixed? {
        let (r, v) = raw.subtractingReportingOverflow(o.raw)
        return v ? nil : Fixed(raw: r)
    }

    package func negated() -> Fixed? {
        raw == .min ? nil : Fixed(raw: -raw)
    }

    /// `self × o`, both scaled: (a·b) / 10⁶.
    package func multiplied(by o: Fixed) -> Fixed? {
        Fixed.roundedQuotient(Int128(raw) * Int128(o.raw), Int128(Fixed.scale))
    }

    /// `self × (o / 100)`: money or a number times a percent, rounded once.
    package func multiplied(byPercent o: Fixed) -> Fixed? {
        Fixed.roundedQuotient(Int128(raw) * Int128(o.raw), Int128(Fixed.scale) * 100)
    }

    /// `self ÷ o`; throws on division by zero, nil on overflow.
    package func divided(by o: Fixed) throws(ArithmeticError) -> Fixed {
        if o.raw == 0 { throw .divisionByZero }
        guard let q = Fixed.roundedQuotient(Int128(raw) * Int128(Fixed.scale), Int128(o.raw)) else {
            throw .overflow
        }
        return q
    }

    /// `self ÷ (o / 100)`.
    package func divided(byPercent o: Fixed) throws(ArithmeticError) -> Fixed {
        if o.raw == 0 { throw .divisionByZero }
        guard let q = Fixed.roundedQuotient(Int128(raw) * Int128(Fixed.scale) * 100, Int128(o.raw)) else {
            throw .overflow
        }
        return q
    }

    /// n / d rounded half to even, or nil when it does not fit in 64 bits.
    static func roundedQuotient(_ n: Int128, _ d: Int128) -> Fixed? {
        var q = n / d
        let r = n % d
        if r != 0 {
            let twice = r.magnitude * 2
            let dm = d.magnitude
            let negative = (n < 0) != (d < 0)
            if twice > dm || (twice == dm && q % 2 != 0) {
                q += negative ? -1 : 1
            }
        }
        guard q >= Int128(Int64.min), q <= Int128(Int64.max) else { return nil }
        return Fixed(raw: Int64(q))
    }

    // MARK: Reading

    package enum ParseError: Error, Equatable, Sendable {
        case malformed
        case tooPrecise
        case overflow
    }

    /// Reads a decimal from its text exactly: optional sign, digits with optional `,`
    /// thousands separators, optional fraction, optional exponent (`1.5e3`, as JSON writes).
    package static func parse<C: Collection<UInt8>>(_ text: C, allowSeparators: Bool = true,
                                                   allowExponent: Bool = true) -> Result<Fixed, ParseError> {
        var i = text.startIndex
        var negative = false
        if i < text.endIndex, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
            negative = text[i] == UInt8(ascii: "-")
            i = text.index(after: i)
        }
        // Count the digits, and find where the point is and the last digit that is not 0.
        let digitsStart = i
        var count = 0
        var pointAt: Int?
        var lastNonZero = -1
        while i < text.endIndex {
            let c = text[i]
            if c >= 0x30 && c <= 0x39 {
                if c != 0x30 { lastNonZero = count }
                count += 1
            } else if c == UInt8(ascii: "."), pointAt == nil, count > 0 {
                pointAt = count
            } else if c == UInt8(ascii: ","), allowSeparators, pointAt == nil, count > 0 {
                // A separator: exactly three digits follow, then no digit.
                var j = text.index(after: i), n = 0
                while j < text.endIndex, text[j] >= 0x30, text[j] <= 0x39 { n += 1; j = text.index(after: j) }
                if n != 3 { return .failure(.malformed) }
            } else {
                break
            }
            i = text.index(after: i)
        }
        guard count > 0 else { return .failure(.malformed) }
        if let p = pointAt, p == count { return .failure(.malformed) }  // "3."
        var exponent = 0
        if i < text.endIndex, allowExponent, text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E") {
            i = text.index(after: i)
            var expNegative = false
            if i < text.endIndex, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                expNegative = text[i] == UInt8(ascii: "-")
                i = text.index(after: i)
            }
            var sawExp = false
            while i < text.endIndex, text[i] >= 0x30, text[i] <= 0x39 {
                exponent = min(exponent * 10 + Int(text[i] - 0x30), 10_000)
                sawExp = true
                i = text.index(after: i)
            }
            guard sawExp else { return .failure(.malformed) }
            if expNegative { exponent = -exponent }
        }
        guard i == text.endIndex else { return .failure(.malformed) }
        // Value = digits × 10^(exponent - fractionDigits); we want digits × 10^(6 + that).
        let fraction = count - (pointAt ?? count)
        let shift = places + exponent - fraction
        var used = count
        if shift < 0 {
            // Only trailing zeros may be dropped.
            let drop = -shift
            if drop > count || lastNonZero >= count - drop {
                if lastNonZero < 0 { return .success(.zero) }
                return .failure(.tooPrecise)
            }
            used = count - drop
        }
        // The digits again, from the text: no copy of them is made. The magnitude may reach
        // 2^63 when the sign is negative: Int64.min is a value like any other.
        let limit: UInt64 = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        var magnitude: UInt64 = 0
        var j = digitsStart, taken = 0
        while taken < used {
            let c = text[j]
            j = text.index(after: j)
            guard c >= 0x30 && c <= 0x39 else { continue }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(c - 0x30))
            if o1 || o2 || a > limit { return .failure(.overflow) }
            magnitude = a
            taken += 1
        }
        if shift > 0 {
            for _ in 0..<shift where magnitude != 0 {
                let (m, o) = magnitude.multipliedReportingOverflow(by: 10)
                if o || m > limit { return .failure(.overflow) }
                magnitude = m
            }
        }
        return .success(Fixed(raw: negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude)))
    }

    package static func parse(_ text: String) -> Result<Fixed, ParseError> {
        parse(Array(text.utf8))
    }

    // MARK: Writing

    /// `1,200`, `3.5`, `-0.25`: thousands separators, no trailing zeros.
    package func formatted(minimumFractionDigits: Int = 0, separators: Bool = true) -> String {
        var out = TextBuffer(capacity: 0)
        out.append(self, minimumFraction: minimumFractionDigits, separators: separators)
        return out.string
    }

    package var plain: String { formatted(separators: false) }

    /// `$1,200`, `$99.50`, `-$5`
    package var moneyText: String {
        var out = TextBuffer(capacity: 0)
        out.appendMoney(self)
        return out.string
    }

    /// Whether money shows cents: `$99.50`, not `$99.5`.
    var showsCents: Bool { raw % (Fixed.scale / 100) == 0 && !isWhole }

    /// `25%`, `2.5%`
    package var percentText: String { formatted() + "%" }
}
