/// The rule-set analysis (`dealrules check --analyze`, docs/analysis.md): rules that never fire
/// or always fire, `unless` clauses that remove everything or nothing, rules another rule
/// already covers, approval tiers that overlap or leave a hole, requirements a denial makes
/// moot, and fields no rule reads. Each finding that a deal can show comes with one, decided by
/// the evaluator before it is given; a finding whose deal does not show it is not reported.

/// What the analysis found, and what it could not confirm (always empty unless the analysis is
/// wrong: the tests require it empty).
package struct AnalysisReport: Sendable {
    package var diagnostics: [Diagnostic] = []
    /// Findings dropped because their witness, decided, did not show them.
    package var unconfirmed: [String] = []
}

/// A rule read as boxes: the cases where it fires.
struct RuleReading {
    let rule: Int
    let fires: [Box]
    /// Whether it requires, denies or warns, and for `require` the approvals.
    let outcome: OutcomeKind
}

/// What another rule must give to cover a rule's outcome: one approval, or a denial.
private enum CoverOutcome: Hashable {
    case approval(Int)
    case deny
}

/// Rules by what they give, their item kind and the variables of one of their cases.
private struct CoverKey: Hashable {
    let outcome: CoverOutcome
    let itemKind: Int
    let variables: [AnalysisVariable]
}

struct Analyzer {
    let rules: RuleSet
    private var readings: [RuleReading?]
    private var report = AnalysisReport()
    private let valueText: ValueText
    /// The evaluation date for witnesses that do not set their own.
    private let today = Day(year: 2026, month: 1, day: 1)!

    init(_ rules: RuleSet) {
        self.rules = rules
        readings = Array(repeating: nil, count: rules.rules.count)
        valueText = ValueText(choices: rules.choices)
    }

    static func analyze(_ rules: RuleSet) -> AnalysisReport {
        var a = Analyzer(rules)
        for i in rules.rules.indices { a.read(i) }
        a.findCovered()
        a.findTiers()
        a.findUnused()
        return a.report
    }

    // MARK: One rule at a time

    private mutating func read(_ i: Int) {
        let rule = rules.rules[i]
        var reader = ConditionReader(rules: rules, rule: rule)
        let condition: [Box], fires: [Box]
        var unlessYes: [Box]?
        do {
            condition = try reader.cases(rule.condition, positive: true)
            if let unless = rule.unless {
                let unlessNo = try reader.cases(unless, positive: false)
                fires = try reader.product(condition, unlessNo)
                unlessYes = try reader.cases(unless, positive: true)
            } else {
                fires = condition
            }
        } catch {
            var note = Diagnostic(.notAnalysed, "rule `\(rule.name)` is not analysed: \(error.reason)", at: rule.location,
                                  help: "the analysis reads comparisons of one fact with constants, joined by `and`, `or`, `not`")
            note.finding = Diagnostic.Finding(rules: [rule.name], witness: nil, evidence: [])
            report.diagnostics.append(note)
            return
        }
        // A condition that reads no fact is `check.constant-condition`'s.
        if reader.atoms.isEmpty { return }
        let contradictions = reader.contradictions
        // The comparisons as the rule writes them (later readings add their negations).
        let written = reader.atoms.count
        func evidence(_ atoms: Set<Int>) -> [Diagnostic.Note] {
            var seen: Set<SourceLocation> = []
            let chosen = (atoms.isEmpty ? Array(0..<written) : atoms.sorted()).filter { seen.insert(reader.atoms[$0].location).inserted }
            return chosen.map { a in
                let atom = reader.atoms[a]
                return Diagnostic.Note(atom.negated ? "not (\(atom.text))" : atom.text, at: atom.location)
            }
        }
        if condition.isEmpty {
            add(.neverFires, "rule `\(rule.name)` can never fire: no deal meets its condition", rule,
                help: "the comparisons below contradict each other; fix the condition or remove the rule",
                rules: [rule.name], evidence: evidence(contradictions))
            return
        }
        if fires.isEmpty {
            add(.unlessAlways, "the `unless` of rule `\(rule.name)` holds whenever its condition does, so the rule never fires", rule,
                help: "check the `unless`: as written, the rule can be removed",
                rules: [rule.name], evidence: evidence(contradictions))
            return
        }
        readings[i] = RuleReading(rule: i, fires: fires, outcome: rule.outcome)
        if let unlessYes, (try? reader.product(condition, unlessYes))?.isEmpty == true {
            let w = witness(fires[0], itemKind: rule.itemKind)
            if confirm(w, fired: [rule.name], "unless-never \(rule.name)") {
                add(.unlessNever, "the `unless` of rule `\(rule.name)` never holds when its condition does, so it removes nothing",
                    rule, help: "remove the `unless`, or fix it: it only makes the rule wait for facts it does not need",
                    rules: [rule.name], witness: w, evidence: [])
            }
        }
        // Fires on every deal that gives what it reads: no case of `not (condition unless …)`.
        var never = try? reader.cases(rule.condition, positive: false)
        if let yes = unlessYes { never = never.map { $0 + yes } }
        if let never, never.isEmpty {
            let w = witness(fires[0], itemKind: rule.itemKind)
            let reads = Set(fires.flatMap(\.variables)).sorted().map { "`\(name(of: $0, itemKind: rule.itemKind))`" }
            if confirm(w, fired: [rule.name], "always-fires \(rule.name)") {
                add(.alwaysFires, "rule `\(rule.name)` fires on every deal that gives \(reads.joined(separator: ", "))", rule,
                    help: "its condition is yes whatever those facts are; check the comparisons",
                    rules: [rule.name], witness: w, evidence: evidence([]))
            }
        }
    }

    // MARK: Covered rules: redundant and conflicting

    /// A `require` or `deny` that other rules already give on every deal it fires on, and a
    /// `require` or `warn` that a `deny` blocks on every deal it fires on.
    private mutating func findCovered() {
        var index: [CoverKey: [(rule: Int, box: Int)]] = [:]
        for case let r? in readings {
            let rule = rules.rules[r.rule]
            for o in outcomes(of: rule) {
                for (b, box) in r.fires.enumerated() {
                    index[CoverKey(outcome: o, itemKind: rule.itemKind ?? -1, variables: box.variables), default: []]
                        .append((r.rule, b))
                }
            }
        }
        for case let r? in readings {
            let rule = rules.rules[r.rule]
            if rule.outcome != .warn {
                var coverers: [Int] = []
                var all = true
                for o in outcomes(of: rule) {
                    guard let found = cover(r, with: o, index: index) else {
                        all = false
                        break
                    }
                    coverers += found.filter { !coverers.contains($0) }
                }
                if all, !coverers.isEmpty { reportRedundant(r, coverers) }
            }
            if rule.outcome != .deny, let deniers = cover(r, with: .deny, index: index) {
                reportConflict(r, deniers)
            }
        }
    }

    private func outcomes(of rule: Rule) -> [CoverOutcome] {
        switch rule.outcome {
        case .require: rule.approvals.map { .approval($0) }
        case .deny: [.deny]
        case .warn: []
        }
    }

    /// The rules that give `outcome` on every deal `r` fires on (one box of theirs holding each
    /// box of `r`'s), or nil when some case of `r` is not covered.
    private func cover(_ r: RuleReading, with outcome: CoverOutcome, index: [CoverKey: [(rule: Int, box: Int)]]) -> [Int]? {
        let rule = rules.rules[r.rule]
        var found: [Int] = []
        for box in r.fires {
            let vars = box.variables
            guard vars.count <= 10 else { return nil }
            var covered = false
            search: for subset in 0..<(1 << vars.count) {
                let chosen = vars.indices.filter { subset & (1 << $0) != 0 }.map { vars[$0] }
                for kind in Set([-1, rule.itemKind ?? -1]) {
                    for (s, b) in index[CoverKey(outcome: outcome, itemKind: kind, variables: chosen)] ?? [] where s != r.rule {
                        guard let other = readings[s], box.isInside(other.fires[b]) else { continue }
                        // Two rules that cover each other: only the later one adds nothing.
                        if s > r.rule, rules.rules[s].outcome == rule.outcome, covers(r, other) { continue }
                        if !found.contains(s) { found.append(s) }
                        covered = true
                        break search
                    }
                }
            }
            if !covered { return nil }
        }
        return found
    }

    /// Every case of `b` lies inside a case of `a`.
    private func covers(_ a: RuleReading, _ b: RuleReading) -> Bool {
        let ka = rules.rules[a.rule].itemKind, kb = rules.rules[b.rule].itemKind
        guard ka == nil || ka == kb else { return false }
        return b.fires.allSatisfy { x in a.fires.contains { x.isInside($0) } }
    }

    /// Those of `others` that cover the first case of `r`: the rules its witness shows firing
    /// (each of the others covers some other case).
    private func coveringFirstCase(_ r: RuleReading, _ others: [Int]) -> [String] {
        others.filter { s in readings[s]?.fires.contains { r.fires[0].isInside($0) } == true }.map { rules.rules[$0].name }
    }

    /// A rule every case of which `others` cover: shown by a deal in its first case, where it
    /// fires beside the rules that cover that case.
    private mutating func reportCovered(_ code: DiagnosticCode, _ r: RuleReading, by others: [Int], help: String,
                                        _ message: (_ rule: Rule, _ others: String) -> String) {
        let rule = rules.rules[r.rule]
        let names = others.map { rules.rules[$0].name }
        let w = witness(r.fires[0], itemKind: rule.itemKind)
        guard confirm(w, fired: [rule.name] + coveringFirstCase(r, others), "\(code.rawValue) \(rule.name)") else { return }
        add(code, message(rule, names.map { "`\($0)`" }.joined(separator: ", ")), rule, help: help,
            rules: [rule.name] + names, witness: w, evidence: [])
    }

    private mutating func reportRedundant(_ r: RuleReading, _ coverers: [Int]) {
        let declared = rules.approvals
        reportCovered(.redundantRule, r, by: coverers, help: "remove it, or change it if it was meant to reach other deals") { rule, others in
            guard rule.outcome == .require else { return "rule `\(rule.name)` adds nothing: every deal it blocks is blocked by \(others)" }
            let approvals = rule.approvals.map { "`\(declared[$0].name)`" }.joined(separator: ", ")
            return "rule `\(rule.name)` adds nothing: every deal it requires \(approvals) for gets it from \(others)"
        }
    }

    private mutating func reportConflict(_ r: RuleReading, _ deniers: [Int]) {
        reportCovered(.conflictingRule, r, by: deniers, help: "a blocked deal is not signed; narrow the `deny`, or remove this rule") { rule, others in
            "rule `\(rule.name)` never matters: every deal it \(rule.outcome == .warn ? "warns" : "requires approval") on is blocked by \(others)"
        }
    }

    // MARK: Tiers: overlaps and gaps

    /// Rules requiring one approval whose fires are one box, grouped by a ranged variable and
    /// everything else in their box.
    private mutating func findTiers() {
        struct TierKey: Hashable {
            let approval: Int
            let itemKind: Int
            let variable: AnalysisVariable
            let rest: [AnalysisVariable: Constraint]
        }
        var groups: [TierKey: [(rule: Int, lo: Int64, hi: Int64)]] = [:]
        var order: [TierKey] = []
        for case let r? in readings where r.outcome == .require && r.fires.count == 1 {
            let rule = rules.rules[r.rule], box = r.fires[0]
            for (v, c) in box.constraints {
                guard case .range(let lo, let hi) = c else { continue }
                var rest = box.constraints
                rest[v] = nil
                for a in rule.approvals {
                    let key = TierKey(approval: a, itemKind: rule.itemKind ?? -1, variable: v, rest: rest)
                    if groups[key] == nil { order.append(key) }
                    groups[key, default: []].append((r.rule, lo, hi))
                }
            }
        }
        for key in order {
            guard let tiers = groups[key], tiers.count >= 2 else { continue }
            let kind = key.itemKind >= 0 ? key.itemKind : nil
            let approval = rules.approvals[key.approval].name
            let field = name(of: key.variable, itemKind: kind)
            let sorted = tiers.sorted { ($0.lo, $0.hi, $0.rule) < ($1.lo, $1.hi, $1.rule) }
            // Overlaps: crossing ranges, neither inside the other.
            for (i, a) in sorted.enumerated() {
                for b in sorted[(i + 1)...] {
                    guard b.lo <= a.hi else { break }
                    guard b.lo > a.lo, b.hi > a.hi else { continue }
                    let (first, second) = a.rule < b.rule ? (a, b) : (b, a)
                    var box = Box(constraints: key.rest)
                    box.constraints[key.variable] = .range(b.lo, a.hi)
                    let names = [rules.rules[second.rule].name, rules.rules[first.rule].name]
                    let w = witness(box, itemKind: kind)
                    guard confirm(w, fired: names, "overlap \(names)") else { continue }
                    add(.overlappingRules,
                        "rules `\(names[1])` and `\(names[0])` both require `\(approval)` for \(rangeText(field, key.variable, b.lo, a.hi, kind))",
                        rules.rules[second.rule],
                        help: "tiers usually meet without crossing: move one bound, or merge the rules",
                        rules: names, witness: w, evidence: [])
                }
            }
            // Gaps: a hole between the lowest and the highest range.
            var reach = sorted[0].hi, reachRule = sorted[0].rule
            for t in sorted.dropFirst() {
                if reach < Int64.max, t.lo > reach + 1 {
                    var box = Box(constraints: key.rest)
                    box.constraints[key.variable] = .range(reach + 1, t.lo - 1)
                    let names = [rules.rules[t.rule].name, rules.rules[reachRule].name]
                    let w = witness(box, itemKind: kind)
                    if confirm(w, fired: [], notFired: tiers.map { rules.rules[$0.rule].name }, "gap \(names)") {
                        add(.tierGap,
                            "no rule requires `\(approval)` for \(rangeText(field, key.variable, reach + 1, t.lo - 1, kind)), between `\(names[1])` and `\(names[0])`",
                            rules.rules[t.rule],
                            help: "if the tiers should meet, move one bound; if deals there need no approval, say so in a comment",
                            rules: names, witness: w, evidence: [])
                    }
                }
                if t.hi > reach { (reach, reachRule) = (t.hi, t.rule) }
            }
        }
    }

    // MARK: Fields no rule reads

    private mutating func findUnused() {
        var reads = FieldReads()
        for rule in rules.rules {
            if let k = rule.itemKind, let list = rules.itemKinds[k].listField { reads.fields.insert(list) }
            reads.walk(rule.condition, kind: rule.itemKind, rules)
            if let u = rule.unless { reads.walk(u, kind: rule.itemKind, rules) }
            for case .value(let node, _) in rule.message ?? [] { reads.walk(node, kind: rule.itemKind, rules) }
        }
        for (slot, field) in rules.fields.enumerated() where !reads.fields.contains(slot) {
            guard let location = field.location else { continue }
            unused("field `\(field.name)` is never read by a rule", location,
                   help: "a deal may give it, but no rule looks at it; remove it, or write the rule that needs it")
        }
        for (k, kind) in rules.itemKinds.enumerated() {
            for (f, field) in kind.fields.enumerated() where f > 0 && !reads.itemFields.contains([k, f]) {
                guard let location = field.location else { continue }
                let column = kind.catalog?.entries.contains { $0.values[f] != .unknown } == true ? " (a catalog column)" : ""
                unused("item field `\(kind.name).\(field.name)`\(column) is never read by a rule", location,
                       help: "a deal or the catalog may give it, but no rule looks at it; remove it, or write the rule that needs it")
            }
        }
    }

    private mutating func unused(_ message: String, _ location: SourceLocation, help: String) {
        var d = Diagnostic(.unusedField, message, at: location, help: help)
        d.finding = Diagnostic.Finding(rules: [], witness: nil, evidence: [])
        report.diagnostics.append(d)
    }

    // MARK: Witnesses

    /// A deal inside `box`: one value for each fact it constrains, nothing else (and, for a rule
    /// about items, one item).
    private func witness(_ box: Box, itemKind: Int?) -> [String: DealValue] {
        var deal: [String: DealValue] = [:]
        var item: [String: DealValue] = [:]
        for (v, c) in box.constraints {
            switch v {
            case .field(let slot):
                deal[rules.fields[slot].name] = value(c, type: rules.fields[slot].type)
            case .itemField(let f):
                guard let k = itemKind else { continue }
                item[rules.itemKinds[k].fields[f].name] = value(c, type: rules.itemKinds[k].fields[f].type)
            case .today:
                deal["today"] = value(c, type: .date)
            }
        }
        if let k = itemKind, let list = rules.itemKinds[k].listField {
            if item["name"] == nil { item["name"] = .text("example") }
            deal[rules.fields[list].name] = .list([.object(item)])
        }
        return deal
    }

    private func value(_ c: Constraint, type: ValueType) -> DealValue {
        WitnessValue(choices: rules.choices, today: today).value(c, type: type)
    }

    /// Evaluates the rules named on the witness and checks they fire (and those in `notFired`
    /// do not). Only the rules involved are evaluated, each in full by the evaluator: deciding
    /// the whole of a 10,000-rule set for each witness would cost more than the analysis.
    private mutating func confirm(_ witness: [String: DealValue], fired: [String], notFired: [String] = [],
                                  _ what: String) -> Bool {
        var today = self.today
        if case .text(let t)? = witness["today"], let d = Day.parse(t) { today = d }
        guard let deal = try? rules.deal(witness) else {
            report.unconfirmed.append(what + ": the witness is not a deal")
            return false
        }
        let names = fired + notFired
        let results = rules.fires(names.compactMap { rules.ruleIndex[$0] }, on: deal, today: today)
        guard results.count == names.count, results.prefix(fired.count).allSatisfy({ $0 }),
              !results.dropFirst(fired.count).contains(true) else {
            report.unconfirmed.append(what)
            return false
        }
        return true
    }

    // MARK: Text

    private func name(of v: AnalysisVariable, itemKind: Int?) -> String {
        switch v {
        case .field(let slot): return rules.fields[slot].name
        case .itemField(let f):
            guard let k = itemKind else { return "?" }
            return f == 0 ? rules.itemKinds[k].name : rules.itemKinds[k].name + "." + rules.itemKinds[k].fields[f].name
        case .today: return "today"
        }
    }

    private func type(of v: AnalysisVariable, itemKind: Int?) -> ValueType {
        switch v {
        case .field(let slot): rules.fields[slot].type
        case .itemField(let f): itemKind.map { rules.itemKinds[$0].fields[f].type } ?? .text
        case .today: .date
        }
    }

    /// `discount > 15% and discount <= 20%`, as a rule would write the range.
    private func rangeText(_ field: String, _ v: AnalysisVariable, _ lo: Int64, _ hi: Int64, _ kind: Int?) -> String {
        "`" + ConstraintText(choices: rules.choices).range(field, lo, hi, type: type(of: v, itemKind: kind)) + "`"
    }

    private mutating func add(_ code: DiagnosticCode, _ message: String, _ rule: Rule, help: String, rules names: [String],
                              witness: [String: DealValue]? = nil, evidence: [Diagnostic.Note]) {
        var d = Diagnostic(code, message, at: rule.location, help: help)
        var json: String?
        if let witness {
            var w = JSONWriter()
            DealValue.object(witness).writeJSON(&w)
            json = w.string
        }
        d.finding = Diagnostic.Finding(rules: names, witness: json, evidence: evidence)
        report.diagnostics.append(d)
    }
}

/// The deal fields and item fields rules read, defines and messages included.
struct FieldReads {
    var fields: Set<Int> = []
    /// `[kind, field]`.
    var itemFields: Set<[Int]> = []
    private var definesSeen: Set<[Int]> = []
    /// The defines read, directly or through other defines.
    var definesRead: Set<Int> { Set(definesSeen.map { $0[0] }) }

    /// `kind`: the item kind binding 0 is, where the node is read.
    mutating func walk(_ node: Node, kind: Int?, _ rules: RuleSet) {
        switch node {
        case .constant, .today: break
        case .list(let xs, _): for x in xs { walk(x, kind: kind, rules) }
        case .field(let slot, _, _): fields.insert(slot)
        case .itemList(let slot, _, _), .itemNames(let slot, _, _): fields.insert(slot)
        case .item: break
        case .itemField(_, let k, let f, _, _): itemFields.insert([k, f])
        case .nameOf(let x, _), .not(let x), .negate(let x), .group(let x): walk(x, kind: kind, rules)
        case .inCatalog(let x, _, _): walk(x, kind: kind, rules)
        case .define(let index, let binding, _):
            let key = [index, binding == nil ? -1 : (kind ?? -1)]
            guard definesSeen.insert(key).inserted else { return }
            walk(rules.defines[index].body, kind: rules.defines[index].itemKind, rules)
        case .and(let a, let b), .or(let a, let b), .arithmetic(_, let a, let b, _, _), .compare(_, let a, let b, _),
             .member(let a, let b, _), .contains(let a, let b):
            walk(a, kind: kind, rules)
            walk(b, kind: kind, rules)
        case .between(let x, let lo, let hi, _):
            walk(x, kind: kind, rules)
            walk(lo, kind: kind, rules)
            walk(hi, kind: kind, rules)
        case .quantified(_, let slot, _, _, let body, _):
            fields.insert(slot)
            walk(body, kind: kind, rules)
        case .aggregateItems(_, let slot, _, _, let value, let condition, _, _):
            fields.insert(slot)
            if let value { walk(value, kind: kind, rules) }
            if let condition { walk(condition, kind: kind, rules) }
        case .aggregateList(_, let x, _, _): walk(x, kind: kind, rules)
        }
    }
}

extension RuleSet {
    /// The analysis's findings, with the rules it could not read (docs/analysis.md).
    package func analysis() -> AnalysisReport { Analyzer.analyze(self) }
}

/// One value a constraint allows, as a deal gives it, for a witness.
struct WitnessValue {
    let choices: [ChoiceInfo]
    /// What an unconstrained date is.
    let today: Day

    /// One value a constraint allows, as a deal gives it: a round one where the range has one.
    func value(_ c: Constraint, type: ValueType) -> DealValue {
        switch c {
        case .range(let lo, let hi):
            switch type {
            case .date:
                let n = Self.pick(lo, hi, unit: 1, zero: Int64(today.number), domain: AnalysisDomain(.date, choices: [])!)
                return .text(Day(number: Int32(n)).description)
            case .duration:
                let n = Self.pick(lo, hi, unit: 12, zero: 0, domain: AnalysisDomain(.duration, choices: [])!)
                return .text(ConstraintText.duration(measure: n).description)
            default:
                let n = Self.pick(lo, hi, unit: Fixed.scale, zero: 0, domain: .ordered(low: .min, high: .max))
                let f = Fixed(raw: n)
                switch type {
                case .money: return .text(f.moneyText)
                case .percent: return .text(f.percentText)
                default: return .number(f.plain)
                }
            }
        case .set(let mask):
            let i = mask == 0 ? 0 : mask.trailingZeroBitCount
            if case .choice(let ch) = type { return .text(choices[ch].values[i]) }
            return .bool(mask & 0b10 != 0)
        case .only(let s):
            return .text(s.min() ?? "")
        case .except(let s):
            var n = 1
            while s.contains(n == 1 ? "example" : "example \(n)") { n += 1 }
            return .text(n == 1 ? "example" : "example \(n)")
        }
    }

    /// A value in `lo…hi`: `zero` when the range is the whole domain, else the bound that is
    /// set, moved inward to a whole `unit` when that stays inside.
    static func pick(_ lo: Int64, _ hi: Int64, unit: Int64, zero: Int64, domain: AnalysisDomain) -> Int64 {
        guard case .ordered(let dlo, let dhi) = domain else { return lo }
        if lo <= dlo && hi >= dhi { return zero }
        if lo > dlo {
            let (q, r) = lo.quotientAndRemainder(dividingBy: unit)
            let (up, overflow) = (r > 0 ? q + 1 : q).multipliedReportingOverflow(by: unit)
            return !overflow && up <= hi ? up : lo
        }
        let (q, r) = hi.quotientAndRemainder(dividingBy: unit)
        let (down, overflow) = (r < 0 ? q - 1 : q).multipliedReportingOverflow(by: unit)
        return !overflow && down >= lo ? down : hi
    }
}
