/// Spells values the way the language writes them: `$1,200`, `25%`, `30 days`, `2026-12-01`,
/// `[US, EU]`, `yes`. Messages, `:why`, `--explain` and the formatter all use it.
struct ValueText {
    let choices: [ChoiceInfo]
    /// The items (per kind) of the deal whose items `.item` values name, if any: only they, not
    /// a copy of the whole deal.
    let items: [[Deal.Item]]

    init(choices: [ChoiceInfo], deal: Deal? = nil) {
        self.choices = choices
        self.items = deal?.items ?? []
    }

    /// `quoteText`: text in quotes (as a literal) or bare (as in messages).
    func text(_ v: Value, kind: Int? = nil, quoteText: Bool = false) -> String {
        var out = TextBuffer()
        write(v, kind: kind, quoteText: quoteText, into: &out)
        return out.string
    }

    func write(_ v: Value, kind: Int? = nil, quoteText: Bool = false, into out: inout TextBuffer) {
        switch v {
        case .unknown: out.append("unknown")
        case .none: out.append("none")
        case .failure(let e):
            out.append("error (")
            out.append(e.rawValue)
            out.append(")")
        case .flag(let b): out.append(b ? "yes" : "no")
        case .number(let f): out.append(f)
        case .money(let f): out.appendMoney(f)
        case .percent(let f):
            out.append(f)
            out.append("%")
        case .date(let d): out.append(d.description)
        case .duration(let d): out.append(d.description)
        case .text(let s):
            if quoteText {
                out.append(ValueText.quoted(s))
            } else {
                out.append(s)
            }
        case .choice(let c):
            let ci = Int(c.choice), vi = Int(c.value)
            guard ci < choices.count, vi < choices[ci].values.count else {
                out.append("?")
                return
            }
            out.append(choices[ci].values[vi])
        case .list(let items):
            out.append("[")
            for (i, x) in items.enumerated() {
                if i > 0 { out.append(", ") }
                write(x, kind: kind, quoteText: quoteText, into: &out)
            }
            out.append("]")
        case .item(let i):
            if let kind, kind < items.count, i >= 0, Int(i) < items[kind].count {
                out.append(items[kind][Int(i)].name)
            } else {
                out.append("item \(i + 1)")
            }
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
