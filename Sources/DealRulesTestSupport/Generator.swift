import DealRules

/// Random well-formed rule sets and deals, built from the grammar and the declarations they
/// make: every expression is typed correctly, so the set always loads. Layout is random too
/// (spaces, line breaks where the language allows them, comments), for formatter properties.
public struct RuleSetGenerator {
    public var rng: SeededRandom
    /// Random spacing, line breaks and comments.
    public var messyLayout = true

    public init(seed: UInt64, messyLayout: Bool = true) {
        rng = SeededRandom(seed: seed)
        self.messyLayout = messyLayout
    }

    enum Kind: Hashable {
        case text, number, money, percent, duration, date, flag
        case choice(Int)
        case list(Box)
        case items

        struct Box: Hashable {
            let element: Int  // index into `scalarKinds`, or a choice
            let choice: Int?
        }
    }

    struct Field {
        let name: String
        let kind: Kind
    }

    /// What the generated set declares: enough to write correct expressions and deals.
    public struct Plan {
        public var choices: [(name: String, values: [String])] = []
        var fields: [Field] = []
        var itemFields: [Field] = []
        public var catalogNames: [String] = []
        public var approvals: [String] = []
        public var defines: [(name: String, perItem: Bool)] = []
        public var hasItems = false
    }

    public private(set) var plan = Plan()

    // MARK: Rule sets

    /// The values at and next to the ends of each type, in the language (`limits`) and in JSON
    /// (`jsonLimits`): constants and deals use them now and then, so arithmetic at the edges is
    /// exercised by every property and fuzz target that generates.
    static let limits: [Kind: [String]] = [
        .number: ["9,223,372,036,854.775807", "-9,223,372,036,854.775808", "-9,223,372,036,854.775807", "0.000001", "-0.000001"],
        .money: ["$9,223,372,036,854.775807", "-$9,223,372,036,854.775808", "$9,223,372,036,854.775806", "$0.000001"],
        .percent: ["9,223,372,036,854.775807%", "-9,223,372,036,854.775808%", "0.000001%"],
        .duration: ["2,147,483,647 days", "-2,147,483,648 days", "2,147,483,646 days", "2,147,483,647 months", "-2,147,483,648 months"],
        .date: ["0001-01-01", "9999-12-31", "0001-01-02", "9999-12-30"],
    ]
    static let jsonLimits: [Kind: [String]] = [
        .number: ["9223372036854.775807", "-9223372036854.775808", "-9223372036854.775807", "0.000001"],
        .money: ["9223372036854.775807", "\"-$9,223,372,036,854.775808\"", "-9223372036854.775807", "\"$0.000001\""],
        .percent: ["9223372036854.775807", "\"-9,223,372,036,854.775808%\"", "0.000001"],
        .duration: ["\"2147483647 days\"", "\"-2147483648 days\"", "\"2147483647 months\"", "\"1 month - 2147483648 days\""],
        .date: ["\"0001-01-01\"", "\"9999-12-31\""],
    ]
    /// How often a constant or a deal value is one of those.
    public var limitChance = 0.06

    /// The name of the file the rule set is loaded as: unnamed rules are `FILE#N`.
    public var fileName = "gen.rules"

    /// Every rule's name, in order, in the last rule set (`FILE#N` for an unnamed rule).
    public private(set) var ruleNames: [String] = []

    /// A whole rule file; with `scenarios`, that many scenarios after the rules, which set
    /// facts and expect rules by name (unnamed ones too), decisions, denials and approvals.
    public mutating func ruleSet(rules count: Int = 12, scenarios: Int = 0) -> String {
        plan = Plan()
        ruleNames = []
        var decls: [String] = []
        for c in 0..<rng.int(1...3) {
            let values = (0..<rng.int(2...4)).map { "C\(c)v\($0)" }
            plan.choices.append(("choice\(c)", values))
            decls.append("choice choice\(c): " + values.joined(separator: sep(",")))
        }
        let scalars: [Kind] = [.text, .number, .money, .percent, .duration, .date, .flag] + plan.choices.indices.map { .choice($0) }
        for i in 0..<rng.int(3...8) {
            let k = rng.pick(scalars)
            plan.fields.append(Field(name: "f\(i)", kind: k))
        }
        if rng.chance(0.5) {
            plan.fields.append(Field(name: "tags", kind: .list(.init(element: 0, choice: nil))))
        }
        if let c = plan.choices.indices.randomElement(using: &rng) {
            plan.fields.append(Field(name: "zones", kind: .list(.init(element: -1, choice: c))))
        }
        plan.hasItems = rng.chance(0.8)
        if plan.hasItems {
            plan.fields.append(Field(name: "lines", kind: .items))
            for i in 0..<rng.int(1...4) {
                plan.itemFields.append(Field(name: "g\(i)", kind: rng.pick(scalars)))
            }
        }
        var deal = "deal {" + nl()
        for f in plan.fields {
            deal += "  \(f.name):" + sp() + typeName(f.kind)
            if f.kind != .items, rng.chance(0.15) { deal += sp() + "=" + sp() + constant(f.kind) }
            deal += comment() + nl()
        }
        deal += "}"
        decls.append(deal)
        if plan.hasItems {
            var item = "item line {" + nl()
            for f in plan.itemFields {
                item += "  \(f.name): " + typeName(f.kind)
                if rng.chance(0.2) { item += " = " + constant(f.kind) }
                item += nl()
            }
            decls.append(item + "}")
            plan.catalogNames = (0..<rng.int(0...4)).map { "Entry \($0)" }
            var cat = "catalog line {" + nl()
            for n in plan.catalogNames {
                let given = plan.itemFields.filter { _ in rng.chance(0.6) }
                cat += "  \"\(n)\"" + (given.isEmpty ? "" : " ")
                    + given.map { "\($0.name): " + constant($0.kind) }.joined(separator: sep(",")) + nl()
            }
            decls.append(cat + "}")
        }
        plan.approvals = (0..<rng.int(1...3)).map { "approval\($0)" }
        for a in plan.approvals { decls.append("approval \(a): \"Team \(a)\"") }
        for d in 0..<rng.int(0...3) {
            let perItem = plan.hasItems && rng.chance(0.4)
            let body = perItem ? itemCondition(depth: 2) : condition(depth: 2)
            plan.defines.append(("d\(d)", perItem))
            decls.append("define d\(d) =" + sp() + body)
        }
        var used = Set<String>()
        var unnamed = 0
        for r in 0..<count {
            let perItem = plan.hasItems && rng.chance(0.35)
            let named = rng.chance(0.7)
            var text = named ? "rule r\(r):" + nl() + "  " : ""
            if !named { unnamed += 1 }
            ruleNames.append(named ? "r\(r)" : "\(fileName)#\(unnamed)")
            switch rng.int(0...2) {
            case 0:
                let n = rng.int(1...min(2, plan.approvals.count))
                let chosen = Array(plan.approvals.shuffled(using: &rng).prefix(n))
                chosen.forEach { used.insert($0) }
                text += "require " + chosen.joined(separator: sep(","))
            case 1: text += "deny"
            default: text += "warn"
            }
            text += " when" + sp() + (perItem ? itemCondition(depth: 3) : condition(depth: 3))
            if rng.chance(0.15) { text += nl() + "  unless " + condition(depth: 1) }
            if rng.chance(0.2) { text += nl() + "  because \"" + message(perItem) + "\"" }
            decls.append(text + comment())
        }
        for s in 0..<scenarios { decls.append(scenario(s)) }
        var out = ""
        for d in decls {
            if messyLayout, rng.chance(0.2) { out += "# a comment before\n" }
            out += d + "\n"
            if !messyLayout || rng.chance(0.7) { out += "\n" }
        }
        return out
    }

    /// A scenario: some facts, then expectations about the rules (by name), the decision,
    /// denials and approvals.
    mutating func scenario(_ index: Int) -> String {
        var lines = ["scenario \"s\(index)\" {", "  today = 2026-12-01"]
        for f in plan.fields where rng.chance(0.6) {
            switch f.kind {
            case .items:
                var names = plan.catalogNames + ["Other A"]
                names.shuffle(using: &rng)
                for name in names.prefix(rng.int(0...2)) {
                    let given = plan.itemFields.filter { _ in rng.chance(0.4) }
                    lines.append("  add line \"\(name)\"" + (given.isEmpty ? "" : " with ")
                        + given.map { "\($0.name) = " + constant($0.kind) }.joined(separator: ", "))
                }
            default:
                lines.append("  \(f.name) = " + constant(f.kind))
            }
        }
        for _ in 0..<rng.int(1...4) {
            let no = rng.chance(0.4) ? "no " : ""
            switch rng.int(0...4) {
            case 0, 1: if let r = ruleNames.randomElement(using: &rng) { lines.append("  expect \(no)rule \"\(r)\"") }
            case 2: lines.append("  expect " + rng.pick(["approved", "needs_approval", "incomplete", "blocked"]))
            case 3: lines.append("  expect \(no)" + rng.pick(["deny", "warn"]))
            default: lines.append("  expect \(no)require " + rng.pick(plan.approvals))
            }
        }
        return (lines + ["}"]).joined(separator: "\n")
    }

    func typeName(_ k: Kind) -> String {
        switch k {
        case .text: "text"
        case .number: "number"
        case .money: "money"
        case .percent: "percent"
        case .duration: "duration"
        case .date: "date"
        case .flag: "flag"
        case .choice(let c): plan.choices[c].name
        case .list(let b): b.choice.map { "list of " + plan.choices[$0].name } ?? "list of text"
        case .items: "list of line"
        }
    }

    // MARK: Layout

    mutating func sp() -> String { messyLayout && rng.chance(0.1) ? "  " : " " }
    mutating func sep(_ s: String) -> String { s + (messyLayout && rng.chance(0.1) ? "\n    " : " ") }
    mutating func nl() -> String { "\n" }
    mutating func comment() -> String { messyLayout && rng.chance(0.15) ? "  # note" : "" }
    /// A break after an operator, where the language lets a line continue.
    mutating func opBreak() -> String { messyLayout && rng.chance(0.08) ? "\n      " : " " }

    // MARK: Expressions

    mutating func constant(_ k: Kind) -> String {
        if let edge = Self.limits[k], rng.chance(limitChance) { return rng.pick(edge) }
        switch k {
        case .text: return rng.pick(["\"a\"", "\"SIEM\"", "\"x y\"", "\"\""])
        case .number: return rng.pick(["0", "1", "5", "12", "1,200", "3.5", "100"])
        case .money: return rng.pick(["$0", "$10", "$1,000", "$99.50", "$250,000"])
        case .percent: return rng.pick(["0%", "5%", "10%", "20%", "33.5%"])
        case .duration: return rng.pick(["1 day", "30 days", "2 weeks", "1 month", "12 months", "1 year"])
        case .date: return rng.pick(["2026-01-31", "2026-12-01", "2027-02-28", "2024-02-29"])
        case .flag: return rng.pick(["yes", "no"])
        case .choice(let c): return rng.pick(plan.choices[c].values)
        case .list(let b):
            let n = rng.int(0...3)
            if let c = b.choice { return "[" + (0..<n).map { _ in rng.pick(plan.choices[c].values) }.joined(separator: ", ") + "]" }
            return "[" + (0..<n).map { _ in constant(.text) }.joined(separator: ", ") + "]"
        case .items: return "[]"
        }
    }

    mutating func fieldOf(_ k: Kind, item: Bool = false) -> String? {
        var names = plan.fields.filter { $0.kind == k }.map(\.name)
        if item { names += plan.itemFields.filter { $0.kind == k }.map { "line." + $0.name } }
        return names.isEmpty ? nil : rng.pick(names)
    }

    /// A value of kind `k`: a field, a constant, or arithmetic that keeps the kind.
    mutating func value(_ k: Kind, depth: Int, item: Bool) -> String {
        if depth > 0, rng.chance(0.25) {
            // Parenthesised, so operator precedence never changes a result's type.
            let d = depth - 1
            switch k {
            case .number: return "(" + value(.number, depth: d, item: item) + " " + rng.pick(["+", "-", "*"]) + opBreak() + value(.number, depth: d, item: item) + ")"
            case .money:
                return rng.chance(0.5) ? "(" + value(.money, depth: d, item: item) + " " + rng.pick(["+", "-"]) + " " + value(.money, depth: d, item: item) + ")"
                    : "(" + value(.money, depth: d, item: item) + " * " + value(.percent, depth: d, item: item) + ")"
            case .percent: return "(" + value(.percent, depth: d, item: item) + " + " + value(.percent, depth: d, item: item) + ")"
            case .date: return "(" + value(.date, depth: d, item: item) + " " + rng.pick(["+", "-"]) + " " + value(.duration, depth: d, item: item) + ")"
            case .duration: return "(" + value(.duration, depth: d, item: item) + " + " + value(.duration, depth: d, item: item) + ")"
            default: break
            }
        }
        if plan.hasItems, rng.chance(0.12) {
            // Aggregates over the items, when an item field of this kind exists.
            let fields = plan.itemFields.filter { $0.kind == k }.map(\.name)
            if k == .number, rng.chance(0.5) {
                return "(count of lines" + (rng.chance(0.4) ? " where " + itemComparison() : "") + ")"
            }
            if let f = fields.randomElement(using: &rng) {
                switch k {
                case .number, .money, .percent:
                    return "(" + rng.pick(["sum", "min", "max"]) + " of lines.\(f)" + (rng.chance(0.3) ? " where " + itemComparison() : "") + ")"
                case .duration, .date, .choice:
                    return "(" + rng.pick(["min", "max"]) + " of lines.\(f))"
                default: break
                }
            }
        }
        if depth > 0, rng.chance(0.08) {
            switch k {
            case .number: return "(" + value(.number, depth: depth - 1, item: item) + " / " + value(.number, depth: depth - 1, item: item) + ")"
            case .money: return "(" + value(.money, depth: depth - 1, item: item) + " / " + rng.pick(["2", "3", "0", "7"]) + ")"
            case .percent, .duration: return "-" + value(k, depth: 0, item: item)
            case .date: return rng.pick(["today", "(today + 30 days)", "(today - 1 month)"])
            default: break
            }
        }
        if rng.chance(0.55), let f = fieldOf(k, item: item) { return f }
        return constant(k)
    }

    /// A condition about the deal.
    public mutating func condition(depth: Int) -> String { cond(depth: depth, item: false) }

    /// A condition that mentions the item `line`.
    public mutating func itemCondition(depth: Int) -> String {
        let about = itemComparison()
        return depth > 0 && rng.chance(0.5) ? about + " and" + opBreak() + cond(depth: depth - 1, item: true) : about
    }

    mutating func itemComparison() -> String {
        if rng.chance(0.3) { return "line" + rng.pick([" in catalog", " not in catalog"]) }
        if rng.chance(0.2), !plan.catalogNames.isEmpty { return "line is \"\(rng.pick(plan.catalogNames))\"" }
        guard let f = plan.itemFields.randomElement(using: &rng) else { return "line in catalog" }
        return compare(f.kind, "line." + f.name, depth: 1, item: true)
    }

    mutating func cond(depth: Int, item: Bool) -> String {
        if depth > 0 {
            switch rng.int(0...9) {
            case 0, 1: return cond(depth: depth - 1, item: item) + " and" + opBreak() + cond(depth: depth - 1, item: item)
            case 2: return cond(depth: depth - 1, item: item) + " or" + opBreak() + cond(depth: depth - 1, item: item)
            case 3: return "not " + cond(depth: depth - 1, item: item)
            case 4: return "(" + cond(depth: depth - 1, item: item) + ")"
            default: break
            }
        }
        if plan.hasItems, rng.chance(0.12) {
            let q = rng.pick(["any", "every", "no"])
            return rng.chance(0.5) ? "\(q) line (" + itemComparison() + ")" : "\(q) " + itemComparison()
        }
        if plan.hasItems, rng.chance(0.05) { return "(count of lines where " + itemComparison() + ") > 1" }
        if let d = plan.defines.filter({ !$0.perItem || item }).randomElement(using: &rng), rng.chance(0.15) { return d.name }
        if let f = plan.fields.filter({ $0.kind == .flag }).randomElement(using: &rng), rng.chance(0.1) { return f.name }
        if item, rng.chance(0.3) { return itemComparison() }
        let kinds = plan.fields.map(\.kind).filter { $0 != .items }
        guard let k = kinds.randomElement(using: &rng) else { return "yes" }
        let f = rng.pick(plan.fields.filter { $0.kind == k }).name
        return compare(k, f, depth: depth, item: item)
    }

    mutating func compare(_ k: Kind, _ left: String, depth: Int, item: Bool) -> String {
        switch k {
        case .number, .money, .percent, .duration, .date, .choice:
            if rng.chance(0.15) { return left + " between " + value(k, depth: 0, item: item) + " and " + value(k, depth: 0, item: item) }
            if case .choice(let c) = k, rng.chance(0.3) {
                return left + rng.pick([" in ", " not in "]) + "[" + plan.choices[c].values.prefix(2).joined(separator: ", ") + "]"
            }
            return left + " " + rng.pick(["<", "<=", ">", ">=", "is", "is not", "=", "!="]) + opBreak() + value(k, depth: depth, item: item)
        case .text:
            return left + rng.pick([" is ", " is not ", " contains "]) + value(.text, depth: 0, item: item)
        case .flag:
            return left + rng.pick([" is yes", " is no", " = no"])
        case .list(let b):
            if let c = b.choice { return left + " contains " + rng.pick(plan.choices[c].values) }
            return rng.chance(0.5) ? left + " contains \"a\"" : "\"a\" in " + left
        case .items:
            return "count of lines > 0"
        }
    }

    mutating func message(_ perItem: Bool) -> String {
        var parts = ["Because"]
        if let f = plan.fields.filter({ $0.kind != .items }).randomElement(using: &rng) { parts.append("{\(f.name)}") }
        if perItem { parts.append("{line.name}") }
        if rng.chance(0.3) { parts.append("{{literal}}") }
        return parts.joined(separator: " ")
    }

    // MARK: Deals

    /// A deal for the last rule set, as JSON; some facts left out, some items off the catalog.
    public mutating func deal() -> String {
        var members: [String] = []
        for f in plan.fields where rng.chance(0.85) {
            members.append("\"\(f.name)\": " + jsonValue(f.kind))
        }
        if rng.chance(0.3) { members.append("\"today\": \"2026-12-01\"") }
        return "{" + members.joined(separator: ", ") + "}"
    }

    mutating func jsonValue(_ k: Kind) -> String {
        if rng.chance(0.05) { return "null" }
        if let edge = Self.jsonLimits[k], rng.chance(limitChance) { return rng.pick(edge) }
        switch k {
        case .text: return rng.pick(["\"a\"", "\"SIEM\"", "\"x y\"", "\"\""])
        case .number: return rng.pick(["0", "1", "5", "12", "1200", "3.5", "-2"])
        case .money: return rng.pick(["0", "10", "\"$1,000\"", "99.5", "250000", "\"$3\""])
        case .percent: return rng.pick(["0", "5", "\"10%\"", "20", "33.5", "50"])
        case .duration: return rng.pick(["\"1 day\"", "\"30 days\"", "\"2 weeks\"", "\"1 month\"", "\"12 months\"", "\"1 year\""])
        case .date: return rng.pick(["\"2026-01-31\"", "\"2026-12-01\"", "\"2027-02-28\"", "\"2024-02-29\""])
        case .flag: return rng.pick(["true", "false"])
        case .choice(let c): return "\"" + rng.pick(plan.choices[c].values) + "\""
        case .list(let b):
            let n = rng.int(0...3)
            if let c = b.choice { return "[" + (0..<n).map { _ in "\"" + rng.pick(plan.choices[c].values) + "\"" }.joined(separator: ", ") + "]" }
            return "[" + (0..<n).map { _ in jsonValue(.text) }.filter { $0 != "null" }.joined(separator: ", ") + "]"
        case .items:
            var names = plan.catalogNames + ["Other A", "Other B"]
            names.shuffle(using: &rng)
            let items = names.prefix(rng.int(0...3)).map { name -> String in
                var m = ["\"name\": \"\(name)\""]
                for f in plan.itemFields where rng.chance(0.5) { m.append("\"\(f.name)\": " + jsonValue(f.kind)) }
                return "{" + m.joined(separator: ", ") + "}"
            }
            return "[" + items.joined(separator: ", ") + "]"
        }
    }
}
