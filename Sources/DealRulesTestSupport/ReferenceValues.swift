import Foundation

// The reference evaluator's own reading of values: JSON, decimals, durations and dates, written
// from docs/language.md ("Deals", "Exact decimals", "Dates and durations") and sharing no code
// with the library's reader. Numbers stay decimal text until they are read into a field, and
// then become Foundation `Decimal`s (never a `Double`).

/// A JSON value: members in the order written, numbers as written.
enum RefJSON: Equatable {
    case null
    case bool(Bool)
    case number(String)
    case text(String)
    case list([RefJSON])
    case object([Member])

    struct Member: Equatable {
        let key: String
        let value: RefJSON
    }

    /// The value of a key (the first, in a well-formed deal the only one).
    subscript(key: String) -> RefJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// How an error message names a value of the wrong kind (`text "x"`, `the number 7`).
    var shownAsWrong: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "`true`" : "`false`"
        case .number(let n): "the number \(n)"
        case .text(let s): "text \"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .list: "a list"
        case .object: "an object"
        }
    }

    /// How an error message names a value by its kind alone (`a number`, `true or false`), where
    /// the reader stops at its first byte: a list of items, an item.
    var kindShown: String {
        switch self {
        case .null: "null"
        case .bool: "true or false"
        case .number: "a number"
        case .text: "text"
        case .list: "a list"
        case .object: "an object"
        }
    }

    /// RFC 8259, strictly: nil for anything else.
    static func parse(_ text: String) -> RefJSON? {
        var p = Parser(bytes: Array(text.utf8))
        // A leading byte-order mark is skipped (docs/language.md).
        if p.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { p.at = 3 }
        guard String(validating: p.bytes, as: UTF8.self) != nil, let v = p.value(depth: 0) else { return nil }
        p.space()
        return p.at == p.bytes.count ? v : nil
    }

    struct Parser {
        let bytes: [UInt8]
        var at = 0

        var peek: UInt8? { at < bytes.count ? bytes[at] : nil }

        mutating func space() {
            while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { at += 1 }
        }

        mutating func literal(_ word: String) -> Bool {
            let w = Array(word.utf8)
            guard bytes[at...].starts(with: w) else { return false }
            at += w.count
            return true
        }

        mutating func value(depth: Int) -> RefJSON? {
            guard depth < 1_000 else { return nil }
            space()
            guard let c = peek else { return nil }
            switch c {
            case UInt8(ascii: "{"):
                at += 1
                var members: [Member] = []
                space()
                if peek == UInt8(ascii: "}") { at += 1; return .object(members) }
                while true {
                    space()
                    guard peek == UInt8(ascii: "\""), let key = string() else { return nil }
                    space()
                    guard peek == UInt8(ascii: ":") else { return nil }
                    at += 1
                    guard let v = value(depth: depth + 1) else { return nil }
                    members.append(Member(key: key, value: v))
                    space()
                    if peek == UInt8(ascii: ",") { at += 1; continue }
                    if peek == UInt8(ascii: "}") { at += 1; return .object(members) }
                    return nil
                }
            case UInt8(ascii: "["):
                at += 1
                var xs: [RefJSON] = []
                space()
                if peek == UInt8(ascii: "]") { at += 1; return .list(xs) }
                while true {
                    guard let v = value(depth: depth + 1) else { return nil }
                    xs.append(v)
                    space()
                    if peek == UInt8(ascii: ",") { at += 1; continue }
                    if peek == UInt8(ascii: "]") { at += 1; return .list(xs) }
                    return nil
                }
            case UInt8(ascii: "\""): return string().map(RefJSON.text)
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            default: return number()
            }
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        mutating func number() -> RefJSON? {
            let start = at
            func digits() -> Int {
                let s = at
                while let c = peek, (0x30...0x39).contains(c) { at += 1 }
                return at - s
            }
            if peek == UInt8(ascii: "-") { at += 1 }
            if peek == UInt8(ascii: "0") { at += 1 } else if digits() == 0 { return nil }
            if peek == UInt8(ascii: ".") {
                at += 1
                guard digits() > 0 else { return nil }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                at += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { at += 1 }
                guard digits() > 0 else { return nil }
            }
            return .number(String(decoding: bytes[start..<at], as: UTF8.self))
        }

        mutating func hex4() -> UInt32? {
            guard at + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16) else { return nil }
            at += 4
            return v
        }

        mutating func string() -> String? {
            at += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll()
            }
            while let c = peek {
                at += 1
                switch c {
                case UInt8(ascii: "\""):
                    flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    guard let e = peek else { return nil }
                    at += 1
                    flush()
                    switch e {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"):
                        guard let u = hex4() else { return nil }
                        var code = u
                        if (0xD800...0xDBFF).contains(u) {
                            // A high surrogate and its low one make one scalar; alone, it is U+FFFD.
                            if bytes[at...].starts(with: Array("\\u".utf8)) {
                                let save = at
                                at += 2
                                if let low = hex4(), (0xDC00...0xDFFF).contains(low) {
                                    code = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                                } else {
                                    at = save
                                    code = 0xFFFD
                                }
                            } else {
                                code = 0xFFFD
                            }
                        } else if (0xDC00...0xDFFF).contains(u) {
                            code = 0xFFFD
                        }
                        scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                    default: return nil
                    }
                default:
                    guard c >= 0x20 else { return nil }
                    raw.append(c)
                }
            }
            return nil
        }
    }
}

/// Exact decimals, durations and dates as the language and deals write them.
enum RefText {
    /// A JSON number's text as an exact decimal: nil when it has more than six digits after the
    /// point (zeros aside) or lies outside the range; `tooLarge` says which.
    static func decimal(json text: String) -> (value: Decimal?, tooLarge: Bool) {
        var s = Substring(text)
        let negative = s.hasPrefix("-")
        if negative { s = s.dropFirst() }
        var exponent = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let x = Int(s[s.index(after: e)...].replacingOccurrences(of: "+", with: "")) else { return (nil, true) }
            exponent = x
            s = s[..<e]
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return exact(negative: negative, whole: String(parts[0]), fraction: parts.count > 1 ? String(parts[1]) : "", exponent: exponent)
    }

    /// Digits as written (`whole`.`fraction` × 10^`exponent`), checked against the language's range.
    static func exact(negative: Bool, whole: String, fraction: String, exponent: Int) -> (value: Decimal?, tooLarge: Bool) {
        guard abs(exponent) < 100_000 else { return (nil, exponent > 0 && (whole + fraction).contains { $0 != "0" }) }
        var digits = whole + fraction
        var point = whole.count + exponent   // digits before the point
        if point < 0 { digits = String(repeating: "0", count: -point) + digits; point = 0 }
        if point > digits.count { digits += String(repeating: "0", count: point - digits.count) }
        var intPart = String(digits.prefix(point)), frac = String(digits.dropFirst(point))
        while intPart.hasPrefix("0") { intPart.removeFirst() }
        while frac.hasSuffix("0") { frac.removeLast() }
        if intPart.count > 13 { return (nil, true) }
        if frac.count > 6 { return (nil, false) }
        let d = Decimal(string: (negative ? "-" : "") + (intPart.isEmpty ? "0" : intPart) + (frac.isEmpty ? "" : "." + frac), locale: Locale(identifier: "en_US_POSIX"))!
        guard d <= ReferenceEvaluator.largest, d >= ReferenceEvaluator.smallest else { return (nil, true) }
        return (d, false)
    }

    /// `1,200`, `99.50`, `1,000.5`, `2850,000`: digits, each comma followed by three digits, an
    /// optional point and digits.
    /// nil when it is not such a number; `.failure(tooLarge)` when it does not fit.
    static func grouped(_ s: Substring, negative: Bool) -> (value: Decimal?, tooLarge: Bool)? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let first = parts[0].first, first.isASCII, first.isNumber else { return nil }
        let whole = parts[0]
        guard whole.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "," }), !whole.hasSuffix(","), !whole.contains(",,") else { return nil }
        if whole.contains(",") {
            // Each comma is followed by three digits (docs/language.md, "Exact decimals").
            let groups = whole.split(separator: ",")
            guard groups.dropFirst().allSatisfy({ $0.count == 3 }) else { return nil }
        }
        var fraction = ""
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            fraction = String(parts[1])
        }
        return exact(negative: negative, whole: whole.replacingOccurrences(of: ",", with: ""), fraction: fraction, exponent: 0)
    }

    /// A literal as written in a rule file: `1,200`, `-$5`, `33.5%`, `- 0` (the parser takes a
    /// `-` before a number on the same line as its sign, spaces between or not).
    static func literal(_ text: String) -> Decimal {
        var s = Substring(text)
        let negative = s.hasPrefix("-")
        if negative { s = s.dropFirst().drop { $0 == " " || $0 == "\t" } }
        if s.hasPrefix("$") { s = s.dropFirst() }
        if s.hasSuffix("%") { s = s.dropLast() }
        return grouped(s, negative: negative)!.value!
    }

    /// A deal's string without the white space around it, which docs/language.md says is
    /// ignored for every value but text (Foundation's white space and newlines: the Unicode
    /// White_Space characters).
    static func trimmed(_ s: some StringProtocol) -> String {
        s.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A duration as written in a rule file or a deal: terms `N unit`, joined by `+`, `-` or
    /// nothing (`1 year 2 months`, `1 month - 3 days`, `-1 month + 3 days`); week is 7 days,
    /// year is 12 months. nil when it is not a duration.
    static func duration(_ text: String) -> (months: Int, days: Int)? {
        // Read as characters: blanks (space, tab) may stand between any two parts and may be
        // left out (`20months`, `1year2months`, `1 month+15 days`).
        let cs = Array(text)
        var k = 0
        func blanks() { while k < cs.count, cs[k] == " " || cs[k] == "\t" { k += 1 } }
        var months = 0, days = 0, terms = 0
        while true {
            blanks()
            if k == cs.count { break }
            var sign = 1
            if terms > 0, cs[k] == "+" || cs[k] == "-" {
                sign = cs[k] == "-" ? -1 : 1
                k += 1
                blanks()
            }
            if k < cs.count, cs[k] == "-" {
                sign = -sign
                k += 1
                blanks()
            }
            var digits = ""
            while k < cs.count, (cs[k].isASCII && cs[k].isNumber) || (cs[k] == "," && !digits.isEmpty) {
                if cs[k] != "," { digits.append(cs[k]) }
                k += 1
            }
            // docs/language.md: each term's number fits in 32 bits (2,147,483,648 for a negative one).
            guard !digits.isEmpty, digits.count <= 12, let n = Int(digits), n <= 1 << 31 else { return nil }
            blanks()
            var unit = ""
            while k < cs.count, cs[k].isASCII, cs[k].isLowercase { unit.append(cs[k]); k += 1 }
            let count = sign * n
            switch unit {
            case "day", "days": days += count
            case "week", "weeks": days += 7 * count
            case "month", "months": months += count
            case "year", "years": months += 12 * count
            default: return nil
            }
            guard abs(months) < 1 << 40, abs(days) < 1 << 40 else { return nil }
            terms += 1
        }
        return terms > 0 ? (months, days) : nil
    }

    static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// `YYYY-MM-DD`, a real day between 0001-01-01 and 9999-12-31.
    static func date(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), y >= 1,
              let date = calendar.date(from: DateComponents(era: 1, year: y, month: m, day: d)) else { return nil }
        // Calendar rolls 2026-02-30 over into March: a real day comes back as it went in.
        let back = calendar.dateComponents([.year, .month, .day], from: date)
        return back.year == y && back.month == m && back.day == d ? date : nil
    }
}
