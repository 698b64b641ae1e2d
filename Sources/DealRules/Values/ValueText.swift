/// Spells values the way the language writes them: `$1,200`, `25%`, `30 days`, `2026-12-01`,
/// `[US, EU]`, `yes`. Messages, `:why`, `--explain` and the formatter all use it.
struct ValueText {
    let choices: [ChoiceInfo]
    /// The names of the items `.item` values stand for (a deal's), if any.
    let items: (any ItemNames)?

    init(choices: [ChoiceInfo], items: (any ItemNames)? = nil) {
        self.choices = choices
        self.items = items
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
        case .duration(let d): d.write(into: &out)
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
            if let kind, let name = items?.name(kind: kind, item: Int(i)) {
                out.append(name)
            } else {
                out.append("item \(i + 1)")
            }
        }
    }

    /// `"SIEM"`, with `\"` and `\\` escaped.
    static func quoted(_ s: String) -> String {
        // Most text has nothing to escape: then it is copied whole, not a character at a time.
        if !s.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            var out = "\""
            out.reserveCapacity(s.utf8.count + 2)
            out += s
            out += "\""
            return out
        }
        var out = "\""
        for c in s {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }
}

/// Where `ValueText` finds an item's name: a deal's items (`Deal`), by kind and place.
protocol ItemNames: Sendable {
    /// The name of item `item` of kind `kind`; nil when there is none.
    func name(kind: Int, item: Int) -> String?
}
