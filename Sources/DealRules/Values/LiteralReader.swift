/// Reads a value of a known type from text written as the language writes literals: a CSV
/// cell (`10 days`, `$1,200`, `US; EU`) or a JSON string in a deal (`"25%"`, `"12 months"`).
/// Errors say what was expected, in words a spreadsheet user knows.
struct LiteralReader {
    let choices: [ChoiceInfo]
    /// Whether a list may be written `a; b` (CSV) as well as `[a, b]`.
    var semicolonLists = true

    func read(_ raw: String, as type: ValueType) -> Result<Value, LiteralError> {
        let text = raw.trimmed
        switch type {
        case .text:
            return .success(.text(raw))
        case .number:
            return fixed(text, "a number such as `12` or `1,200.50`").map(Value.number)
        case .money:
            var t = Substring(text)
            var negative = false
            if t.hasPrefix("-") {
                negative = true
                t = t.dropFirst()
            }
            if t.hasPrefix("$") { t = t.dropFirst() }
            return fixed((negative ? "-" : "") + t, "money such as `$1,200` or `99.50`", shown: text).map(Value.money)
        case .percent:
            guard text.hasSuffix("%") else {
                return .failure(LiteralError("`\(text)` is not a percent", help: "write it with `%`: `\(text)%`"))
            }
            return fixed(String(text.dropLast()).trimmed, "a percent such as `25%`", shown: text).map(Value.percent)
        case .duration:
            guard let d = Duration.parse(text) else {
                return .failure(LiteralError("`\(text)` is not a duration", help: "write it like `30 days`, `2 weeks`, `12 months` or `1 year`"))
            }
            return .success(.duration(d))
        case .date:
            guard let d = Day.parse(text) else {
                return .failure(LiteralError("`\(text)` is not a date", help: "write it as YYYY-MM-DD, a real day: `2026-12-01`"))
            }
            return .success(.date(d))
        case .flag:
            switch text.lowercased() {
            case "yes", "true": return .success(.yes)
            case "no", "false": return .success(.no)
            default: return .failure(LiteralError("`\(text)` is not yes or no", help: "write `yes` or `no`"))
            }
        case .choice(let c):
            if let v = choices[c].index[text] { return .success(.choice(ChoiceValue(choice: Int32(c), value: v))) }
            return .failure(LiteralError("`\(text)` is not a value of `\(choices[c].name)`",
                                         help: Suggestions.didYouMean(text, choices[c].values)
                                             ?? "`\(choices[c].name)` is one of \(choices[c].values.joined(separator: ", "))"))
        case .list(let element):
            var inner = Substring(text)
            var separator: Character = ";"
            if inner.hasPrefix("[") {
                guard inner.hasSuffix("]") else {
                    return .failure(LiteralError("`\(text)` opens `[` but does not close it", help: "write a list as `[US, EU]`"))
                }
                inner = inner.dropFirst().dropLast()
                separator = ","
            } else if !semicolonLists {
                return .failure(LiteralError("`\(text)` is not a list", help: "write a list as `[US, EU]`"))
            }
            if inner.trimmed.isEmpty { return .success(.list([])) }
            var out: [Value] = []
            for part in splitOutsideQuotes(inner, separator) {
                var p = part.trimmed
                if element == .text, p.count >= 2, p.hasPrefix("\""), p.hasSuffix("\"") { p = String(p.dropFirst().dropLast()) }
                switch read(p, as: element) {
                case .success(let v): out.append(v)
                case .failure(let e) where separator == ";" && p.contains(","):
                    return .failure(LiteralError(e.message, help: "separate the values with `;` (`US; EU`), or write `[US, EU]`"))
                case .failure(let e): return .failure(e)
                }
            }
            return .success(.list(out))
        case .item, .emptyList:
            return .failure(LiteralError("`\(text)` cannot be read here"))
        }
    }

    /// The number in `text`; errors quote `shown`, the text as written (`$5.`, `5%%`), not
    /// what is left once the `$` or `%` is taken off.
    private func fixed(_ text: String, _ what: String, shown: String? = nil) -> Result<Fixed, LiteralError> {
        let shown = shown ?? text
        switch Fixed.parse(Array(text.utf8), allowExponent: false) {
        case .success(let f): return .success(f)
        case .failure(.tooPrecise):
            return .failure(LiteralError("`\(shown)` has more than \(Fixed.places) digits after the point", help: "round it"))
        case .failure(.overflow):
            return .failure(LiteralError("`\(shown)` is too large", help: "amounts go up to 9,223,372,036,854.775807"))
        case .failure(.malformed):
            return .failure(LiteralError("`\(shown)` is not \(what)"))
        }
    }

    private func splitOutsideQuotes(_ s: Substring, _ separator: Character) -> [Substring] {
        var parts: [Substring] = []
        var start = s.startIndex
        var quoted = false
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "\"" { quoted.toggle() }
            if s[i] == separator, !quoted {
                parts.append(s[start..<i])
                start = s.index(after: i)
            }
            i = s.index(after: i)
        }
        parts.append(s[start...])
        return parts
    }
}

struct LiteralError: Error {
    let message: String
    let help: String?

    init(_ message: String, help: String? = nil) {
        self.message = message
        self.help = help
    }
}

extension StringProtocol {
    /// Without leading and trailing white space (spaces, tabs, line breaks, and any other
    /// Unicode white space).
    var trimmed: String {
        let scalars = unicodeScalars
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end, scalars[start].properties.isWhitespace { start = scalars.index(after: start) }
        while end > start, scalars[scalars.index(before: end)].properties.isWhitespace { end = scalars.index(before: end) }
        if start == scalars.startIndex, end == scalars.endIndex { return String(self) }
        return String(String.UnicodeScalarView(scalars[start..<end]))
    }
}
