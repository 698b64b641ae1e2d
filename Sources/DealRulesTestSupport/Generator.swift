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
        /// A list of items of `plan.items[k]`.
        case items(Int)

        var isItems: Bool {
            if case .items = self { return true }
            return false
        }

        /// A plain list's element: text, number, date, or (with `choice`) a choice.
        struct Box: Hashable {
            let element: Element
            let choice: Int?
        }

        enum Element: Hashable { case text, number, date, choice }

        var elementKind: Kind? {
            guard case .list(let b) = self else { return nil }
            switch b.element {
            case .text: return .text
            case .number: return .number
            case .date: return .date
            case .choice: return .choice(b.choice!)
            }
        }
    }

    struct Field {
        let name: String
        let kind: Kind
    }

    /// A kind of line item: `line` (listed as `lines`) and sometimes `site` (`sites`).
    struct ItemPlan {
        let name: String
        let list: String
        let fieldPrefix: String
        var fields: [Field] = []
        var catalogNames: [String] = []
    }

    /// What the generated set declares: enough to write correct expressions and deals.
    public struct Plan {
        public var choices: [(name: String, values: [String])] = []
        var fields: [Field] = []
        var items: [ItemPlan] = []
        public var approvals: [String] = []
        /// Each define, and the item kind (an index into `items`) it is about, if any.
        public var defines: [(name: String, item: Int?)] = []
        public var hasItems: Bool { !items.isEmpty }
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

    /// Whether a catalog may be a spreadsheet (`catalog line from "line.csv"`); its text is
    /// then in `files`, to be written beside the rule file before it is loaded.
    public var spreadsheets = false
    /// The spreadsheets the last rule set reads, by the path it writes.
    public private(set) var files: [String: String] = [:]

    /// The constructs the last rule set (and the deals since) used, by name (`money * number`,
    /// `two item kinds`, …): the property tests check that each is reached often enough.
    public private(set) var used: Set<String> = []

    /// A whole rule file; with `scenarios`, that many scenarios after the rules, which set
    /// facts and expect rules by name (unnamed ones too), decisions, denials and approvals.
    public mutating func ruleSet(rules count: Int = 12, scenarios: Int = 0) -> String {
        plan = Plan()
        ruleNames = []
        files = [:]
        used = []
        var decls: [String] = []
        // Now and then two choices share a value (docs/language.md allows it).
        let shared = rng.chance(0.3)
        for c in 0..<rng.int(1...3) {
            var values = (0..<rng.int(2...4)).map { "C\(c)v\($0)" }
            if shared, c < 2 {
                values.insert("Shared", at: rng.int(0...values.count))
                used.insert("a value in two choices")
            }
            plan.choices.append(("choice\(c)", values))
            decls.append("choice choice\(c): " + values.joined(separator: sep(",")))
        }
        let scalars: [Kind] = [.text, .number, .money, .percent, .duration, .date, .flag] + plan.choices.indices.map { .choice($0) }
        for i in 0..<rng.int(3...8) {
            let k = rng.pick(scalars)
            plan.fields.append(Field(name: "f\(i)", kind: k))
        }
        if rng.chance(0.5) { plan.fields.append(Field(name: "tags", kind: .list(.init(element: .text, choice: nil)))) }
        if rng.chance(0.35) {
            plan.fields.append(Field(name: "nums", kind: .list(.init(element: .number, choice: nil))))
            used.insert("list of number")
        }
        if rng.chance(0.25) {
            plan.fields.append(Field(name: "dates", kind: .list(.init(element: .date, choice: nil))))
            used.insert("list of date")
        }
        if let c = plan.choices.indices.randomElement(using: &rng) {
            plan.fields.append(Field(name: "zones", kind: .list(.init(element: .choice, choice: c))))
        }
        if rng.chance(0.8) {
            plan.items.append(ItemPlan(name: "line", list: "lines", fieldPrefix: "g"))
            if rng.chance(0.3) {
                plan.items.append(ItemPlan(name: "site", list: "sites", fieldPrefix: "h"))
                used.insert("two item kinds")
            }
        }
        for k in plan.items.indices {
            plan.fields.append(Field(name: plan.items[k].list, kind: .items(k)))
            for i in 0..<rng.int(1...4) {
                plan.items[k].fields.append(Field(name: "\(plan.items[k].fieldPrefix)\(i)", kind: rng.pick(scalars)))
            }
        }
        var deal = "deal {" + nl()
        for f in plan.fields {
            deal += "  \(f.name):" + sp() + typeName(f.kind)
            if !f.kind.isItems, rng.chance(0.15) { deal += sp() + "=" + sp() + constant(f.kind) }
            deal += comment() + nl()
        }
        deal += "}"
        decls.append(deal)
        for k in plan.items.indices {
            let kind = plan.items[k]
            var item = "item \(kind.name) {" + nl()
            for f in kind.fields {
                item += "  \(f.name): " + typeName(f.kind)
                if rng.chance(0.2) { item += " = " + constant(f.kind) }
                item += nl()
            }
            decls.append(item + "}")
            plan.items[k].catalogNames = (0..<rng.int(0...4)).map { "Entry \($0)" }
            let rows = plan.items[k].catalogNames.map { n in (n, kind.fields.filter { _ in rng.chance(0.6) }) }
            if spreadsheets, rng.chance(0.35) {
                // The same entries as a spreadsheet: a header, then a row per entry.
                let semicolons = rng.chance(0.3)
                let separator = semicolons ? ";" : ","
                var csv = (["name"] + kind.fields.map(\.name)).joined(separator: separator) + "\n"
                for (n, given) in rows {
                    let cells = kind.fields.map { f in given.contains { $0.name == f.name } ? cell(f.kind, separator: separator) : "" }
                    csv += ([n] + cells).joined(separator: separator) + (rng.chance(0.2) ? "\r\n" : "\n")
                }
                files["\(kind.name).csv"] = csv
                used.insert("catalog spreadsheet")
                decls.append("catalog \(kind.name) from \"\(kind.name).csv\"")
            } else {
                var cat = "catalog \(kind.name) {" + nl()
                for (n, given) in rows {
                    cat += "  \"\(n)\"" + (given.isEmpty ? "" : " ")
                        + given.map { "\($0.name): " + constant($0.kind) }.joined(separator: sep(",")) + nl()
                }
                decls.append(cat + "}")
            }
        }
        plan.approvals = (0..<rng.int(1...3)).map { "approval\($0)" }
        for a in plan.approvals { decls.append("approval \(a): \"Team \(a)\"") }
        for d in 0..<rng.int(0...3) {
            let kind = plan.hasItems && rng.chance(0.45) ? rng.int(0...plan.items.count - 1) : nil
            let body = kind.map { itemCondition(depth: 2, kind: $0) } ?? condition(depth: 2)
            plan.defines.append(("d\(d)", kind))
            decls.append("define d\(d) =" + sp() + body)
        }
        var unnamed = 0
        // What the rules may do, so that decisions spread over every kind: some sets only warn,
        // some require and warn, the rest may also deny.
        let outcomes = rng.pick([0...0, 0...1, 0...1, 0...1, 0...2, 0...2, 0...2])
        for r in 0..<count {
            let perItem = plan.hasItems && rng.chance(0.35) ? rng.int(0...plan.items.count - 1) : nil
            let named = rng.chance(0.7)
            var text = named ? "rule r\(r):" + nl() + "  " : ""
            if !named { unnamed += 1 }
            ruleNames.append(named ? "r\(r)" : "\(fileName)#\(unnamed)")
            switch rng.int(outcomes) {
            case 0: text += "warn"
            case 1:
                let n = rng.int(1...min(2, plan.approvals.count))
                let chosen = Array(plan.approvals.shuffled(using: &rng).prefix(n))
                text += "require " + chosen.joined(separator: sep(","))
            default: text += "deny"
            }
            text += " when" + sp() + (perItem.map { itemCondition(depth: 3, kind: $0) } ?? condition(depth: 3))
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
            case .items(let k):
                var names = plan.items[k].catalogNames + ["Other A"]
                names.shuffle(using: &rng)
                for name in names.prefix(rng.int(0...2)) {
                    let given = plan.items[k].fields.filter { _ in rng.chance(0.4) }
                    lines.append("  add \(plan.items[k].name) \"\(name)\"" + (given.isEmpty ? "" : " with ")
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
        case .list: "list of " + typeName(k.elementKind!)
        case .items(let i): "list of " + plan.items[i].name
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
        case .duration: return rng.pick(["1 day", "30 days", "2 weeks", "1 month", "12 months", "1 year", "1 month + 15 days"])
        case .date: return rng.pick(["2026-01-31", "2026-12-01", "2027-02-28", "2024-02-29"])
        case .flag: return rng.pick(["yes", "no"])
        case .choice(let c): return rng.pick(plan.choices[c].values)
        case .list:
            let element = k.elementKind!
            return "[" + (0..<rng.int(0...3)).map { _ in constant(element) }.joined(separator: ", ") + "]"
        case .items: return "[]"
        }
    }

    /// A spreadsheet cell for a value of kind `k` (never empty: an empty cell gives no value),
    /// quoted when it holds the separator.
    mutating func cell(_ k: Kind, separator: String) -> String {
        var text: String
        switch k {
        case .text: text = rng.pick(["a", "SIEM", "x y", "say \"hi\""])
        case .flag: text = rng.pick(["yes", "no", "TRUE", "false"])
        case .money: text = rng.chance(0.3) ? rng.pick(["12", "99.5"]) : constant(k)
        default: text = constant(k)
        }
        guard text.contains(separator) || text.contains("\"") else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A field of kind `k`: the deal's, or (with `item`) one of that item's.
    mutating func fieldOf(_ k: Kind, item: Int?) -> String? {
        var names = plan.fields.filter { $0.kind == k }.map(\.name)
        if let item { names += plan.items[item].fields.filter { $0.kind == k }.map { plan.items[item].name + "." + $0.name } }
        return names.isEmpty ? nil : rng.pick(names)
    }

    /// A value of kind `k`: a field, a constant, or arithmetic that keeps the kind.
    mutating func value(_ k: Kind, depth: Int, item: Int?) -> String {
        if depth > 0, rng.chance(0.3) {
            // Parenthesised, so operator precedence never changes a result's type.
            let d = depth - 1
            switch k {
            case .number:
                switch rng.int(0...5) {
                case 0:
                    used.insert("money / money")
                    return "(" + value(.money, depth: d, item: item) + " / " + value(.money, depth: d, item: item) + ")"
                case 1: if let agg = listAggregate(.number) { return agg }
                default: break
                }
                return "(" + value(.number, depth: d, item: item) + " " + rng.pick(["+", "-", "*"]) + opBreak() + value(.number, depth: d, item: item) + ")"
            case .money:
                switch rng.int(0...4) {
                case 0: return "(" + value(.money, depth: d, item: item) + " * " + value(.percent, depth: d, item: item) + ")"
                case 1:
                    used.insert("money * number")
                    let (a, b) = (value(.money, depth: d, item: item), value(.number, depth: d, item: item))
                    return rng.chance(0.5) ? "(" + a + " * " + b + ")" : "(" + b + " * " + a + ")"
                case 2:
                    used.insert("money / percent")
                    return "(" + value(.money, depth: d, item: item) + " / " + value(.percent, depth: d, item: item) + ")"
                default: return "(" + value(.money, depth: d, item: item) + " " + rng.pick(["+", "-"]) + " " + value(.money, depth: d, item: item) + ")"
                }
            case .percent:
                let op = rng.pick(["+", "-"])
                if op == "-" { used.insert("percent - percent") }
                return "(" + value(.percent, depth: d, item: item) + " " + op + " " + value(.percent, depth: d, item: item) + ")"
            case .date:
                if let agg = listAggregate(.date), rng.chance(0.3) { return agg }
                return "(" + value(.date, depth: d, item: item) + " " + rng.pick(["+", "-"]) + " " + value(.duration, depth: d, item: item) + ")"
            case .duration:
                if rng.chance(0.3) {
                    used.insert("date - date")
                    return "(" + value(.date, depth: d, item: item) + " - " + value(.date, depth: d, item: item) + ")"
                }
                let op = rng.pick(["+", "-"])
                if op == "-" { used.insert("duration - duration") }
                return "(" + value(.duration, depth: d, item: item) + " " + op + " " + value(.duration, depth: d, item: item) + ")"
            default: break
            }
        }
        if plan.hasItems, rng.chance(0.12) {
            // Aggregates over the items, when an item field of this kind exists.
            let over = rng.int(0...plan.items.count - 1)
            let kind = plan.items[over]
            let fields = kind.fields.filter { $0.kind == k }.map(\.name)
            if k == .number, rng.chance(0.5) {
                return "(count of \(kind.list)" + (rng.chance(0.4) ? " where " + whereClause(over) : "") + ")"
            }
            if let f = fields.randomElement(using: &rng) {
                switch k {
                case .number, .money, .percent:
                    return "(" + rng.pick(["sum", "min", "max"]) + " of \(kind.list).\(f)" + (rng.chance(0.3) ? " where " + whereClause(over) : "") + ")"
                case .duration, .date, .choice:
                    return "(" + rng.pick(["min", "max"]) + " of \(kind.list).\(f))"
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

    /// An aggregate over a plain list of the deal's (`count of tags`, `max of nums`), of kind `k`.
    mutating func listAggregate(_ k: Kind) -> String? {
        let lists = plan.fields.filter { $0.kind.elementKind != nil }
        if k == .number, rng.chance(0.4), let l = lists.randomElement(using: &rng) {
            used.insert("aggregate over a plain list")
            return "(count of \(l.name))"
        }
        guard let l = lists.filter({ $0.kind.elementKind == k }).randomElement(using: &rng) else { return nil }
        used.insert("aggregate over a plain list")
        return "(" + rng.pick(k == .number ? ["sum", "min", "max"] : ["min", "max"]) + " of \(l.name))"
    }

    /// A condition about the deal.
    public mutating func condition(depth: Int) -> String { cond(depth: depth, item: nil) }

    /// A condition that mentions the item of kind `plan.items[kind]`.
    mutating func itemCondition(depth: Int, kind: Int) -> String {
        let about = itemComparison(kind)
        return depth > 0 && rng.chance(0.5) ? about + " and" + opBreak() + cond(depth: depth - 1, item: kind) : about
    }

    /// A quantifier's or an aggregate's condition over its item: a comparison, or now and then
    /// a define about that kind of item (whose item is then the bound one).
    mutating func whereClause(_ kind: Int) -> String {
        if let d = plan.defines.filter({ $0.item == kind }).randomElement(using: &rng), rng.chance(0.3) {
            used.insert("a define inside a quantifier or aggregate")
            return rng.chance(0.5) ? d.name : "(\(d.name))"
        }
        return itemComparison(kind)
    }

    mutating func itemComparison(_ kind: Int) -> String {
        let item = plan.items[kind]
        if rng.chance(0.3) { return item.name + rng.pick([" in catalog", " not in catalog"]) }
        if rng.chance(0.2), !item.catalogNames.isEmpty { return "\(item.name) is \"\(rng.pick(item.catalogNames))\"" }
        guard let f = item.fields.randomElement(using: &rng) else { return "\(item.name) in catalog" }
        return compare(f.kind, item.name + "." + f.name, depth: 1, item: kind)
    }

    mutating func cond(depth: Int, item: Int?) -> String {
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
            // A quantifier over any kind: inside, its own item is the bound one.
            let over = rng.int(0...plan.items.count - 1)
            let name = plan.items[over].name
            let q = rng.pick(["any", "every", "no"])
            if over != item || rng.chance(0.5) {
                return rng.chance(0.5) ? "\(q) \(name) (" + whereClause(over) + ")" : "\(q) " + itemComparison(over)
            }
        }
        if plan.hasItems, rng.chance(0.05) {
            let over = rng.int(0...plan.items.count - 1)
            return "(count of \(plan.items[over].list) where " + whereClause(over) + ") > 1"
        }
        if let d = plan.defines.filter({ $0.item == nil || $0.item == item }).randomElement(using: &rng), rng.chance(0.15) { return d.name }
        if let f = plan.fields.filter({ $0.kind == .flag }).randomElement(using: &rng), rng.chance(0.1) { return f.name }
        if let item, rng.chance(0.3) { return itemComparison(item) }
        let kinds = plan.fields.map(\.kind).filter { !$0.isItems }
        guard let k = kinds.randomElement(using: &rng) else { return "yes" }
        let f = rng.pick(plan.fields.filter { $0.kind == k }).name
        return compare(k, f, depth: depth, item: item)
    }

    mutating func compare(_ k: Kind, _ left: String, depth: Int, item: Int?) -> String {
        switch k {
        case .number, .money, .percent, .duration, .date, .choice:
            if rng.chance(0.15) { return left + rng.pick([" between ", " not between "]) + value(k, depth: 0, item: item) + " and " + value(k, depth: 0, item: item) }
            if case .choice(let c) = k, rng.chance(0.3) {
                return left + rng.pick([" in ", " not in "]) + "[" + plan.choices[c].values.prefix(2).joined(separator: ", ") + "]"
            }
            return left + " " + rng.pick(["<", "<=", ">", ">=", "is", "is not", "=", "!="]) + opBreak() + value(k, depth: depth, item: item)
        case .text:
            return left + rng.pick([" is ", " is not ", " contains "]) + value(.text, depth: 0, item: item)
        case .flag:
            return left + rng.pick([" is yes", " is no", " = no"])
        case .list:
            let element = k.elementKind!
            switch rng.int(0...5) {
            case 0: return left + " contains " + value(element, depth: 0, item: item)
            case 1: return value(element, depth: 0, item: item) + rng.pick([" in ", " not in "]) + left
            // A list against a list: as sets, and the left holding every value of the right.
            case 2:
                used.insert("list is list")
                return left + rng.pick([" is ", " is not "]) + constant(k)
            case 3:
                used.insert("list contains list")
                return left + " contains " + constant(k)
            case 4: return "(count of \(left)) " + rng.pick([">", "<=", "is"]) + " " + rng.pick(["0", "1", "2"])
            default:
                if let agg = listAggregate(element), element != .text { return agg + " " + rng.pick(["<", ">=", "is"]) + " " + value(element, depth: 0, item: item) }
                return left + " contains " + value(element, depth: 0, item: item)
            }
        case .items(let k):
            return "count of \(plan.items[k].list) > 0"
        }
    }

    mutating func message(_ perItem: Int?) -> String {
        var parts = ["Because"]
        if let f = plan.fields.filter({ !$0.kind.isItems }).randomElement(using: &rng) { parts.append("{\(f.name)}") }
        if let perItem { parts.append("{\(plan.items[perItem].name).name}") }
        if rng.chance(0.3) { parts.append("{{literal}}") }
        return parts.joined(separator: " ")
    }

    // MARK: Deals

    /// A deal for the last rule set, as JSON; some facts left out, some items off the catalog,
    /// now and then its own `"today"`. With `errors`, about one deal in eight has one mistake a
    /// deal can have (an unknown field, a value of the wrong type, a choice value or a date
    /// that does not exist, an item without a name or listed twice, a key given twice, more
    /// than six decimals).
    public mutating func deal(errors: Bool = false) -> String {
        var members: [String] = []
        // Two deals in five give every fact (so that rules are decided), the rest leave some out.
        complete = rng.chance(0.4)
        for f in plan.fields where complete || rng.chance(0.85) {
            members.append("\"\(f.name)\": " + jsonValue(f.kind))
        }
        if rng.chance(0.3) {
            members.append("\"today\": \"" + rng.pick(["2026-12-01", "2025-06-30", "2027-03-15", "2024-02-29"]) + "\"")
            used.insert("a deal's own today")
        }
        if errors, rng.chance(0.125) { members.insert(mistake(), at: rng.int(0...members.count)) }
        return "{" + members.joined(separator: ", ") + "}"
    }

    /// One member of a deal that the reader rejects.
    mutating func mistake() -> String {
        let wrong = ["\"x\"", "7", "true", "[1]", "{}"]
        let f = rng.pick(plan.fields)
        switch rng.int(0...9) {
        case 0: return "\"zz\": 1"
        case 1: return "\"today\": " + rng.pick(["\"2026-02-30\"", "5", "\"26-1-1\""])
        case 2:
            guard case .items(let k) = f.kind else { break }
            let item = plan.items[k]
            return "\"\(f.name)\": " + rng.pick(["[{\"name\": \"A\"}, {\"name\": \"A\"}]", "[{\"\(item.fields[0].name)\": null}]",
                                                "[{\"name\": \"A\", \"zz\": 1}]", "[5]", "5", "[{\"name\": null}]"])
        case 3:
            if case .choice = f.kind { return "\"\(f.name)\": \"Nope\"" }
        case 4:
            if f.kind == .date { return "\"\(f.name)\": \"2027-02-29\"" }
            if f.kind == .duration { return "\"\(f.name)\": \"3 parsecs\"" }
        case 5:
            if [.number, .money, .percent].contains(f.kind) { return "\"\(f.name)\": " + rng.pick(["1.2345678", "1e400", "\"$1.2.3\"", "\"5%%\""]) }
        case 6:
            if case .list = f.kind { return "\"\(f.name)\": [" + jsonValue(f.kind.elementKind!) + ", null]" }
        default: break
        }
        if f.kind.isItems { return "\"\(f.name)\": " + rng.pick(["5", "true", "\"x\""]) }
        return "\"\(f.name)\": " + rng.pick(wrong)
    }

    /// Whether the deal being written gives every fact.
    var complete = false

    mutating func jsonValue(_ k: Kind) -> String {
        if !complete, rng.chance(0.05) { return "null" }
        if let edge = Self.jsonLimits[k], rng.chance(limitChance) { return rng.pick(edge) }
        switch k {
        case .text: return rng.pick(["\"a\"", "\"SIEM\"", "\"x y\"", "\"\""])
        case .number: return rng.pick(["0", "1", "5", "12", "1200", "3.5", "-2", "1.5e3", "0.25"])
        case .money: return rng.pick(["0", "10", "\"$1,000\"", "99.5", "250000", "\"$3\"", "\"-$5\"", "\" $12.50\""])
        case .percent: return rng.pick(["0", "5", "\"10%\"", "20", "33.5", "50", "\"7.5 %\""])
        case .duration: return rng.pick(["\"1 day\"", "\"30 days\"", "\"2 weeks\"", "\"1 month\"", "\"12 months\"", "\"1 year\"",
                                         "\"1 year 2 months\"", "\"1 month - 3 days\""])
        case .date: return rng.pick(["\"2026-01-31\"", "\"2026-12-01\"", "\"2027-02-28\"", "\"2024-02-29\""])
        case .flag: return rng.pick(["true", "false"])
        case .choice(let c): return "\"" + rng.pick(plan.choices[c].values) + "\""
        case .list:
            let element = k.elementKind!
            return "[" + (0..<rng.int(0...3)).map { _ in jsonValue(element) }.filter { $0 != "null" }.joined(separator: ", ") + "]"
        case .items(let i):
            var names = plan.items[i].catalogNames + ["Other A", "Other B"]
            names.shuffle(using: &rng)
            let items = names.prefix(rng.int(0...3)).map { name -> String in
                var m = ["\"name\": \"\(name)\""]
                for f in plan.items[i].fields where complete || rng.chance(0.5) { m.append("\"\(f.name)\": " + jsonValue(f.kind)) }
                return "{" + m.joined(separator: ", ") + "}"
            }
            return "[" + items.joined(separator: ", ") + "]"
        }
    }
}
