import DealRules
import Foundation

/// A second evaluator, deliberately simple and written straight from docs/language.md, to keep the
/// real one honest: it walks the syntax tree (not the checked tree), types values as it meets
/// them, reads deals as plain JSON, does decimals with Foundation's `Decimal` and dates with
/// Foundation's `Calendar`. It shares no runtime code with `RuleSet.decide`; the two must agree
/// on every generated rule set and deal.
///
/// It takes one rule file that loads cleanly (it checks nothing itself) with inline catalogs.
public struct ReferenceEvaluator {
    // MARK: Values

    public indirect enum V: Equatable, CustomStringConvertible {
        case unknown
        case none
        case error(String)
        case bool(Bool)
        case number(Decimal)
        case money(Decimal)
        case percent(Decimal)
        case date(Date)
        case duration(months: Int, days: Int)
        case text(String)
        /// A choice value, with the choice it belongs to when known.
        case choice(String, of: String?)
        case list([V])
        case item(Int)

        public var description: String {
            switch self {
            case .unknown: "unknown"
            case .none: "none"
            case .error(let e): "error(\(e))"
            case .bool(let b): b ? "yes" : "no"
            case .number(let d): "\(d)"
            case .money(let d): "$\(d)"
            case .percent(let d): "\(d)%"
            case .date(let d): "\(d)"
            case .duration(let m, let d): "\(m)mo\(d)d"
            case .text(let s): "\"\(s)\""
            case .choice(let v, _): v
            case .list(let xs): "\(xs)"
            case .item(let i): "item\(i)"
            }
        }

        var known: Bool {
            switch self {
            case .unknown, .error: false
            default: true
            }
        }
    }

    /// A value, and when it is unknown, the facts that would decide it (`!error` when an
    /// evaluation error is among the causes).
    typealias R = (value: V, missing: Set<String>)

    static let failed: Set<String> = ["!error"]

    // MARK: The rule file

    struct FieldType {
        let name: String
        let isList: Bool
    }

    let source: SourceFile
    let tree: SyntaxTree
    var choices: [String: [String]] = [:]
    var dealFields: [String: FieldType] = [:]
    var itemKind: String?
    var itemFields: [String: FieldType] = [:]
    var itemDefaults: [String: Expr] = [:]
    var dealDefaults: [String: Expr] = [:]
    var catalog: [String: [String: Expr]] = [:]
    var listField: String?
    var defines: [String: Expr] = [:]
    var approvals: [String: String] = [:]
    var rules: [RuleDecl] = []
    let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    public init(source text: String, name: String) {
        source = SourceFile(path: name, text: text)
        tree = Parser.parse(source)
        for d in tree.declarations {
            switch d.kind {
            case .choice(let name, let values): choices[name.text] = values.map(\.text)
            case .deal(let fields):
                for f in fields {
                    dealFields[f.name.text] = FieldType(name: f.type.name.text, isList: f.type.isList)
                    if let v = f.defaultValue { dealDefaults[f.name.text] = v }
                }
            case .item(let name, let fields):
                itemKind = name.text
                for f in fields {
                    itemFields[f.name.text] = FieldType(name: f.type.name.text, isList: f.type.isList)
                    if let v = f.defaultValue { itemDefaults[f.name.text] = v }
                }
            case .catalog(_, let entries):
                for e in entries { catalog[e.name] = Dictionary(e.values.map { ($0.0.text, $0.1) }, uniquingKeysWith: { a, _ in a }) }
            case .approval(let name, let team, _): approvals[name.text] = team
            case .define(let name, let value): defines[name.text] = value
            case .rule(let r): rules.append(r)
            case .catalogFile, .include, .scenario: break
            }
        }
        itemFields["name"] = FieldType(name: "text", isList: false)
        listField = dealFields.first { $0.value.isList && $0.value.name == itemKind }?.key
    }

    // MARK: Deciding

    /// What a decision says, without wording: comparable between the two evaluators.
    public struct Result: Equatable, CustomStringConvertible {
        public var decision: String
        public var outcomes: [String]
        public var undetermined: [String]
        /// Each fired rule's message (once per rule and item): `r3 Entry 0: line (Entry 0) in catalog`.
        public var messages: [String]

        public var description: String {
            "\(decision)\n  outcomes: \(outcomes)\n  undetermined: \(undetermined)\n  messages: \(messages)"
        }
    }

    /// The real evaluator's decision, in the same terms.
    public static func summary(_ d: Decision) -> Result {
        var messages: [String] = []
        for o in d.outcomes {
            let m = "\(o.rule) \(o.item ?? "-"): \(o.message)"
            if messages.last != m { messages.append(m) }
        }
        return Result(decision: d.kind.rawValue,
                      outcomes: d.outcomes.map { "\($0.rule) \($0.kind.rawValue) \($0.approval ?? "-") \($0.item ?? "-")" },
                      undetermined: d.undetermined.map { u in
                          "\(u.rule) \(u.kind.rawValue) \(u.approval ?? "-") \(u.item ?? "-") \(u.errors.isEmpty ? u.missing.joined(separator: ",") : "error")"
                      },
                      messages: messages)
    }

    struct Env {
        var fields: [String: DealValue]
        var items: [[String: DealValue]]
        var listGiven: Bool
        var today: Date
        /// Item variables: the innermost binding of the item kind (an index into `items`).
        var bindings: [Int] = []
        /// Deciding a rule about "the" item when the deal does not list its items: the item
        /// and everything about it is unknown (the list is what is missing).
        var unboundItem = false
    }

    public func decide(dealJSON: String, today: (year: Int, month: Int, day: Int)) -> Result? {
        guard case .object(var o) = try? DealValue.parse(json: Array(dealJSON.utf8)) else { return nil }
        var date = calendar.date(from: DateComponents(year: today.year, month: today.month, day: today.day))!
        if case .text(let t)? = o.removeValue(forKey: "today"), let d = parseDate(t) { date = d }
        o.removeValue(forKey: "id")
        var items: [[String: DealValue]] = []
        var listGiven = false
        if let lf = listField, case .list(let xs)? = o[lf] {
            listGiven = true
            items = xs.compactMap { if case .object(let m) = $0 { return m } else { return nil } }
        }
        let env = Env(fields: o, items: items, listGiven: listGiven, today: date)
        var outcomes: [String] = [], undetermined: [String] = [], messages: [String] = []
        var denied = false, required = false, blocking = false
        var unnamed = 0
        for rule in rules {
            // An unnamed rule is `FILE#N`, the Nth unnamed rule of its file.
            let name = rule.name?.text ?? { unnamed += 1; return "\(source.path)#\(unnamed)" }()
            let perItem = mentionsItem(rule.condition) || rule.unless.map { mentionsItem($0) } == true
            var runs: [(Int?, Env)] = []
            if perItem {
                if !listGiven {
                    // No item can make it fire when it is `no` whatever the item is.
                    var e = env
                    e.unboundItem = true
                    var r = eval(rule.condition, e)
                    if let u = rule.unless, r.value != .bool(false) { r = and(r, not(eval(u, e))) }
                    if r.value != .bool(false) {
                        let missing = r.value.known ? [listField!] : r.missing.union([listField!])
                        record(rule, name, nil, (.unknown, missing), &outcomes, &undetermined, &denied, &required, &blocking)
                    }
                    continue
                }
                for i in items.indices {
                    var e = env
                    e.bindings = [i]
                    runs.append((i, e))
                }
            } else {
                runs = [(nil, env)]
            }
            for (item, e) in runs {
                var r = eval(rule.condition, e)
                if let u = rule.unless, r.value != .bool(false) {
                    let ur = eval(u, e)
                    r = and(r, not(ur))
                }
                let itemName = item.map { i -> String in
                    if case .text(let n)? = items[i]["name"] { return n }
                    return "?"
                }
                record(rule, name, itemName, r, &outcomes, &undetermined, &denied, &required, &blocking)
                if r.value == .bool(true) { messages.append("\(name) \(itemName ?? "-"): \(message(rule, e))") }
            }
        }
        let decision = denied ? "blocked" : blocking ? "incomplete" : required ? "needs_approval" : "approved"
        return Result(decision: decision, outcomes: outcomes, undetermined: undetermined, messages: messages)
    }

    func record(_ rule: RuleDecl, _ name: String, _ item: String?, _ r: R, _ outcomes: inout [String], _ undetermined: inout [String],
                _ denied: inout Bool, _ required: inout Bool, _ blocking: inout Bool) {
        let approvals = rule.outcome == .require ? rule.approvals.map(\.text) : ["-"]
        switch r.value {
        case .bool(true):
            for a in approvals { outcomes.append("\(name) \(rule.outcome.rawValue) \(a) \(item ?? "-")") }
            if rule.outcome == .deny { denied = true }
            if rule.outcome == .require { required = true }
        case .bool(false):
            break
        default:
            let what = r.missing.contains("!error") ? "error" : r.missing.sorted().joined(separator: ",")
            for a in approvals { undetermined.append("\(name) \(rule.outcome.rawValue) \(a) \(item ?? "-") \(what)") }
            if rule.outcome != .warn { blocking = true }
        }
    }

    /// Whether an expression talks about "the" item: its kind's name, free, or a define that does.
    func mentionsItem(_ e: Expr, bound: Bool = false) -> Bool {
        switch e.kind {
        case .path(let names):
            if names[0].text == itemKind { return !bound }
            if let d = defines[names[0].text], names.count == 1 { return !bound && mentionsItem(d) }
            return false
        case .quantified(_, let n, let body): return mentionsItem(body, bound: bound || n.text == itemKind)
        case .aggregate(_, _, let w): return w.map { mentionsItem($0, bound: true) } ?? false
        case .list(let xs): return xs.contains { mentionsItem($0, bound: bound) }
        case .negate(let x), .not(let x), .group(let x): return mentionsItem(x, bound: bound)
        case .binary(_, let a, let b), .compare(_, let a, let b): return mentionsItem(a, bound: bound) || mentionsItem(b, bound: bound)
        case .between(let x, let lo, let hi, _): return [x, lo, hi].contains { mentionsItem($0, bound: bound) }
        case .number, .money, .percent, .duration, .date, .text, .flag, .today, .catalog, .interpolated, .invalid: return false
        }
    }

    // MARK: Evaluating

    func eval(_ e: Expr, _ env: Env) -> R {
        switch e.kind {
        case .number(let f): return (.number(dec(f)), [])
        case .money(let f): return (.money(dec(f)), [])
        case .percent(let f): return (.percent(dec(f)), [])
        case .duration(let d): return (.duration(months: Int(d.months), days: Int(d.days)), [])
        case .date(let d): return (.date(parseDate(d.description)!), [])
        case .text(let s): return (.text(s), [])
        case .flag(let b): return (.bool(b), [])
        case .today: return (.date(env.today), [])
        case .catalog: return (.unknown, [])
        case .group(let x): return eval(x, env)
        case .list(let xs):
            var out: [V] = []
            for x in xs {
                let r = eval(x, env)
                guard r.value.known else { return r }
                out.append(r.value)
            }
            return (.list(out), [])
        case .path(let names): return path(names, env)
        case .not(let x): return not(eval(x, env))
        case .negate(let x):
            let r = eval(x, env)
            switch r.value {
            case .number(let d): return checked(.number(-d))
            case .money(let d): return checked(.money(-d))
            case .percent(let d): return checked(.percent(-d))
            case .duration(let m, let d): return checkedDuration(-m, -d)
            default: return r
            }
        case .binary(.and, let a, let b):
            let l = eval(a, env)
            if l.value == .bool(false) { return (.bool(false), []) }
            return and(l, eval(b, env))
        case .binary(.or, let a, let b):
            let l = eval(a, env)
            if l.value == .bool(true) { return (.bool(true), []) }
            return or(l, eval(b, env))
        case .binary(let op, let a, let b):
            return arithmetic(op, eval(a, env), eval(b, env))
        case .compare(let op, let a, let b):
            if case .catalog = b.kind {
                let l = eval(a, env)
                guard case .item(let i) = l.value else { return l }
                guard case .text(let n)? = env.items[i]["name"] else { return (.unknown, []) }
                return (.bool((catalog[n] != nil) != (op == .notIn)), [])
            }
            return compare(op, eval(a, env), eval(b, env), env)
        case .between(let x, let lo, let hi, let negated):
            let v = eval(x, env), l = eval(lo, env), h = eval(hi, env)
            let r = and(compare(.greaterEqual, v, l, env), compare(.lessEqual, v, h, env))
            // `not between` with `none` anywhere is `no`, as every comparison with it is.
            guard negated, r.value.known else { return r }
            return [v, l, h].contains { $0.value == .none } ? (.bool(false), []) : not(r)
        case .quantified(let q, _, let body):
            guard env.listGiven else { return (.unknown, [listField!]) }
            var undecided: R?
            var missing: Set<String> = []
            for i in env.items.indices {
                var e = env
                e.bindings.append(i)
                let r = eval(body, e)
                switch (q, r.value) {
                case (.any, .bool(true)): return (.bool(true), [])
                case (.every, .bool(false)): return (.bool(false), [])
                case (.no, .bool(true)): return (.bool(false), [])
                case (_, .bool): break
                default:
                    undecided = undecided ?? r
                    missing.formUnion(r.missing)
                }
            }
            if let u = undecided { return (u.value, missing) }
            return (.bool(q != .any), [])
        case .aggregate(let kind, let path, let condition):
            return aggregate(kind, path, condition, env)
        case .interpolated, .invalid:
            return (.unknown, [])
        }
    }

    func dec(_ f: Fixed) -> Decimal { Decimal(f.raw) / Decimal(1_000_000) }

    func parseDate(_ s: String) -> Date? {
        let parts = s.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    // MARK: Logic

    func not(_ r: R) -> R {
        if case .bool(let b) = r.value { return (.bool(!b), []) }
        return r
    }

    func and(_ a: R, _ b: R) -> R {
        if a.value == .bool(false) || b.value == .bool(false) { return (.bool(false), []) }
        if a.value == .bool(true) { return b }
        if b.value == .bool(true) { return a }
        return (a.value, a.missing.union(b.missing))
    }

    func or(_ a: R, _ b: R) -> R {
        if a.value == .bool(true) || b.value == .bool(true) { return (.bool(true), []) }
        if a.value == .bool(false) { return b }
        if b.value == .bool(false) { return a }
        return (a.value, a.missing.union(b.missing))
    }

    // MARK: Paths

    func path(_ names: [Name], _ env: Env) -> R {
        let first = names[0].text
        let shown = names.map(\.text).joined(separator: ".")
        if first == itemKind, let i = env.bindings.last {
            if names.count == 1 { return (.item(i), []) }
            return itemField(i, names[1].text, shown, env)
        }
        if first == itemKind, env.unboundItem { return (.unknown, []) }
        if let f = dealFields[first] {
            if f.isList, f.name == itemKind {
                guard env.listGiven else { return (.unknown, [first]) }
                return (.list(env.items.indices.map { .item($0) }), [])
            }
            let given = env.fields[first].flatMap { $0 == .null ? nil : $0 }
            guard let v = given ?? nil else {
                if let d = dealDefaults[first] { return eval(d, env) }
                return (.unknown, [first])
            }
            return (read(v, f), [])
        }
        if let d = defines[first] { return eval(d, env) }
        // A bare choice value.
        let owners = choices.filter { $0.value.contains(first) }.map(\.key)
        return (.choice(first, of: owners.count == 1 ? owners[0] : nil), [])
    }

    func itemField(_ i: Int, _ field: String, _ shown: String, _ env: Env) -> R {
        let item = env.items[i]
        if field == "name", case .text(let n)? = item["name"] { return (.text(n), []) }
        guard let type = itemFields[field] else { return (.unknown, [shown]) }
        if let v = item[field], v != .null { return (read(v, type), []) }
        if case .text(let n)? = item["name"], let entry = catalog[n], let v = entry[field] { return eval(v, env) }
        if let d = itemDefaults[field] { return eval(d, env) }
        return (.unknown, [shown])
    }

    /// A JSON value read as its declared type.
    func read(_ v: DealValue, _ t: FieldType) -> V {
        if t.isList {
            guard case .list(let xs) = v else { return .unknown }
            return .list(xs.map { read($0, FieldType(name: t.name, isList: false)) })
        }
        switch (t.name, v) {
        case ("text", .text(let s)): return .text(s)
        case ("number", .number(let n)): return .number(Decimal(string: n)!)
        case ("money", .number(let n)): return .money(Decimal(string: n)!)
        case ("money", .text(let s)): return .money(Decimal(string: s.replacingOccurrences(of: "$", with: "").replacingOccurrences(of: ",", with: ""))!)
        case ("percent", .number(let n)): return .percent(Decimal(string: n)!)
        case ("percent", .text(let s)): return .percent(Decimal(string: s.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: ",", with: ""))!)
        case ("flag", .bool(let b)): return .bool(b)
        case ("date", .text(let s)): return parseDate(s).map(V.date) ?? .unknown
        case ("duration", .text(let s)):
            let d = Duration.parse(s)!
            return .duration(months: Int(d.months), days: Int(d.days))
        case (let c, .text(let s)) where choices[c] != nil: return .choice(s, of: c)
        default: return .unknown
        }
    }

    // MARK: Arithmetic

    /// Exact decimals range from -9,223,372,036,854.775808 to 9,223,372,036,854.775807.
    static let largest = Decimal(string: "9223372036854.775807")!
    static let smallest = Decimal(string: "-9223372036854.775808")!

    /// Rounded half to even at six places; out of range is an overflow.
    func checked(_ v: V) -> R {
        func fix(_ d: Decimal) -> Decimal? {
            var x = d, r = Decimal()
            NSDecimalRound(&r, &x, 6, .bankers)
            return r > Self.largest || r < Self.smallest ? nil : r
        }
        switch v {
        case .number(let d): return fix(d).map { (.number($0), []) } ?? (.error("overflow"), Self.failed)
        case .money(let d): return fix(d).map { (.money($0), []) } ?? (.error("overflow"), Self.failed)
        case .percent(let d): return fix(d).map { (.percent($0), []) } ?? (.error("overflow"), Self.failed)
        default: return (v, [])
        }
    }

    func arithmetic(_ op: BinaryOperator, _ a: R, _ b: R) -> R {
        // An operand not known makes the result not known; every such operand says why.
        guard a.value.known else { return (a.value, b.value.known ? a.missing : a.missing.union(b.missing)) }
        guard b.value.known else { return b }
        if a.value == .none || b.value == .none { return (.none, []) }
        switch (op, a.value, b.value) {
        case (.add, .number(let x), .number(let y)): return checked(.number(x + y))
        case (.subtract, .number(let x), .number(let y)): return checked(.number(x - y))
        case (.multiply, .number(let x), .number(let y)): return checked(.number(x * y))
        case (.divide, .number(let x), .number(let y)): return y == 0 ? (.error("division by zero"), Self.failed) : checked(.number(x / y))
        case (.add, .money(let x), .money(let y)): return checked(.money(x + y))
        case (.subtract, .money(let x), .money(let y)): return checked(.money(x - y))
        case (.multiply, .money(let x), .number(let y)), (.multiply, .number(let y), .money(let x)): return checked(.money(x * y))
        case (.multiply, .money(let x), .percent(let p)), (.multiply, .percent(let p), .money(let x)): return checked(.money(x * p / 100))
        case (.divide, .money(let x), .number(let y)): return y == 0 ? (.error("division by zero"), Self.failed) : checked(.money(x / y))
        case (.divide, .money(let x), .money(let y)): return y == 0 ? (.error("division by zero"), Self.failed) : checked(.number(x / y))
        case (.divide, .money(let x), .percent(let p)): return p == 0 ? (.error("division by zero"), Self.failed) : checked(.money(x * 100 / p))
        case (.add, .percent(let x), .percent(let y)): return checked(.percent(x + y))
        case (.subtract, .percent(let x), .percent(let y)): return checked(.percent(x - y))
        case (.add, .date(let d), .duration(let m, let n)), (.add, .duration(let m, let n), .date(let d)): return shift(d, m, n)
        case (.subtract, .date(let d), .duration(let m, let n)): return shift(d, -m, -n)
        case (.subtract, .date(let x), .date(let y)):
            return (.duration(months: 0, days: calendar.dateComponents([.day], from: y, to: x).day!), [])
        case (.add, .duration(let m1, let d1), .duration(let m2, let d2)): return checkedDuration(m1 + m2, d1 + d2)
        case (.subtract, .duration(let m1, let d1), .duration(let m2, let d2)): return checkedDuration(m1 - m2, d1 - d2)
        default: return (.unknown, [])
        }
    }

    /// Months and days are each 32-bit; beyond is an overflow.
    func checkedDuration(_ months: Int, _ days: Int) -> R {
        let range = Int(Int32.min)...Int(Int32.max)
        guard range.contains(months), range.contains(days) else { return (.error("overflow"), Self.failed) }
        return (.duration(months: months, days: days), [])
    }

    /// Months first (Calendar keeps the day, or takes the month's last), then days.
    func shift(_ d: Date, _ months: Int, _ days: Int) -> R {
        guard let m = calendar.date(byAdding: .month, value: months, to: d),
              let r = calendar.date(byAdding: .day, value: days, to: m) else { return (.error("date"), Self.failed) }
        // Years before 1 are counted back from 1 in the era before Christ (era 0).
        let parts = calendar.dateComponents([.era, .year], from: r)
        return parts.era == 1 && (1...9999).contains(parts.year!) ? (.date(r), []) : (.error("a date out of range"), Self.failed)
    }

    // MARK: Comparisons

    /// -1, 0, 1, or nil when the two have no order.
    func order(_ a: V, _ b: V) -> Int? {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : x == y ? 0 : 1 }
        switch (a, b) {
        case (.number(let x), .number(let y)), (.money(let x), .money(let y)), (.percent(let x), .percent(let y)): return cmp(x, y)
        case (.date(let x), .date(let y)): return cmp(x, y)
        case (.duration(let m1, let d1), .duration(let m2, let d2)): return cmp(m1 * 365 + d1 * 12, m2 * 365 + d2 * 12)
        case (.choice(let x, let c1), .choice(let y, let c2)):
            guard let c = c1 ?? c2, let values = choices[c], let i = values.firstIndex(of: x), let j = values.firstIndex(of: y) else { return nil }
            return cmp(i, j)
        default: return nil
        }
    }

    func equal(_ a: V, _ b: V, _ env: Env) -> Bool {
        switch (a, b) {
        case (.item(let i), .text(let s)), (.text(let s), .item(let i)):
            if case .text(let n)? = env.items[i]["name"] { return n == s }
            return false
        case (.list(let xs), .list(let ys)):
            return xs.allSatisfy { x in ys.contains { equal(x, $0, env) } } && ys.allSatisfy { y in xs.contains { equal(y, $0, env) } }
        case (.choice(let x, _), .choice(let y, _)): return x == y
        case (.text(let x), .text(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.item(let x), .item(let y)): return x == y
        default: return order(a, b) == 0
        }
    }

    func compare(_ op: ComparisonOperator, _ a: R, _ b: R, _ env: Env) -> R {
        guard a.value.known else { return (a.value, b.value.known ? a.missing : a.missing.union(b.missing)) }
        guard b.value.known else { return b }
        if a.value == .none || b.value == .none { return (.bool(false), []) }
        let x = a.value, y = b.value
        switch op {
        case .is, .equals: return (.bool(equal(x, y, env)), [])
        case .isNot, .notEquals: return (.bool(!equal(x, y, env)), [])
        case .less, .lessEqual, .greater, .greaterEqual:
            guard let o = order(x, y) else { return (.bool(false), []) }
            let r = op == .less ? o < 0 : op == .lessEqual ? o <= 0 : op == .greater ? o > 0 : o >= 0
            return (.bool(r), [])
        case .in, .notIn:
            guard case .list(let ys) = y else { return (.bool(false), []) }
            let found = ys.contains { $0 != .none && equal(x, $0, env) }
            // `none` in the list: `not in` is `no` (a comparison with `none`), unless found.
            if op == .notIn, !found, ys.contains(.none) { return (.bool(false), []) }
            return (.bool(found != (op == .notIn)), [])
        case .contains:
            switch (x, y) {
            case (.text(let s), .text(let t)): return (.bool(t.isEmpty || s.contains(t)), [])
            case (.list(let xs), .list(let ys)): return (.bool(ys.allSatisfy { w in xs.contains { equal(w, $0, env) } }), [])
            case (.list(let xs), _): return (.bool(xs.contains { equal(y, $0, env) }), [])
            default: return (.bool(false), [])
            }
        }
    }

    // MARK: Aggregates

    func aggregate(_ kind: AggregateKind, _ path: [Name], _ condition: Expr?, _ env: Env) -> R {
        let first = path[0].text
        if first == listField {
            guard env.listGiven else { return (.unknown, [first]) }
            var values: [V] = []
            var missing: Set<String> = []
            var undecided: V?
            for i in env.items.indices {
                var e = env
                e.bindings.append(i)
                if let condition {
                    let w = eval(condition, e)
                    if w.value == .bool(false) { continue }
                    if w.value != .bool(true) {
                        undecided = undecided ?? w.value
                        missing.formUnion(w.missing)
                        continue
                    }
                }
                if path.count == 2 {
                    let v = itemField(i, path[1].text, path.map(\.text).joined(separator: "."), e)
                    if !v.value.known {
                        undecided = undecided ?? v.value
                        missing.formUnion(v.missing)
                        continue
                    }
                    values.append(v.value)
                } else {
                    values.append(.item(i))
                }
            }
            if let undecided { return (undecided, missing) }
            return fold(kind, values, unit: path.count == 2 ? itemFields[path[1].text]?.name : nil)
        }
        let list = self.path(path, env)
        guard case .list(let xs) = list.value else { return list }
        return fold(kind, xs, unit: dealFields[first]?.name)
    }

    func fold(_ kind: AggregateKind, _ xs: [V], unit: String?) -> R {
        switch kind {
        case .count: return (.number(Decimal(xs.count)), [])
        case .sum:
            var total = Decimal(0)
            for x in xs {
                switch x {
                case .number(let d), .money(let d), .percent(let d): total += d
                default: break
                }
            }
            let r: V = unit == "money" ? .money(total) : unit == "percent" ? .percent(total) : .number(total)
            return checked(r)
        case .min, .max:
            guard var best = xs.first else { return (.none, []) }
            for x in xs.dropFirst() {
                if let o = order(x, best), (kind == .min && o < 0) || (kind == .max && o > 0) { best = x }
            }
            return (best, [])
        }
    }

    // MARK: Messages

    /// A fired rule's message, written from docs/language.md ("Messages"): the `because` text
    /// with each `{…}` replaced by its value, or the condition as written with each path's value
    /// in parentheses after it.
    func message(_ rule: RuleDecl, _ env: Env) -> String {
        if case .interpolated(let segments)? = rule.because?.kind {
            return segments.map { s in
                switch s {
                case .literal(let t): t
                case .expression(let e): text(eval(e, env).value, env)
                }
            }.joined()
        }
        return show(rule.condition, env, values: true) + (rule.unless.map { " unless " + show($0, env, values: true) } ?? "")
    }

    /// An expression printed canonically; with `values`, each path followed by ` (its value)`.
    func show(_ e: Expr, _ env: Env, values: Bool) -> String {
        func valued(_ name: String) -> String { values ? "\(name) (\(text(eval(e, env).value, env)))" : name }
        switch e.kind {
        case .number(let f): return number(dec(f))
        case .money(let f): return money(dec(f))
        case .percent(let f): return number(dec(f)) + "%"
        case .duration(let d): return duration(Int(d.months), Int(d.days))
        case .date(let d): return d.description
        case .text(let s): return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .flag(let b): return b ? "yes" : "no"
        case .list(let xs): return "[" + xs.map { show($0, env, values: values) }.joined(separator: ", ") + "]"
        case .path(let names):
            let first = names[0].text
            let isFact = first == itemKind || dealFields[first] != nil || defines[first] != nil
            return isFact ? valued(names.map(\.text).joined(separator: ".")) : first
        case .today: return valued("today")
        case .catalog: return "catalog"
        case .group(let x): return "(" + show(x, env, values: values) + ")"
        case .not(let x): return "not " + show(x, env, values: values)
        case .negate(let x): return "-" + show(x, env, values: values)
        case .binary(let op, let a, let b): return show(a, env, values: values) + " \(op.rawValue) " + show(b, env, values: values)
        case .compare(let op, let a, let b):
            if case .catalog = b.kind { return show(a, env, values: values) + (op == .notIn ? " not in catalog" : " in catalog") }
            return show(a, env, values: values) + " \(op.rawValue) " + show(b, env, values: values)
        case .between(let x, let lo, let hi, let negated):
            return show(x, env, values: values) + (negated ? " not between " : " between ") + show(lo, env, values: values)
                + " and " + show(hi, env, values: values)
        case .quantified(let q, let name, let body):
            // Inside a quantifier the item changes: no values there.
            let head = if case .group = body.kind { "\(q.rawValue) \(name.text) " } else { "\(q.rawValue) " }
            return head + show(body, env, values: false)
        case .aggregate(let kind, let path, let condition):
            let written = "\(kind.rawValue) of \(path.map(\.text).joined(separator: "."))"
                + (condition.map { " where " + show($0, env, values: false) } ?? "")
            return valued(written)
        case .interpolated, .invalid:
            return ""
        }
    }

    /// A value as messages print it: text without quotes, `unknown`, `none`, `error (…)`.
    func text(_ v: V, _ env: Env) -> String {
        switch v {
        case .unknown: return "unknown"
        case .none: return "none"
        case .error(let e): return "error (\(e))"
        case .bool(let b): return b ? "yes" : "no"
        case .number(let d): return number(d)
        case .money(let d): return money(d)
        case .percent(let d): return number(d) + "%"
        case .date(let d):
            let c = calendar.dateComponents([.year, .month, .day], from: d)
            return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        case .duration(let m, let d): return duration(m, d)
        case .text(let s): return s
        case .choice(let s, _): return s
        case .list(let xs): return "[" + xs.map { text($0, env) }.joined(separator: ", ") + "]"
        case .item(let i):
            if case .text(let n)? = env.items[i]["name"] { return n }
            return "?"
        }
    }

    /// `1,200`, `-0.5`, `3.25`: thousands separated, no trailing zeros (at least `places`).
    func number(_ d: Decimal, places: Int = 0) -> String {
        var digits = "\(d)"
        let negative = digits.hasPrefix("-")
        if negative { digits.removeFirst() }
        var parts = digits.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var whole = parts[0], fraction = parts.count > 1 ? parts[1] : ""
        while fraction.hasSuffix("0") { fraction.removeLast() }
        while fraction.count < places { fraction += "0" }
        var grouped = ""
        for (i, c) in whole.enumerated() {
            if i > 0, (whole.count - i) % 3 == 0 { grouped += "," }
            grouped.append(c)
        }
        whole = grouped
        parts = [whole] + (fraction.isEmpty ? [] : [fraction])
        return (negative ? "-" : "") + parts.joined(separator: ".")
    }

    /// `$1,200`, `$99.50` (cents when there are at most two decimals), `-$5`.
    func money(_ d: Decimal) -> String {
        let magnitude = d < 0 ? -d : d
        let cents = magnitude * 100
        let showsCents = cents == cents.rounded() && magnitude != magnitude.rounded()
        return (d < 0 ? "-$" : "$") + number(magnitude, places: showsCents ? 2 : 0)
    }

    /// `30 days`, `-1 month`, `1 month + 15 days`, `1 month - 3 days`.
    func duration(_ months: Int, _ days: Int) -> String {
        func unit(_ n: Int, _ one: String, _ many: String) -> String { "\(abs(n)) \(abs(n) == 1 ? one : many)" }
        let m = (months < 0 ? "-" : "") + unit(months, "month", "months")
        if months == 0 { return (days < 0 ? "-" : "") + unit(days, "day", "days") }
        if days == 0 { return m }
        if days == Int(Int32.min) { return m + " + -" + unit(days, "day", "days") }
        return m + (days < 0 ? " - " : " + ") + unit(days, "day", "days")
    }
}

extension Decimal {
    /// Rounded to a whole number, toward zero.
    func rounded() -> Decimal {
        var x = self, r = Decimal()
        NSDecimalRound(&r, &x, 0, .down)
        return r
    }
}
