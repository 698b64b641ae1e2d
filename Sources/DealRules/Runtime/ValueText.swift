/// Spells values the way the language writes them: `$1,200`, `25%`, `30 days`, `2026-12-01`,
/// `[US, EU]`, `yes`. Messages, `:why`, `--explain` and the formatter all use it.
struct ValueText {
    let choices: [ChoiceInfo]
    /// Names of the deal's items by kind, for `.item` values; nil outside a deal.
    var itemNames: ((Int, Int32) -> String?)?
    var itemKindOfList: Int?

    init(choices: [ChoiceInfo], itemNames: ((Int, Int32) -> String?)? = nil) {
        self.choices = choices
        self.itemNames = itemNames
    }

    /// `quoteText`: text in quotes (as a literal) or bare (as in messages).
    func text(_ v: Value, kind: Int? = nil, quoteText: Bool = false) -> String {
        switch v {
        case .unknown: return "unknown"
        case .none: return "none"
        case .failure(let e): return "error (\(e.rawValue))"
        case .flag(let b): return b ? "yes" : "no"
        case .number(let f): return f.formatted()
        case .money(let f): return f.moneyText
        case .percent(let f): return f.percentText
        case .date(let d): return d.description
        case .duration(let d): return d.description
        case .text(let s): return quoteText ? ValueText.quoted(s) : s
        case .choice(let c):
            let ci = Int(c.choice), vi = Int(c.value)
            guard ci < choices.count, vi < choices[ci].values.count else { return "?" }
            return choices[ci].values[vi]
        case .list(let items):
            return "[" + items.map { text($0, kind: kind, quoteText: quoteText) }.joined(separator: ", ") + "]"
        case .item(let i):
            if let kind, let name = itemNames?(kind, i) { return name }
            return "item \(i + 1)"
        }
    }

    /// `"SIEM"`, with `\"` and `\\` escaped.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }
}
