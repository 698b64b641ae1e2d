import DealRules
import Foundation

/// A second evaluator, deliberately simple and written straight from docs/language.md, to keep the
/// real one honest. It shares only the parser with the library: it walks the syntax tree (not
/// the checked tree), types values as it meets them, reads deals with a JSON reader of its own
/// (numbers stay decimal text until a field reads them), reads literals from their source text,
/// reads catalog spreadsheets itself, does decimals with Foundation's `Decimal`, dates with
/// Foundation's `Calendar`, and durations and deal errors with code of its own
/// (ReferenceValues.swift). The two must agree on the whole decision for every generated rule
/// set and deal: its kind, `required`, each outcome with its message, each undetermined entry
/// with its missing facts or errors, and a deal that cannot be read (its code and message).
///
/// It takes one rule file that loads cleanly (it checks nothing itself), with catalogs inline
/// or in spreadsheets given as `files` (by the path the rule file writes).
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
        /// An item: its kind and its place in the deal's list of that kind.
        case item(String, Int)

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
            case .item(let k, let i): "\(k)\(i)"
            }
        }

        var known: Bool {
            switch self {
            case .unknown, .error: false
            default: true
            }
        }
    }

    /// A value, and when it is unknown, the facts that would decide it (`!error:WHY` for each
    /// evaluation error among the causes).
    typealias R = (value: V, missing: Set<String>)

    static func fail(_ why: String) -> R { (.error(why), ["!error:" + why]) }

    // MARK: The rule file

    struct FieldType {
        let name: String
        let isList: Bool
    }

    struct ItemKind {
        var fields: [String: FieldType] = ["name": FieldType(name: "text", isList: false)]
        var defaults: [String: Expr] = [:]
        /// Entry name → field → value.
        var catalog: [String: [String: V]] = [:]
        var listField: String?
    }

    let source: SourceFile
    let tree: SyntaxTree
    var choices: [String: [String]] = [:]
    var dealFields: [String: FieldType] = [:]
    var dealFieldOrder: [String] = []
    var dealDefaults: [String: Expr] = [:]
    var kinds: [String: ItemKind] = [:]
    var defines: [String: Expr] = [:]
    var approvals: [String: String] = [:]
    var rules: [RuleDecl] = []
    var calendar: Calendar { RefText.calendar }

    public init(source text: String, name: String, files: [String: String] = [:]) {
        source = SourceFile(path: name, text: text)
        tree = Parser.parse(source)
        var spreadsheets: [(kind: String, path: String)] = []
        var inline: [(kind: String, entries: [CatalogEntry])] = []
        for d in tree.declarations {
            switch d.kind {
            case .choice(let name, let values): choices[name.text] = values.map(\.text)
            case .deal(let fields):
                for f in fields {
                    dealFields[f.name.text] = FieldType(name: f.type.name.text, isList: f.type.isList)
                    dealFieldOrder.append(f.name.text)
                    if let v = f.defaultValue { dealDefaults[f.name.text] = v }
                }
            case .item(let name, let fields):
                var kind = kinds[name.text] ?? ItemKind()
                for f in fields {
                    kind.fields[f.name.text] = FieldType(name: f.type.name.text, isList: f.type.isList)
                    if let v = f.defaultValue { kind.defaults[f.name.text] = v }
                }
                kinds[name.text] = kind
            case .catalog(let kind, let entries): inline.append((kind.text, entries))
            case .catalogFile(let kind, let path, _): spreadsheets.append((kind.text, path))
            case .approval(let name, let team, _): approvals[name.text] = team
            case .define(let name, let value): defines[name.text] = value
            case .rule(let r): rules.append(r)
            case .include, .scenario: break
            }
        }
        for (field, type) in dealFields where type.isList && kinds[type.name] != nil { kinds[type.name]!.listField = field }
        let empty = Env(fields: [:], items: [:], given: [], today: Date())
        for (kind, entries) in inline {
            for e in entries {
                var row: [String: V] = [:]
                for (field, value) in e.values where row[field.text] == nil {
                    row[field.text] = typed(eval(value, empty).value, kinds[kind]?.fields[field.text])
                }
                kinds[kind]?.catalog[e.name] = row
            }
        }
        for (kind, path) in spreadsheets {
            let rows = spreadsheet(files[path] ?? "", kind)
            kinds[kind]?.catalog = rows
        }
    }

    /// A constant given a declared type: a bare choice value learns its choice.
    func typed(_ v: V, _ type: FieldType?) -> V {
        guard let type, choices[type.name] != nil else { return v }
        switch v {
        case .choice(let s, _): return .choice(s, of: type.name)
        case .list(let xs): return .list(xs.map { typed($0, FieldType(name: type.name, isList: false)) })
        default: return v
        }
    }

    // MARK: Catalog spreadsheets

    /// The rows of a catalog CSV (docs/language.md, "Catalog spreadsheets"), for a spreadsheet
    /// that loads cleanly: quoted cells, `;` when the header has it and no `,`, each cell the
    /// literal of its field's type, an empty cell no value.
    func spreadsheet(_ text: String, _ kind: String) -> [String: [String: V]] {
        var rows: [[String]] = []
        var row: [String] = [], cell = "", quoted = false, inQuotes = false
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        let header = body.prefix { $0 != "\n" && $0 != "\r\n" }
        let separator: Character = header.contains(";") && !header.contains(",") ? ";" : ","
        var chars = Array(body)[...]
        func endRow() {
            row.append(cell)
            if !(row.count == 1 && row[0].isEmpty && !quoted) { rows.append(row) }
            row = []; cell = ""; quoted = false
        }
        while let c = chars.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if chars.first == "\"" { chars.removeFirst(); cell.append("\"") } else { inQuotes = false }
                } else {
                    cell.append(c)
                }
            } else if c == "\"" {
                inQuotes = true
                quoted = true
            } else if c == separator {
                row.append(cell); cell = ""
            } else if c == "\n" || c == "\r\n" {
                endRow()
            } else {
                cell.append(c)
            }
        }
        if !cell.isEmpty || !row.isEmpty || quoted { endRow() }
        guard let names = rows.first?.map({ $0.lowercased() == "name" ? "name" : $0 }) else { return [:] }
        var out: [String: [String: V]] = [:]
        for r in rows.dropFirst() {
            var entry: [String: V] = [:]
            for (column, value) in zip(names, r).dropFirst() where !value.isEmpty {
                guard let type = kinds[kind]?.fields[column] else { continue }
                entry[column] = cellValue(value, type)
            }
            out[r[0]] = entry
        }
        return out
    }

    func cellValue(_ s: String, _ type: FieldType) -> V {
        if type.isList {
            var inner = Substring(s)
            if inner.hasPrefix("["), inner.hasSuffix("]") {
                inner = inner.dropFirst().dropLast()
                return .list(inner.split(separator: ",").map { cellValue(RefText.trimmed($0), FieldType(name: type.name, isList: false)) })
            }
            return .list(inner.split(separator: ";").map { cellValue(RefText.trimmed($0), FieldType(name: type.name, isList: false)) })
        }
        switch type.name {
        case "text": return .text(s)
        case "number": return .number(RefText.literal(s))
        case "money": return .money(RefText.literal(s))
        case "percent": return .percent(RefText.literal(s))
        case "date": return .date(RefText.date(s)!)
        case "duration":
            let d = RefText.duration(s)!
            return .duration(months: d.months, days: d.days)
        case "flag": return .bool(["yes", "true"].contains(s.lowercased()))
        default: return .choice(s, of: type.name)
        }
    }

    // MARK: Deciding

    /// What a decision says, without where: comparable between the two evaluators.
    public struct Result: Equatable, CustomStringConvertible {
        public var decision: String
        public var required: [String] = []
        public var outcomes: [String] = []
        public var undetermined: [String] = []
        /// Each fired rule's message (once per rule and item): `r3 Entry 0: line (Entry 0) in catalog`.
        public var messages: [String] = []
        /// A deal that cannot be read: `CODE: MESSAGE` (only the code for JSON that is not JSON).
        public var error: String?

        public var description: String {
            if let error { return "error \(error)" }
            return "\(decision) \(required)\n  outcomes: \(outcomes)\n  undetermined: \(undetermined)\n  messages: \(messages)"
        }

        static func failed(_ code: String, _ message: String?) -> Result {
            Result(decision: "-", error: code + (message.map { ": " + $0 } ?? ""))
        }
    }

    /// The real evaluator reading the deal and deciding it, in the same terms.
    public static func summary(_ rules: RuleSet, json: String, today: Day) -> Result {
        do {
            return summary(rules.decide(try rules.deal(json: json), today: today))
        } catch {
            let code = error.code.rawValue
            // Where the text is not JSON, the reader's message says where in its own words.
            return .failed(code, code == "deal.invalid-json" || code == "deal.not-an-object" && !error.message.hasPrefix("`") ? nil : error.message)
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
                      required: d.required,
                      outcomes: d.outcomes.map { "\($0.rule) \($0.kind.rawValue) \($0.approval ?? "-") \($0.item ?? "-")" },
                      undetermined: d.undetermined.map { u in
                          "\(u.rule) \(u.kind.rawValue) \(u.approval ?? "-") \(u.item ?? "-") "
                              + (u.errors.isEmpty ? u.missing.joined(separator: ",") : "error:" + Set(u.errors).sorted().joined(separator: ","))
                      },
                      messages: messages)
    }

    struct Env {
        var fields: [String: RefJSON]
        /// Each item kind's items, as the deal lists them.
        var items: [String: [[String: RefJSON]]]
        /// The item kinds whose list the deal gives.
        var given: Set<String>
        var today: Date
        /// Item variables, innermost last: a kind and an index into its items.
        var bindings: [(kind: String, index: Int)] = []
        /// Deciding a rule about "the" item of this kind when the deal does not list its items:
        /// the item and everything about it is unknown (the list is what is missing).
        var unbound: String?

        func name(_ kind: String, _ i: Int) -> String? {
            if case .text(let n)? = items[kind]?[i]["name"] { return n }
            return nil
        }
    }

    /// The decision on a deal's JSON, `today` being the date when the deal gives none.
    public func decide(dealJSON: String, today: (year: Int, month: Int, day: Int)) -> Result {
        var date = calendar.date(from: DateComponents(year: today.year, month: today.month, day: today.day))!
        let env: Env
        switch read(dealJSON) {
        case .failure(let e): return .failed(e.code, e.message)
        case .success(let (fields, items, given, dealToday)):
            if let dealToday { date = dealToday }
            env = Env(fields: fields, items: items, given: given, today: date)
        }
        var outcomes: [String] = [], undetermined: [String] = [], messages: [String] = []
        var required = Set<String>()
        var denied = false, blocking = false
        var unnamed = 0
        for rule in rules {
            // An unnamed rule is `FILE#N`, the Nth unnamed rule of its file.
            let name = rule.name?.text ?? { unnamed += 1; return "\(source.path)#\(unnamed)" }()
            let kind = freeKind(rule.condition) ?? rule.unless.flatMap { freeKind($0) }
            var runs: [(String?, Env)] = []
            if let kind {
                let list = kinds[kind]!.listField!
                if !env.given.contains(kind) {
                    // No item can make it fire when it is `no` whatever the item is.
                    var e = env
                    e.unbound = kind
                    var r = eval(rule.condition, e)
                    if let u = rule.unless, r.value != .bool(false) { r = and(r, not(eval(u, e))) }
                    if r.value != .bool(false) {
                        let missing = r.value.known ? [list] : r.missing.union([list])
                        record(rule, name, nil, (.unknown, missing), &outcomes, &undetermined, &denied, &required, &blocking)
                    }
                    continue
                }
                for i in env.items[kind, default: []].indices {
                    var e = env
                    e.bindings = [(kind, i)]
                    runs.append((env.name(kind, i) ?? "?", e))
                }
            } else {
                runs = [(nil, env)]
            }
            for (item, e) in runs {
                var r = eval(rule.condition, e)
                if let u = rule.unless, r.value != .bool(false) { r = and(r, not(eval(u, e))) }
                record(rule, name, item, r, &outcomes, &undetermined, &denied, &required, &blocking)
                if r.value == .bool(true) { messages.append("\(name) \(item ?? "-"): \(message(rule, e))") }
            }
        }
        let decision = denied ? "blocked" : blocking ? "incomplete" : !required.isEmpty ? "needs_approval" : "approved"
        return Result(decision: decision, required: required.sorted(), outcomes: outcomes, undetermined: undetermined, messages: messages)
    }

    func record(_ rule: RuleDecl, _ name: String, _ item: String?, _ r: R, _ outcomes: inout [String], _ undetermined: inout [String],
                _ denied: inout Bool, _ required: inout Set<String>, _ blocking: inout Bool) {
        let approvals = rule.outcome == .require ? rule.approvals.map(\.text) : ["-"]
        switch r.value {
        case .bool(true):
            for a in approvals { outcomes.append("\(name) \(rule.outcome.rawValue) \(a) \(item ?? "-")") }
            if rule.outcome == .deny { denied = true }
            if rule.outcome == .require { required.formUnion(approvals) }
        case .bool(false):
            break
        default:
            let errors = r.missing.filter { $0.hasPrefix("!error:") }.map { String($0.dropFirst(7)) }
            let what = errors.isEmpty ? r.missing.sorted().joined(separator: ",") : "error:" + errors.sorted().joined(separator: ",")
            for a in approvals { undetermined.append("\(name) \(rule.outcome.rawValue) \(a) \(item ?? "-") \(what)") }
            if rule.outcome != .warn { blocking = true }
        }
    }

    /// The item kind an expression talks about without binding it ("the" service): its kind's
    /// name, free, or a define that mentions one.
    func freeKind(_ e: Expr, bound: Set<String> = []) -> String? {
        func first(_ xs: [Expr], _ bound: Set<String>) -> String? {
            for x in xs { if let k = freeKind(x, bound: bound) { return k } }
            return nil
        }
        switch e.kind {
        case .path(let names):
            let head = names[0].text
            if kinds[head] != nil { return bound.contains(head) ? nil : head }
            if let d = defines[head], names.count == 1 { return freeKind(d, bound: bound) }
            return nil
        case .quantified(_, let n, let body): return freeKind(body, bound: bound.union([n.text]))
        case .aggregate(_, let path, let w):
            guard let w else { return first([Expr(.path(path), .empty)], bound) }
            let over = listKind(path[0].text)
            return freeKind(w, bound: over.map { bound.union([$0]) } ?? bound) ?? first([Expr(.path(path), .empty)], bound)
        case .list(let xs): return first(xs, bound)
        case .negate(let x), .not(let x), .group(let x): return freeKind(x, bound: bound)
        case .binary(_, let a, let b), .compare(_, let a, let b): return first([a, b], bound)
        case .between(let x, let lo, let hi, _): return first([x, lo, hi], bound)
        case .number, .money, .percent, .duration, .date, .text, .flag, .today, .catalog, .interpolated, .invalid: return nil
        }
    }

    /// The item kind a deal field lists, when it is a list of items.
    func listKind(_ field: String) -> String? {
        guard let t = dealFields[field], t.isList, kinds[t.name] != nil else { return nil }
        return t.name
    }

    // MARK: Reading the deal

    struct ReadError: Error {
        let code: String
        /// nil where the text is not JSON (the real reader says where in its own words).
        let message: String?
    }

    typealias ReadDeal = (fields: [String: RefJSON], items: [String: [[String: RefJSON]]], given: Set<String>, today: Date?)

    /// The deal's JSON, checked against the declarations in the order it is written (the first
    /// error is the one reported), as docs/language.md ("Deals") says.
    func read(_ json: String) -> Swift.Result<ReadDeal, ReadError> {
        guard let parsed = RefJSON.parse(json) else { return .failure(ReadError(code: "deal.invalid-json", message: nil)) }
        guard case .object(let members) = parsed else { return .failure(ReadError(code: "deal.not-an-object", message: nil)) }
        var fields: [String: RefJSON] = [:], items: [String: [[String: RefJSON]]] = [:], given: Set<String> = []
        var today: Date?
        var seen = Set<String>()
        do {
            for m in members {
                guard seen.insert(m.key).inserted else { throw ReadError(code: "deal.duplicate-key", message: "`\(m.key)` is given twice") }
                switch m.key {
                case "id": continue
                case "today":
                    if m.value == .null { continue }
                    guard case .text(let s) = m.value else {
                        throw ReadError(code: "deal.wrong-type", message: "`today` must be a date, not \(m.value.shownAsWrong)")
                    }
                    let written = RefText.trimmed(s)
                    guard let d = RefText.date(written) else { throw ReadError(code: "deal.invalid-date", message: "`today`: `\(written)` is not a date") }
                    today = d
                    continue
                default: break
                }
                guard let type = dealFields[m.key] else {
                    throw ReadError(code: "deal.unknown-field", message: "`\(m.key)` is not a field of the deal")
                }
                if m.value == .null { continue }
                if type.isList, let kind = kinds[type.name] {
                    items[type.name] = try readItems(m.value, path: m.key, kind: type.name, kind)
                    given.insert(type.name)
                } else {
                    try check(m.value, type, path: m.key)
                    fields[m.key] = m.value
                }
            }
        } catch let e as ReadError {
            return .failure(e)
        } catch {
            fatalError("\(error)")
        }
        return .success((fields, items, given, today))
    }

    func readItems(_ v: RefJSON, path: String, kind name: String, _ kind: ItemKind) throws -> [[String: RefJSON]] {
        guard case .list(let xs) = v else {
            throw ReadError(code: "deal.wrong-type", message: "`\(path)` must be a list of \(name) objects, not \(v.kindShown)")
        }
        var out: [[String: RefJSON]] = []
        var names = Set<String>()
        for (i, x) in xs.enumerated() {
            let at = "\(path)[\(i)]"
            guard case .object(let members) = x else {
                throw ReadError(code: "deal.not-an-object", message: "`\(at)` must be an object with a \"name\", not \(x.kindShown)")
            }
            var item: [String: RefJSON] = [:]
            var seen = Set<String>()
            for m in members {
                guard let type = kind.fields[m.key] else {
                    throw ReadError(code: "deal.unknown-field", message: "`\(at).\(m.key)` is not a field of item `\(name)`")
                }
                guard seen.insert(m.key).inserted else { throw ReadError(code: "deal.duplicate-key", message: "`\(at).\(m.key)` is given twice") }
                if m.key == "name", m.value == .null {
                    throw ReadError(code: "deal.item-without-name", message: "`\(at).name` must be text, not null")
                }
                if m.value == .null { continue }
                try check(m.value, type, path: "\(at).\(m.key)")
                item[m.key] = m.value
            }
            guard case .text(let n)? = item["name"] else {
                throw ReadError(code: "deal.item-without-name", message: "`\(at)` has no \"name\"")
            }
            guard names.insert(n).inserted else {
                throw ReadError(code: "deal.duplicate-item", message: "`\(path)` lists \"\(n)\" twice")
            }
            out.append(item)
        }
        return out
    }

    /// Whether a JSON value fits a declared type; the error the reader gives when it does not.
    func check(_ v: RefJSON, _ type: FieldType, path: String) throws {
        if type.isList {
            guard case .list(let xs) = v else {
                throw ReadError(code: "deal.wrong-type", message: "`\(path)` must be a list of \(type.name), not \(v.shownAsWrong)")
            }
            for (i, x) in xs.enumerated() {
                if x == .null { throw ReadError(code: "deal.wrong-type", message: "`\(path)[\(i)]` is null; a list holds values only") }
                try check(x, FieldType(name: type.name, isList: false), path: "\(path)[\(i)]")
            }
            return
        }
        func wrong(_ expected: String) -> ReadError {
            ReadError(code: "deal.wrong-type", message: "`\(path)` must be \(expected), not \(v.shownAsWrong)")
        }
        func decimal(_ r: (value: Decimal?, tooLarge: Bool), shown: String?) throws {
            guard r.value == nil else { return }
            let head = shown.map { "`\(path)`: `\($0)`" } ?? "`\(path)`"
            throw ReadError(code: "deal.wrong-type", message: head + (r.tooLarge ? " is too large" : " has more than 6 digits after the point"))
        }
        switch (type.name, v) {
        case ("text", .text): return
        case ("text", _): throw wrong("text")
        case ("flag", .bool): return
        case ("flag", _): throw wrong("a condition (yes/no)")
        case ("number", .number(let n)): try decimal(RefText.decimal(json: n), shown: nil)
        case ("number", _): throw wrong("a number")
        case ("money", .number(let n)), ("percent", .number(let n)): try decimal(RefText.decimal(json: n), shown: nil)
        case ("money", .text(let s)):
            let written = RefText.trimmed(s)
            guard let (body, negative) = Self.unsigned(s, mark: "$", atEnd: false), let r = RefText.grouped(body, negative: negative) else {
                throw ReadError(code: "deal.wrong-type", message: "`\(path)`: `\(written)` is not money such as `$1,200` or `99.50`")
            }
            try decimal(r, shown: written)
        case ("money", _): throw wrong("money")
        case ("percent", .text(let s)):
            let written = RefText.trimmed(s)
            guard let (body, negative) = Self.unsigned(s, mark: "%", atEnd: true) else {
                throw ReadError(code: "deal.wrong-type", message: "`\(path)`: `\(written)` is not a percent")
            }
            guard let r = RefText.grouped(body, negative: negative) else {
                throw ReadError(code: "deal.wrong-type", message: "`\(path)`: `\(written)` is not a percent such as `25%`")
            }
            try decimal(r, shown: written)
        case ("percent", _): throw wrong("a percent")
        case ("date", .text(let s)):
            let written = RefText.trimmed(s)
            guard RefText.date(written) != nil else { throw ReadError(code: "deal.invalid-date", message: "`\(path)`: `\(written)` is not a date") }
        case ("date", _): throw wrong("a date")
        case ("duration", .text(let s)):
            let written = RefText.trimmed(s)
            guard let d = RefText.duration(written), Int(Int32.min)...Int(Int32.max) ~= d.months, Int(Int32.min)...Int(Int32.max) ~= d.days else {
                throw ReadError(code: "deal.wrong-type", message: "`\(path)`: `\(written)` is not a duration")
            }
        case ("duration", _): throw wrong("a duration")
        case (let c, .text(let s)):
            let written = RefText.trimmed(s)
            guard choices[c]?.contains(written) == true else {
                throw ReadError(code: "deal.unknown-choice", message: "`\(path)`: `\(written)` is not a value of `\(c)`")
            }
        case (let c, _): throw wrong("a value of `\(c)`")
        }
    }

    /// `$1,200`, `-$5`, `$-5` (money) or `25%`, `5 %`, `-5%` (percent), spaces around allowed:
    /// the digits and whether it is negative; nil when the mark is misplaced.
    static func unsigned(_ s: String, mark: Character, atEnd: Bool) -> (Substring, Bool)? {
        var t = Substring(RefText.trimmed(s))
        if atEnd {
            guard t.hasSuffix(String(mark)) else { return nil }
            t = Substring(RefText.trimmed(t.dropLast()))
        }
        var negative = false
        if t.hasPrefix("-") { negative = true; t = t.dropFirst() }
        if !atEnd, t.hasPrefix(String(mark)) {
            t = t.dropFirst()
            if !negative, t.hasPrefix("-") { negative = true; t = t.dropFirst() }
        }
        return (t, negative)
    }

    /// A field's JSON value (checked) as its declared type.
    func value(_ v: RefJSON, _ t: FieldType) -> V {
        if t.isList {
            guard case .list(let xs) = v else { return .unknown }
            return .list(xs.map { value($0, FieldType(name: t.name, isList: false)) })
        }
        switch (t.name, v) {
        case ("text", .text(let s)): return .text(s)
        case ("number", .number(let n)): return .number(RefText.decimal(json: n).value!)
        case ("money", .number(let n)): return .money(RefText.decimal(json: n).value!)
        case ("money", .text(let s)):
            let (body, negative) = Self.unsigned(s, mark: "$", atEnd: false)!
            return .money(RefText.grouped(body, negative: negative)!.value!)
        case ("percent", .number(let n)): return .percent(RefText.decimal(json: n).value!)
        case ("percent", .text(let s)):
            let (body, negative) = Self.unsigned(s, mark: "%", atEnd: true)!
            return .percent(RefText.grouped(body, negative: negative)!.value!)
        case ("flag", .bool(let b)): return .bool(b)
        case ("date", .text(let s)): return .date(RefText.date(RefText.trimmed(s))!)
        case ("duration", .text(let s)):
            let d = RefText.duration(RefText.trimmed(s))!
            return .duration(months: d.months, days: d.days)
        case (let c, .text(let s)) where choices[c] != nil: return .choice(RefText.trimmed(s), of: c)
        default: return .unknown
        }
    }

    // MARK: Evaluating

    /// A literal's value, read from its text in the rule file.
    func literal(_ e: Expr) -> String { source.text(of: e.range) }

    func eval(_ e: Expr, _ env: Env) -> R {
        switch e.kind {
        case .number: return (.number(RefText.literal(literal(e))), [])
        case .money: return (.money(RefText.literal(literal(e))), [])
        case .percent: return (.percent(RefText.literal(literal(e))), [])
        case .duration:
            let d = RefText.duration(literal(e))!
            return (.duration(months: d.months, days: d.days), [])
        case .date: return (.date(RefText.date(literal(e))!), [])
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
                guard case .item(let kind, let i) = l.value else { return l }
                guard let n = env.name(kind, i) else { return (.unknown, []) }
                return (.bool((kinds[kind]!.catalog[n] != nil) != (op == .notIn)), [])
            }
            return compare(op, eval(a, env), eval(b, env), env)
        case .between(let x, let lo, let hi, let negated):
            let v = eval(x, env), l = eval(lo, env), h = eval(hi, env)
            let r = and(compare(.greaterEqual, v, l, env), compare(.lessEqual, v, h, env))
            // `not between` with `none` anywhere is `no`, as every comparison with it is.
            guard negated, r.value.known else { return r }
            return [v, l, h].contains { $0.value == .none } ? (.bool(false), []) : not(r)
        case .quantified(let q, let n, let body):
            let kind = n.text
            guard env.given.contains(kind) else { return (.unknown, [kinds[kind]!.listField!]) }
            var undecided: R?
            var missing: Set<String> = []
            for i in env.items[kind, default: []].indices {
                var e = env
                e.bindings.append((kind, i))
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
        if kinds[first] != nil {
            if let b = env.bindings.last(where: { $0.kind == first }) {
                if names.count == 1 { return (.item(first, b.index), []) }
                return itemField(first, b.index, names[1].text, shown, env)
            }
            return (.unknown, [])
        }
        if let f = dealFields[first] {
            if f.isList, kinds[f.name] != nil {
                guard env.given.contains(f.name) else { return (.unknown, [first]) }
                return (.list(env.items[f.name, default: []].indices.map { .item(f.name, $0) }), [])
            }
            guard let v = env.fields[first] else {
                if let d = dealDefaults[first] { return (typed(eval(d, env).value, f), []) }
                return (.unknown, [first])
            }
            return (value(v, f), [])
        }
        if let d = defines[first] { return eval(d, env) }
        // A bare choice value.
        let owners = choices.filter { $0.value.contains(first) }.map(\.key)
        return (.choice(first, of: owners.count == 1 ? owners[0] : nil), [])
    }

    func itemField(_ kind: String, _ i: Int, _ field: String, _ shown: String, _ env: Env) -> R {
        let item = env.items[kind]![i]
        let k = kinds[kind]!
        if field == "name", case .text(let n)? = item["name"] { return (.text(n), []) }
        guard let type = k.fields[field] else { return (.unknown, [shown]) }
        if let v = item[field] { return (value(v, type), []) }
        if case .text(let n)? = item["name"], let v = k.catalog[n]?[field] { return (v, []) }
        if let d = k.defaults[field] { return (typed(eval(d, env).value, type), []) }
        return (.unknown, [shown])
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
        case .number(let d): return fix(d).map { (.number($0), []) } ?? Self.fail("overflow")
        case .money(let d): return fix(d).map { (.money($0), []) } ?? Self.fail("overflow")
        case .percent(let d): return fix(d).map { (.percent($0), []) } ?? Self.fail("overflow")
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
        case (.divide, .number(let x), .number(let y)): return y == 0 ? Self.fail("division by zero") : checked(.number(x / y))
        case (.add, .money(let x), .money(let y)): return checked(.money(x + y))
        case (.subtract, .money(let x), .money(let y)): return checked(.money(x - y))
        case (.multiply, .money(let x), .number(let y)), (.multiply, .number(let y), .money(let x)): return checked(.money(x * y))
        case (.multiply, .money(let x), .percent(let p)), (.multiply, .percent(let p), .money(let x)): return checked(.money(x * p / 100))
        case (.divide, .money(let x), .number(let y)): return y == 0 ? Self.fail("division by zero") : checked(.money(x / y))
        case (.divide, .money(let x), .money(let y)): return y == 0 ? Self.fail("division by zero") : checked(.number(x / y))
        case (.divide, .money(let x), .percent(let p)): return p == 0 ? Self.fail("division by zero") : checked(.money(x * 100 / p))
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
        guard range.contains(months), range.contains(days) else { return Self.fail("overflow") }
        return (.duration(months: months, days: days), [])
    }

    /// Months first (Calendar keeps the day, or takes the month's last), then days.
    func shift(_ d: Date, _ months: Int, _ days: Int) -> R {
        // Each step must land in range (docs/language.md, "Dates and durations").
        guard let m = calendar.date(byAdding: .month, value: months, to: d), inRange(m),
              let r = calendar.date(byAdding: .day, value: days, to: m) else { return Self.fail("a date out of range") }
        return inRange(r) ? (.date(r), []) : Self.fail("a date out of range")
    }

    /// Between 0001-01-01 and 9999-12-31 (years before 1 are counted back from 1 in the era
    /// before Christ, era 0).
    func inRange(_ d: Date) -> Bool {
        let parts = calendar.dateComponents([.era, .year], from: d)
        return parts.era == 1 && (1...9999).contains(parts.year!)
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
        case (.item(let k, let i), .text(let s)), (.text(let s), .item(let k, let i)):
            return env.name(k, i) == s
        case (.list(let xs), .list(let ys)):
            return xs.allSatisfy { x in ys.contains { equal(x, $0, env) } } && ys.allSatisfy { y in xs.contains { equal(y, $0, env) } }
        case (.choice(let x, _), .choice(let y, _)): return x == y
        case (.text(let x), .text(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.item(let k1, let x), .item(let k2, let y)): return k1 == k2 && x == y
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
        if let itemKind = listKind(first) {
            guard env.given.contains(itemKind) else { return (.unknown, [first]) }
            var values: [V] = []
            var missing: Set<String> = []
            var undecided: V?
            for i in env.items[itemKind, default: []].indices {
                var e = env
                e.bindings.append((itemKind, i))
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
                    let v = itemField(itemKind, i, path[1].text, path.map(\.text).joined(separator: "."), e)
                    if !v.value.known {
                        undecided = undecided ?? v.value
                        missing.formUnion(v.missing)
                        continue
                    }
                    values.append(v.value)
                } else {
                    values.append(.item(itemKind, i))
                }
            }
            if let undecided { return (undecided, missing) }
            return fold(kind, values, unit: path.count == 2 ? kinds[itemKind]!.fields[path[1].text]?.name : nil)
        }
        // A plain list: a deal field, or an item's field.
        let list = self.path(path, env)
        guard case .list(let xs) = list.value else { return list }
        let unit = path.count == 2 ? kinds[first]?.fields[path[1].text]?.name : dealFields[first]?.name
        return fold(kind, xs, unit: unit)
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
        case .number: return number(RefText.literal(literal(e)))
        case .money: return money(RefText.literal(literal(e)))
        case .percent: return number(RefText.literal(literal(e))) + "%"
        case .duration:
            let d = RefText.duration(literal(e))!
            return duration(d.months, d.days)
        case .date: return literal(e)
        case .text(let s): return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .flag(let b): return b ? "yes" : "no"
        case .list(let xs): return "[" + xs.map { show($0, env, values: values) }.joined(separator: ", ") + "]"
        case .path(let names):
            let first = names[0].text
            let isFact = kinds[first] != nil || dealFields[first] != nil || defines[first] != nil
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
        case .item(let k, let i): return env.name(k, i) ?? "?"
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
