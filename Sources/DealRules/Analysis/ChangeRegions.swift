/// `dealrules diff OLD NEW --analyze` (docs/analysis.md, "What a rule change does"): the regions
/// of deals whose outcome differs between two rule sets, for each approval and for `deny`,
/// each written as constraints, shown by a deal the evaluator decides differently under OLD
/// and NEW, and (with `--deals`) counted among past deals.
///
/// Only the rules that changed, and the rules that give the same outcomes, are read. Rules are
/// matched by what they say, not by name: a renamed rule with the same condition is no change.
/// A region is `NEW's changed cases for the outcome, less every OLD case for it` (and the other
/// way round), over the deal and one item: every deal that gains or loses the outcome lies in a
/// region (a fact a region says "or not given" may be missing), and each region holds a deal
/// that does.

/// A case over facts named as a deal gives them (`discount`, `service.seats`, `service` for an
/// item's name, `today`): the same for two rule sets whose slots differ.
struct NamedBox: Hashable, Sendable {
    var constraints: [String: Constraint] = [:]
    /// Facts that may also be missing (an empty constraint then means "must be missing"): the
    /// outcome the box is "less" of needs them known to be yes.
    var mayBeMissing: Set<String> = []

    var isEmpty: Bool { constraints.contains { $0.value.isEmpty && !mayBeMissing.contains($0.key) } }

    /// Whether some deal with every fact of `o` known lies in both.
    func intersects(_ o: NamedBox) -> Bool {
        for (v, c) in o.constraints {
            if let mine = constraints[v], mine.intersected(with: c)?.isEmpty ?? true { return false }
        }
        return true
    }

    /// This box less `o` — a case of the other side, yes only where every fact it reads is known
    /// and inside it: the deals here where `o` is not yes, as disjoint boxes (for each fact of
    /// `o` in turn: the facts before it inside `o`, this one outside it or not given).
    func subtracting(_ o: NamedBox, domains: [String: AnalysisDomain]) -> [NamedBox] {
        guard intersects(o) else { return [self] }
        var out: [NamedBox] = []
        var prefix = self
        for v in o.constraints.keys.sorted() {
            guard let c = o.constraints[v], let domain = domains[v] else { return [self] }
            let canBeMissing = prefix.constraints[v] == nil || prefix.mayBeMissing.contains(v)
            for rest in c.complement(in: domain) {
                var piece = prefix
                piece.constraints[v] = prefix.constraints[v].map { $0.intersected(with: rest) ?? .range(1, 0) } ?? rest
                if canBeMissing { piece.mayBeMissing.insert(v) }
                if !piece.isEmpty { out.append(piece) }
            }
            if canBeMissing && c.complement(in: domain).isEmpty {
                var missing = prefix
                missing.constraints[v] = c.emptied
                missing.mayBeMissing.insert(v)
                out.append(missing)
            }
            prefix.constraints[v] = prefix.constraints[v].map { $0.intersected(with: c) ?? .range(1, 0) } ?? c
            prefix.mayBeMissing.remove(v)
            if prefix.isEmpty { break }
        }
        return out
    }

    /// Whether a deal's values (nil: not given) lie in the box.
    func contains(_ value: (String) -> ConstraintValue?) -> Bool {
        for (v, c) in constraints {
            guard let x = value(v) else {
                if mayBeMissing.contains(v) { continue }
                return false
            }
            if !c.allows(x) { return false }
        }
        return true
    }
}

/// A value as the analysis orders it: exact decimals by their millionths, days by number,
/// durations by length, choices by place, flags as 0 and 1; text as itself.
enum ConstraintValue: Hashable {
    case number(Int64)
    case text(String)

    init?(_ v: Value) {
        switch v {
        case .number(let f), .money(let f), .percent(let f): self = .number(f.raw)
        case .date(let d): self = .number(Int64(d.number))
        case .duration(let d): self = .number(d.measure)
        case .choice(let c): self = .number(Int64(c.value))
        case .flag(let b): self = .number(b ? 1 : 0)
        case .text(let s): self = .text(s)
        case .unknown, .none, .failure, .list, .item: return nil
        }
    }
}

extension Constraint {
    /// The same kind of constraint, allowing nothing.
    var emptied: Constraint {
        switch self {
        case .range: .range(1, 0)
        case .set: .set(0)
        case .only, .except: .only([])
        }
    }

    func allows(_ x: ConstraintValue) -> Bool {
        switch (self, x) {
        case let (.range(lo, hi), .number(n)): lo <= n && n <= hi
        case let (.set(m), .number(n)): n >= 0 && n < 64 && m & (1 << UInt64(n)) != 0
        case let (.only(s), .text(t)): s.contains(t)
        case let (.except(s), .text(t)): !s.contains(t)
        default: false
        }
    }
}

/// The regions where two rule sets give a deal different outcomes.
package struct ChangeRegions: Sendable {
    /// How a region's deals change.
    package enum Direction: String, Sendable, Hashable {
        case gains, loses
        case becomesBlocked = "becomes_blocked"
        case stopsBeingBlocked = "stops_being_blocked"

        package var isGain: Bool { self == .gains || self == .becomesBlocked }

        /// `becomes blocked`
        package var words: String {
            switch self {
            case .gains: "gains"
            case .loses: "loses"
            case .becomesBlocked: "becomes blocked"
            case .stopsBeingBlocked: "stops being blocked"
            }
        }
    }

    /// An approval, or `deny`.
    package enum Outcome: Hashable, Sendable, Comparable {
        case approval(String)
        case deny

        package var name: String {
            switch self {
            case .approval(let a): a
            case .deny: "deny"
            }
        }

        package static func < (a: Outcome, b: Outcome) -> Bool { (a == .deny ? "~" : a.name) < (b == .deny ? "~" : b.name) }
    }

    package struct Region: Sendable {
        package let outcome: Outcome
        /// The approval's team (NEW's, else OLD's).
        package let team: String?
        package let direction: Direction
        /// One line per fact: `discount > 15% and discount <= 20%`, `region is EU`.
        package let constraints: [String]
        /// The item kind the region is about (its deals have one such item in it), if any.
        package let itemKind: String?
        /// A deal in the region that OLD and NEW decide differently, as one line of JSON.
        package let witness: String
        /// With past deals: how many lie in the region, and how many of those changed so.
        package var pastDeals = 0
        package var changedDeals = 0
        let box: NamedBox

        /// `discount > 15% and discount <= 20% and term < 12 months`
        package var text: String { constraints.isEmpty ? "every deal" : constraints.joined(separator: " and ") }
    }

    /// A changed rule the analysis cannot read, and why.
    package struct Skipped: Sendable {
        package let rule: String
        /// `OLD` or `NEW`.
        package let side: String
        package let reason: String
    }

    package private(set) var regions: [Region] = []
    package private(set) var skipped: [Skipped] = []
    /// What else keeps the answer from being "the same": warnings changed, declarations a region
    /// would read changed, a region no deal could show.
    package private(set) var notes: [String] = []
    /// The rules that changed: OLD's that NEW does not have, NEW's that OLD does not have.
    package private(set) var removedRules: [String] = []
    package private(set) var addedRules: [String] = []
    /// With past deals: deals whose outcome changed that lie in no region of their direction
    /// (by outcome and direction); only rules outside the analysis can put one there.
    package private(set) var outside: [String: Int] = [:]
    package private(set) var pastDeals = 0

    let old: RuleSet
    let new: RuleSet
    let today: Day
    /// The outcomes the changed rules give (approvals, `deny`).
    private var affected: [Outcome] = []
    private var domains: [String: AnalysisDomain] = [:]
    private var types: [String: ValueType] = [:]

    /// OLD and NEW decide every deal the same: every deal needs the same approvals and is
    /// blocked alike, and no warning rule changed (which rules give an approval, their messages
    /// and the facts an incomplete deal lacks may still differ).
    package var same: Bool { regions.isEmpty && skipped.isEmpty && notes.isEmpty }

    /// At most this many regions per outcome and direction are kept (the rest are counted in a note).
    static let maxRegions = 32

    package init(old: RuleSet, new: RuleSet, today: Day) {
        self.old = old
        self.new = new
        self.today = today
        let (removed, added) = Self.changedRules(old, new)
        removedRules = removed.map { old.rules[$0].name }
        addedRules = added.map { new.rules[$0].name }
        domainsAgree()
        var affected: Set<Outcome> = []
        for (set, indices) in [(old, removed), (new, added)] {
            for r in indices {
                let rule = set.rules[r]
                switch rule.outcome {
                case .require: for a in rule.approvals { affected.insert(.approval(set.approvals[a].name)) }
                case .deny: affected.insert(.deny)
                case .warn: break
                }
            }
        }
        let warnings = (removed.map { old.rules[$0] } + added.map { new.rules[$0] }).filter { $0.outcome == .warn }.map(\.name)
        if !warnings.isEmpty {
            notes.append("warnings change (\(Set(warnings).sorted().map { "`\($0)`" }.joined(separator: ", "))): regions are for approvals and `deny` only")
        }
        self.affected = affected.sorted()
        for outcome in self.affected {
            regions(for: outcome, removed: removed, added: added)
        }
    }

    // MARK: What changed

    /// OLD's rules that NEW does not have and NEW's that OLD does not, matched by what a rule
    /// says (outcome, approvals, item kind, condition, the defines it reads), not its name.
    static func changedRules(_ old: RuleSet, _ new: RuleSet) -> (removed: [Int], added: [Int]) {
        var oldBySignature: [String: [Int]] = [:]
        for (i, r) in old.rules.enumerated() { oldBySignature[signature(r, in: old), default: []].append(i) }
        var added: [Int] = []
        var matched: Set<Int> = []
        var pending: [(Int, String)] = []
        // Same name and signature first, so a rule that did not change is not matched to a twin.
        for (i, r) in new.rules.enumerated() {
            let s = signature(r, in: new)
            if let j = oldBySignature[s]?.first(where: { old.rules[$0].name == r.name && !matched.contains($0) }) {
                matched.insert(j)
            } else {
                pending.append((i, s))
            }
        }
        for (i, s) in pending {
            if let j = oldBySignature[s]?.first(where: { !matched.contains($0) }) {
                matched.insert(j)
            } else {
                added.append(i)
            }
        }
        let removed = old.rules.indices.filter { !matched.contains($0) }
        return (removed, added)
    }

    /// What a rule says, as text: two rules with the same signature decide alike.
    static func signature(_ rule: Rule, in rules: RuleSet) -> String {
        let printer = NodePrinter(valueText: ValueText(choices: rules.choices))
        var reads = FieldReads()
        reads.walk(rule.condition, kind: rule.itemKind, rules)
        if let u = rule.unless { reads.walk(u, kind: rule.itemKind, rules) }
        let defines = reads.definesRead
        var parts = [rule.outcome.rawValue, rule.approvals.map { rules.approvals[$0].name }.sorted().joined(separator: ","),
                     rule.itemKind.map { rules.itemKinds[$0].name } ?? "", rule.conditionText]
        for d in defines.sorted() { parts.append(rules.defines[d].name + "=" + printer.text(rules.defines[d].body)) }
        return parts.joined(separator: "\u{1F}")
    }

    /// The facts both rule sets declare alike, with their domains; a fact whose type or choice
    /// values differ is left out (a region that reads it is not computed).
    private mutating func domainsAgree() {
        func facts(_ rules: RuleSet) -> [String: ValueType] {
            var out: [String: ValueType] = ["today": .date]
            for f in rules.fields { out[f.name] = f.type }
            for k in rules.itemKinds {
                out[k.name] = .text
                for f in k.fields.dropFirst() { out[k.name + "." + f.name] = f.type }
            }
            return out
        }
        func shape(_ t: ValueType, _ rules: RuleSet) -> String {
            if case .choice(let c) = t { return "choice " + rules.choices[c].values.joined(separator: ",") }
            return "\(t)"
        }
        let a = facts(old), b = facts(new)
        for (name, t) in b {
            guard let u = a[name], shape(u, old) == shape(t, new), let d = AnalysisDomain(t, choices: new.choices) else { continue }
            types[name] = t
            domains[name] = d
        }
    }

    // MARK: Regions

    private mutating func regions(for outcome: Outcome, removed: [Int], added: [Int]) {
        func read(_ set: RuleSet, _ side: String, changed: Set<Int>) -> (all: [(String, NamedBox)], changed: [(String, NamedBox)]) {
            var all: [(String, NamedBox)] = [], mine: [(String, NamedBox)] = []
            for (i, rule) in set.rules.enumerated() where Self.gives(rule, outcome, in: set) {
                let kind = rule.itemKind.map { set.itemKinds[$0].name } ?? ""
                do throws(OutsideFragment) {
                    let fires = try ConditionReader.fires(rule, in: set)
                    let boxes = fires.compactMap { named($0, rule.itemKind, set) }
                    guard boxes.count == fires.count else {
                        throw OutsideFragment(reason: "it reads a fact whose declaration differs between OLD and NEW")
                    }
                    all += boxes.map { (kind, $0) }
                    if changed.contains(i) { mine += boxes.map { (kind, $0) } }
                } catch {
                    if changed.contains(i) {
                        skipped.append(Skipped(rule: rule.name, side: side, reason: error.reason))
                    }
                }
            }
            return (all, mine)
        }
        let (oldAll, oldChanged) = read(old, "OLD", changed: Set(removed))
        let (newAll, newChanged) = read(new, "NEW", changed: Set(added))
        let gain: Direction = outcome == .deny ? .becomesBlocked : .gains
        let loss: Direction = outcome == .deny ? .stopsBeingBlocked : .loses
        add(outcome, gain, pieces(newChanged, less: oldAll))
        add(outcome, loss, pieces(oldChanged, less: newAll))
    }

    /// Each case of `from`, less every case of `other` that could give the outcome to the same
    /// deal (about the deal, or about the same item kind).
    private func pieces(_ from: [(String, NamedBox)], less other: [(String, NamedBox)]) -> [(String, NamedBox)] {
        var out: [(String, NamedBox)] = []
        for (kind, box) in from {
            var rest = [box]
            for (k, o) in other where k.isEmpty || k == kind {
                rest = rest.flatMap { $0.subtracting(o, domains: domains) }
                if rest.isEmpty || rest.count > 4 * Self.maxRegions { break }
            }
            out += rest.map { (kind, $0) }
        }
        return out
    }

    private mutating func add(_ outcome: Outcome, _ direction: Direction, _ pieces: [(String, NamedBox)]) {
        var kept = 0, unshown = 0
        for (kind, box) in pieces {
            guard kept < Self.maxRegions else { break }
            guard let witness = confirmedWitness(box, kind: kind, outcome, direction) else {
                unshown += 1
                continue
            }
            kept += 1
            regions.append(Region(outcome: outcome, team: team(outcome), direction: direction, constraints: describe(box, kind: kind),
                                  itemKind: kind.isEmpty ? nil : kind, witness: witness, box: box))
        }
        if pieces.count > kept + unshown {
            notes.append("\(pieces.count - kept - unshown) more regions where `\(outcome.name)` \(direction.words) are not listed")
        }
        if unshown > 0 {
            notes.append("\(unshown) region(s) where `\(outcome.name)` would \(direction.words) hold no deal the evaluator decides so (rules outside the analysis give the same outcome there)")
        }
    }

    static func gives(_ rule: Rule, _ outcome: Outcome, in rules: RuleSet) -> Bool {
        switch (rule.outcome, outcome) {
        case (.require, .approval(let a)): rule.approvals.contains { rules.approvals[$0].name == a }
        case (.deny, .deny): true
        default: false
        }
    }

    private func team(_ outcome: Outcome) -> String? {
        guard case .approval(let a) = outcome else { return nil }
        return (new.approvals.first { $0.name == a } ?? old.approvals.first { $0.name == a })?.team
    }

    /// A box over slots, over names; nil when it reads a fact the two sides declare differently.
    private func named(_ box: Box, _ itemKind: Int?, _ rules: RuleSet) -> NamedBox? {
        var out = NamedBox()
        for (v, c) in box.constraints {
            let name: String
            switch v {
            case .field(let slot): name = rules.fields[slot].name
            case .itemField(let f):
                guard let k = itemKind else { return nil }
                name = f == 0 ? rules.itemKinds[k].name : rules.itemKinds[k].name + "." + rules.itemKinds[k].fields[f].name
            case .today: name = "today"
            }
            guard domains[name] != nil else { return nil }
            out.constraints[name] = c
        }
        return out
    }

    private func describe(_ box: NamedBox, kind: String) -> [String] {
        let text = ConstraintText(choices: new.choices)
        return box.constraints.keys.sorted().map { fact in
            let catalog = fact == kind ? new.itemKinds.first { $0.name == kind }?.catalog.map { Set($0.entries.map(\.name)) } : nil
            let c = box.constraints[fact]!, t = types[fact] ?? .text
            if c.isEmpty { return "\(fact) not given" }
            let written = text.text(fact, c, type: t, catalog: catalog)
            return box.mayBeMissing.contains(fact) ? "(\(written) or \(fact) not given)" : written
        }
    }

    // MARK: Witnesses

    /// A deal in the box that OLD and NEW decide differently for the outcome, as JSON: first
    /// with the facts that may be missing left out, then with them given.
    private func confirmedWitness(_ box: NamedBox, kind: String, _ outcome: Outcome, _ direction: Direction) -> String? {
        for leaveOut in [false, true] {
            let values = witness(box, kind: kind, leaveOut: leaveOut)
            guard let before = has(outcome, values, old), let after = has(outcome, values, new),
                  before != after, after == direction.isGain else { continue }
            var w = JSONWriter()
            DealValue.object(values).writeJSON(&w)
            return w.string
        }
        return nil
    }

    private func witness(_ box: NamedBox, kind: String, leaveOut: Bool) -> [String: DealValue] {
        var deal: [String: DealValue] = [:], item: [String: DealValue] = [:]
        for (fact, c) in box.constraints where !(c.isEmpty || (leaveOut && box.mayBeMissing.contains(fact))) {
            let value = WitnessValue(choices: new.choices, today: today).value(c, type: types[fact] ?? .text)
            if fact == kind {
                item["name"] = value
            } else if !kind.isEmpty, fact.hasPrefix(kind + ".") {
                item[String(fact.dropFirst(kind.count + 1))] = value
            } else {
                deal[fact] = value
            }
        }
        if !kind.isEmpty, let k = new.itemKinds.first(where: { $0.name == kind }), let list = k.listField {
            if item["name"] == nil { item["name"] = .text("example") }
            deal[new.fields[list].name] = .list([.object(item)])
        }
        return deal
    }

    /// Whether the rule set's decision on the deal has the outcome (nil: it cannot read it).
    /// Facts a side does not declare are left out for it: its rules cannot read them.
    private func has(_ outcome: Outcome, _ values: [String: DealValue], _ rules: RuleSet) -> Bool? {
        let mine = values.filter { entry in entry.key == "today" || rules.fieldIndex[entry.key] != nil }
        guard let deal = try? rules.deal(mine) else { return nil }
        return Self.has(outcome, rules.decide(deal, today: today))
    }

    static func has(_ outcome: Outcome, _ decision: Decision) -> Bool {
        switch outcome {
        case .approval(let a):
            // What `required` lists, without making the list.
            let rules = decision.context.rules
            guard let index = rules.approvalIndex[a] else { return false }
            return decision.fired.contains { rules.rules[Int($0.rule)].approvals.contains(index) }
        case .deny:
            return decision.kind == .blocked
        }
    }

    // MARK: Past deals

    /// Counts one past deal (a line of JSON) in the regions it lies in, and checks the replay
    /// agrees: a deal whose outcome changes lies in a region of that outcome and direction.
    package mutating func count(line bytes: some Collection<UInt8>) {
        guard let newDeal = try? new.deal(json: bytes), let oldDeal = try? old.deal(json: bytes) else { return }
        count(before: old.decide(oldDeal, today: today), after: new.decide(newDeal, today: today))
    }

    /// Counts a past deal from its decisions under OLD and NEW (`diff --deals` has made them).
    package mutating func count(before: Decision, after: Decision) {
        pastDeals += 1
        guard !removedRules.isEmpty || !addedRules.isEmpty else { return }
        let newDeal = after.context.deal, values = after.context.values
        var inRegion: Set<String> = []
        for i in regions.indices {
            let r = regions[i]
            guard lies(newDeal, values, in: r) else { continue }
            regions[i].pastDeals += 1
            let changed = Self.has(r.outcome, before) != Self.has(r.outcome, after) && Self.has(r.outcome, after) == r.direction.isGain
            if changed {
                regions[i].changedDeals += 1
                inRegion.insert(r.outcome.name + " " + r.direction.rawValue)
            }
        }
        for o in affected {
            let b = Self.has(o, before), a = Self.has(o, after)
            guard a != b else { continue }
            let d: Direction = o == .deny ? (a ? .becomesBlocked : .stopsBeingBlocked) : (a ? .gains : .loses)
            let key = o.name + " " + d.rawValue
            if !inRegion.contains(key) { outside[key, default: 0] += 1 }
        }
    }

    /// Whether the deal (read by NEW) lies in the region: for a region about an item kind, with
    /// one of its items.
    func lies(_ deal: Deal, in region: Region) -> Bool { lies(deal, new.effectiveValues(deal), in: region) }

    private func lies(_ deal: Deal, _ values: [Value], in region: Region) -> Bool {
        func dealValue(_ fact: String) -> ConstraintValue? {
            if fact == "today" { return ConstraintValue(.date(deal.today ?? today)) }
            return new.fieldIndex[fact].flatMap { ConstraintValue(values[$0]) }
        }
        guard let kind = region.itemKind, let k = new.itemKindIndex[kind] else { return region.box.contains(dealValue) }
        let kindFields = new.itemKinds[k].fieldIndex
        return deal.items[k].indices.contains { i in
            region.box.contains { fact in
                if fact == kind { return .text(deal.itemName(k, i)) }
                if fact.hasPrefix(kind + "."), let f = kindFields[String(fact.dropFirst(kind.count + 1))] {
                    return ConstraintValue(deal.value(kind: k, item: i, field: f))
                }
                return dealValue(fact)
            }
        }
    }
}

extension ChangeRegions {
    /// The report for people (`diff --analyze`); `withDeals`: past deals were counted.
    package func text(withDeals: Bool) -> String {
        var out = "What the change does, read from the rules:\n"
        if removedRules.isEmpty && addedRules.isEmpty {
            out += "  no rule changed\n"
        } else {
            let both = Set(removedRules).intersection(addedRules)
            let changed = removedRules.filter(both.contains), removed = removedRules.filter { !both.contains($0) }
            let added = addedRules.filter { !both.contains($0) }
            if !changed.isEmpty { out += "  changed: \(changed.joined(separator: ", "))\n" }
            if !removed.isEmpty { out += "  only in OLD: \(removed.joined(separator: ", "))\n" }
            if !added.isEmpty { out += "  only in NEW: \(added.joined(separator: ", "))\n" }
        }
        for r in regions {
            let head = r.outcome == .deny ? "a deal" : "`\(r.outcome.name)`" + (r.team.map { " (\($0))" } ?? "")
            let verb = r.outcome == .deny ? r.direction.words : r.direction.words
            out += "\n  \(head) \(verb) where \(r.text)" + (r.itemKind.map { " (for a \($0))" } ?? "") + "\n"
            out += "    e.g. \(r.witness)\n"
            if withDeals {
                out += r.pastDeals == 0 ? "    no past deal is in it\n"
                    : "    \(r.pastDeals) past deal\(r.pastDeals == 1 ? "" : "s") in it, \(r.changedDeals) changed so\n"
            }
        }
        if !regions.isEmpty { out += "\n" }
        for s in skipped { out += "  not analysed: rule `\(s.rule)` (\(s.side)): \(s.reason)\n" }
        for n in notes { out += "  note: \(n)\n" }
        for (k, n) in outside.sorted(by: { $0.key < $1.key }) {
            out += "  note: \(n) past deal\(n == 1 ? "" : "s") where \(k.replacingFirstSpace()) lie outside every region (rules outside the analysis)\n"
        }
        if same {
            out += removedRules.isEmpty && addedRules.isEmpty ? "  OLD and NEW decide every deal the same.\n"
                : "  OLD and NEW decide every deal the same: the same approvals, the same denials (which rules give them,\n"
                + "  their messages, and the facts an incomplete deal lacks may differ).\n"
        } else if regions.isEmpty && skipped.isEmpty {
            out += "  No deal gains or loses an approval or a denial.\n"
        }
        return out
    }

    /// The report as a JSON object member `"analysis"` (docs/analysis.md, `grammar/dealrules-diff.schema.json`).
    func writeJSON(_ w: inout JSONWriter, withDeals: Bool) {
        w.key("analysis")
        w.beginObject()
        w.field("same", bool: same)
        w.field("removed_rules", strings: removedRules)
        w.field("added_rules", strings: addedRules)
        w.key("regions")
        w.beginArray()
        for r in regions {
            w.beginObject()
            w.field("outcome", r.outcome.name)
            w.key("team")
            if let t = r.team { w.value(t) } else { w.null() }
            w.field("direction", r.direction.rawValue)
            w.key("item")
            if let k = r.itemKind { w.value(k) } else { w.null() }
            w.field("where", r.text)
            w.field("constraints", strings: r.constraints)
            w.field("witness", raw: r.witness)
            if withDeals {
                w.field("past_deals", int: r.pastDeals)
                w.field("changed_deals", int: r.changedDeals)
            }
            w.endObject()
        }
        w.endArray()
        w.key("skipped")
        w.beginArray()
        for s in skipped {
            w.beginObject()
            w.field("rule", s.rule)
            w.field("side", s.side)
            w.field("reason", s.reason)
            w.endObject()
        }
        w.endArray()
        w.field("notes", strings: notes)
        if withDeals {
            w.field("past_deals", int: pastDeals)
            w.key("outside_regions")
            w.beginObject()
            for (k, n) in outside.sorted(by: { $0.key < $1.key }) {
                w.key(string: k)
                w.value(n)
            }
            w.endObject()
        }
        w.endObject()
    }
}

extension ChangeRegions {
    /// `{"old", "new", "analysis"}`: the report when no past deals were given.
    package func json(old oldName: String, new newName: String, pretty: Bool = true) -> String {
        var w = JSONWriter(pretty: pretty)
        w.beginObject()
        w.field("old", oldName)
        w.field("new", newName)
        writeJSON(&w, withDeals: false)
        w.endObject()
        return w.string
    }
}

extension String {
    /// `finance_approval gains` → `finance_approval gains` with the outcome in backticks.
    fileprivate func replacingFirstSpace() -> String {
        guard let space = firstIndex(of: " ") else { return self }
        return "`" + self[..<space] + "`" + self[space...]
    }
}
