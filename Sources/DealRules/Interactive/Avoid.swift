/// `:avoid`: the changes that would remove an approval, or every denial, from a deal's decision.
///
/// Candidates come from the rules behind it, read with the deal's own values: for each
/// comparison those rules make (through defines, quantifiers and `unless`), the fact it reads
/// is moved just across the comparison's boundary (the other side is worked out on the deal, so
/// `seats < service.min_seats` gives `seats = 25`), a choice takes each of its other values
/// (also when compared with an item's list, `region not in service.regions`), a flag flips; an
/// item the rule is about can be removed, and one not in the catalog replaced by the nearest
/// catalog name. Values the catalog gives are never changed: a deal that overrides its own
/// catalog only hides the problem. Each candidate is checked by deciding the changed deal. Only
/// when no single change works are pairs tried, within `AvoidSearch.pairBudget` decisions.

/// What `:avoid` is asked to remove.
public enum AvoidTarget: Sendable, Hashable {
    case approval(String)
    case deny
}

/// A change to a deal, in a form a program applies to the deal's JSON object.
public enum DealEdit: Sendable, Hashable {
    /// Set a deal field to a value, as the deal's JSON gives it (`"US"`, `"20%"`).
    case setField(field: String, value: DealValue)
    /// Set a field of the item named `item` in the deal's list field `list`.
    case setItemField(list: String, item: String, field: String, value: DealValue)
    /// Take the item named `item` out of `list`.
    case removeItem(list: String, item: String)
    /// Rename the item `item` of `list` to `with` (a catalog name), keeping what the deal gives for it.
    case replaceItem(list: String, item: String, with: String)
}

/// A change (or, when no single change works, two) that removes what `:avoid` was asked about,
/// checked by deciding the changed deal.
public struct Suggestion: Sendable, Hashable {
    /// One change of one fact.
    public struct Change: Sendable, Hashable {
        /// The fact as the REPL takes it: `region = US`, `add service "SIEM" with seats = 25`.
        public let fact: String
        /// The same change for a program to apply to the deal's JSON.
        public let edit: DealEdit
        /// The change as a condition: `discount ≤ 20%`, `service "SIEM": seats ≥ 25`.
        package let description: String
        /// The value the deal has now, when the change is to a value.
        package let now: String?
    }

    /// The changes, in the order given (one, or two).
    public let changes: [Change]
    /// What else the changes bring in (labels: a team, `deny RULE (ITEM)`, `warning RULE`,
    /// `needs FACT`).
    public var brings: [String] { broughtEffects.map(\.label) }
    /// What else they remove besides what was asked about (the same labels).
    public var removes: [String] { removedEffects.map(\.label) }
    package let broughtEffects: [DecisionEffect]
    package let removedEffects: [DecisionEffect]
    /// How far the changes move the deal (relative distance for numbers; a removal counts most).
    package let distance: Double
}

/// One thing a decision has: an approval required, a rule that denies or warns (per item), or a
/// fact still needed to decide. What appears and disappears between two decisions is told in these.
package struct DecisionEffect: Sendable, Hashable {
    package enum Kind: String, Sendable { case require, deny, warn, missing }
    package let kind: Kind
    /// `require`: the approval and its team.
    package var approval: String?
    package var team: String?
    /// `deny`, `warn`: the rule and the item.
    package var rule: String?
    package var item: String?
    /// `missing`: the fact.
    package var fact: String?

    /// `Finance`, `deny small_team (SIEM)`, `warning too_soon`, `needs start`.
    package var label: String {
        let item = self.item.map { " (\($0)" + ")" } ?? ""
        switch kind {
        case .require: return team ?? approval ?? ""
        case .deny: return "deny " + (rule ?? "") + item
        case .warn: return "warning " + (rule ?? "") + item
        case .missing: return "needs " + (fact ?? "")
        }
    }
}

extension Decision {
    /// What the decision has, in its order: approvals, then denials and warnings as their
    /// outcomes come, then the facts its deny and require rules still need.
    package var effects: [DecisionEffect] {
        var out: [DecisionEffect] = []
        var seen: Set<DecisionEffect> = []
        for o in outcomes {
            let e: DecisionEffect
            switch o.kind {
            case .require: e = DecisionEffect(kind: .require, approval: o.approval, team: o.team)
            case .deny: e = DecisionEffect(kind: .deny, rule: o.rule, item: o.item)
            case .warn: e = DecisionEffect(kind: .warn, rule: o.rule, item: o.item)
            }
            if seen.insert(e).inserted { out.append(e) }
        }
        let facts = Set(undetermined.filter { $0.kind != .warn }.flatMap(\.missing)).sorted()
        out += facts.map { DecisionEffect(kind: .missing, fact: $0) }
        return out
    }

    /// What `other` has that this decision has not, and what this one has that `other` has not
    /// (facts no longer needed are not counted as gone: they were given).
    package func changes(to other: Decision) -> (appear: [DecisionEffect], disappear: [DecisionEffect]) {
        let mine = effects, theirs = other.effects
        let a = Set(mine), b = Set(theirs)
        return (theirs.filter { !a.contains($0) }, mine.filter { !b.contains($0) && $0.kind != .missing })
    }
}

/// The answer to `:avoid`.
package struct AvoidResult: Sendable {
    package let target: AvoidTarget
    /// Whether the deal's decision has the target now (nothing to avoid otherwise).
    package let present: Bool
    /// Working changes, best first: fewest other effects, then the smallest change.
    package let suggestions: [Suggestion]
    /// Changed deals decided to find them.
    package let decisions: Int
    /// Whether pairs of changes were tried (no single change worked).
    package let triedPairs: Bool
}

extension RuleSet {
    /// The changes that would remove `target` from the draft's decision, each checked by
    /// deciding the changed deal, best first.
    package func avoid(_ target: AvoidTarget, in draft: DealDraft, today: Day? = nil) -> AvoidResult {
        var search = AvoidSearch(rules: self, draft: draft, today: draft.today ?? today ?? Day.localToday(), target: target)
        return search.run()
    }
}

/// One search for `:avoid`.
struct AvoidSearch {
    /// Decisions spent on pairs of changes, when no single change works.
    static let pairBudget = 256
    /// A removal is the largest change: it is offered after any change of a value.
    static let removalDistance = 1_000.0
    static let replacementDistance = 500.0

    let rules: RuleSet
    let draft: DealDraft
    let deal: Deal
    let today: Day
    let target: AvoidTarget
    let before: Decision
    /// Facts the draft holds that the rules cannot read: a candidate that sets aside more is broken.
    let asideCount: Int
    private var candidates: [Candidate] = []
    private var byFact: [String: Int] = [:]
    private var decisions = 0

    struct Candidate {
        let change: Suggestion.Change
        let distance: Double
        /// The outcomes (indices into the causes) it came from.
        var causes: Set<Int>
        /// What it touches: a field, or an item; two changes of one pair never touch the same.
        let touches: String
    }

    init(rules: RuleSet, draft: DealDraft, today: Day, target: AvoidTarget) {
        self.rules = rules
        self.draft = draft
        let (deal, aside) = rules.deal(from: draft)
        self.deal = deal
        self.asideCount = aside.count
        self.today = today
        self.target = target
        self.before = rules.decide(deal, today: today)
    }

    mutating func run() -> AvoidResult {
        guard has(before) else {
            return AvoidResult(target: target, present: false, suggestions: [], decisions: 0, triedPairs: false)
        }
        let causes = before.outcomes.filter { o in
            switch target {
            case .approval(let a): o.approval == a
            case .deny: o.kind == .deny
            }
        }
        var seenCauses: Set<String> = []
        for (c, outcome) in causes.enumerated() where seenCauses.insert(outcome.rule + "\u{0}" + (outcome.item ?? "")).inserted {
            guard let ri = rules.ruleIndex[outcome.rule] else { continue }
            let rule = rules.rules[ri]
            let item = outcome.item.flatMap { name in rule.itemKind.flatMap { k in deal.itemNames(k).firstIndex(of: name) } }
            collect(rule, item: item, cause: c)
        }
        var singles: [Suggestion] = []
        for candidate in candidates.sorted(by: { $0.distance < $1.distance }) {
            if let s = check([candidate]) { singles.append(s) }
        }
        if !singles.isEmpty {
            return AvoidResult(target: target, present: true, suggestions: best(singles), decisions: decisions, triedPairs: false)
        }
        // No one change works: pairs that touch different rules and different facts, smallest first.
        var pairs: [(Candidate, Candidate)] = []
        for (i, a) in candidates.enumerated() {
            for b in candidates[(i + 1)...] where a.causes != b.causes && a.touches != b.touches {
                pairs.append((a, b))
            }
        }
        pairs.sort { $0.0.distance + $0.1.distance < $1.0.distance + $1.1.distance }
        var found: [Suggestion] = []
        for (a, b) in pairs.prefix(Self.pairBudget) {
            if let s = check([a, b]) { found.append(s) }
        }
        return AvoidResult(target: target, present: true, suggestions: Array(best(found).prefix(1)), decisions: decisions,
                           triedPairs: true)
    }

    private func has(_ d: Decision) -> Bool {
        switch target {
        case .approval(let a): d.required.contains(a)
        case .deny: d.denied
        }
    }

    /// Decides the deal with the changes made; a suggestion when the target is gone.
    private mutating func check(_ changes: [Candidate]) -> Suggestion? {
        var changed = draft
        for c in changes { c.change.edit.apply(to: &changed) }
        let (deal, aside) = rules.deal(from: changed)
        guard aside.count <= asideCount else { return nil }
        decisions += 1
        let after = rules.decide(deal, today: changed.today ?? today)
        guard !has(after) else { return nil }
        let (appear, disappear) = before.changes(to: after)
        let target = self.target
        let others = disappear.filter { e in
            switch target {
            case .approval(let a): !(e.kind == .require && e.approval == a)
            case .deny: e.kind != .deny
            }
        }
        return Suggestion(changes: changes.map(\.change), broughtEffects: appear, removedEffects: others,
                          distance: changes.map(\.distance).reduce(0, +))
    }

    /// One suggestion per change described (the smallest), fewest other effects first, then the
    /// smallest change.
    private func best(_ found: [Suggestion]) -> [Suggestion] {
        var seen: Set<String> = []
        let unique = found.sorted { $0.distance < $1.distance }.filter { s in
            seen.insert(s.changes.map(\.description).joined(separator: "\u{0}")).inserted
        }
        return unique.enumerated().sorted { x, y in
            let a = x.element, b = y.element
            let ea = a.broughtEffects.count + a.removedEffects.count, eb = b.broughtEffects.count + b.removedEffects.count
            if ea != eb { return ea < eb }
            if a.distance != b.distance { return a.distance < b.distance }
            return x.offset < y.offset
        }.map(\.element)
    }

    // MARK: Candidates

    private mutating func add(_ change: Suggestion.Change, distance: Double, cause: Int, touches: String) {
        if let i = byFact[change.fact] {
            candidates[i].causes.insert(cause)
            return
        }
        byFact[change.fact] = candidates.count
        candidates.append(Candidate(change: change, distance: distance, causes: [cause], touches: touches))
    }

    private mutating func collect(_ rule: Rule, item: Int?, cause: Int) {
        var ev = Evaluator(rules, deal: deal, today: today)
        ev.beginRule(bindings: rule.bindingCount, item: item.map { Int32($0) })
        if let k = rule.itemKind, let item { addRemoval(kind: k, item: item, cause: cause) }
        walk(rule.condition, firesWhenTrue: true, &ev, cause: cause)
        if let unless = rule.unless { walk(unless, firesWhenTrue: false, &ev, cause: cause) }
    }

    /// Reads a condition for the facts it compares. `firesWhenTrue` is false under `not` and in
    /// `unless`: there, making the comparison true is what stops the rule.
    private mutating func walk(_ n: Node, firesWhenTrue: Bool, _ ev: inout Evaluator, cause: Int) {
        switch n {
        case .group(let x):
            walk(x, firesWhenTrue: firesWhenTrue, &ev, cause: cause)
        case .not(let x):
            walk(x, firesWhenTrue: !firesWhenTrue, &ev, cause: cause)
        case .and(let a, let b), .or(let a, let b):
            walk(a, firesWhenTrue: firesWhenTrue, &ev, cause: cause)
            walk(b, firesWhenTrue: firesWhenTrue, &ev, cause: cause)
        case .define(let index, let binding, _):
            _ = ev.withDefineFrame(index, binding) { ev, body in
                self.walk(body, firesWhenTrue: firesWhenTrue, &ev, cause: cause)
            }
        case .quantified(_, let listSlot, let kind, let binding, let body, _):
            guard ev.values[listSlot].isKnown else { return }
            for i in deal.items[kind].indices {
                addRemoval(kind: kind, item: i, cause: cause)
                ev.setBinding(binding, Int32(i))
                walk(body, firesWhenTrue: firesWhenTrue, &ev, cause: cause)
            }
        case .compare(let op, let a, let b, _):
            compared(a, .compare(op), [b], firesWhenTrue: firesWhenTrue, &ev, cause: cause)
            compared(b, .compare(op.mirrored), [a], firesWhenTrue: firesWhenTrue, &ev, cause: cause)
            removals(in: n, &ev, cause: cause)
        case .between(let x, let lo, let hi, let negated):
            compared(x, .between, [lo, hi], firesWhenTrue: firesWhenTrue != negated, &ev, cause: cause)
            removals(in: n, &ev, cause: cause)
        case .member(let x, let list, let negated):
            compared(x, .member, [list], firesWhenTrue: firesWhenTrue != negated, &ev, cause: cause)
            removals(in: n, &ev, cause: cause)
        case .inCatalog(let x, let kind, let negated):
            guard let i = boundItem(x, ev), i < deal.items[kind].count else { return }
            addRemoval(kind: kind, item: i, cause: cause)
            // Not in the catalog, and that is why it fires: the nearest catalog name instead.
            if negated == firesWhenTrue { addReplacement(kind: kind, item: i, cause: cause) }
        case .field(let slot, .flag, _):
            flip(.field(slot: slot), firesWhenTrue: firesWhenTrue, &ev, cause: cause)
        case .itemField(let binding, let kind, let field, .flag, _):
            let i = Int(ev.boundItem(binding))
            guard i >= 0 else { return }
            flip(.itemField(kind: kind, item: i, field: field), firesWhenTrue: firesWhenTrue, &ev, cause: cause)
        case .constant, .list, .field, .itemList, .item, .itemField, .nameOf, .itemNames, .today, .negate, .arithmetic,
             .contains, .aggregateItems, .aggregateList:
            removals(in: n, &ev, cause: cause)
        }
    }

    /// Removing an item helps a count, a sum or a test of the names in the deal.
    private mutating func removals(in n: Node, _ ev: inout Evaluator, cause: Int) {
        switch n {
        case .aggregateItems(_, let listSlot, let kind, _, _, _, _, _), .itemList(let listSlot, let kind, _),
             .itemNames(let listSlot, let kind, _):
            guard ev.values[listSlot].isKnown else { return }
            for i in deal.items[kind].indices { addRemoval(kind: kind, item: i, cause: cause) }
        case .nameOf(let x, let kind), .inCatalog(let x, let kind, _):
            if let i = boundItem(x, ev), i < deal.items[kind].count { addRemoval(kind: kind, item: i, cause: cause) }
        case .item(let binding, let kind, _):
            let i = Int(ev.boundItem(binding))
            if i >= 0, i < deal.items[kind].count { addRemoval(kind: kind, item: i, cause: cause) }
        case .constant, .list, .field, .itemField, .today, .define, .not, .and, .or, .negate, .arithmetic, .compare,
             .between, .member, .contains, .quantified, .aggregateList, .group:
            for child in n.children { removals(in: child, &ev, cause: cause) }
        }
    }

    private func boundItem(_ n: Node, _ ev: Evaluator) -> Int? {
        switch n {
        case .item(let binding, _, _):
            let i = Int(ev.boundItem(binding))
            return i >= 0 ? i : nil
        case .group(let x): return boundItem(x, ev)
        case .constant, .list, .field, .itemList, .itemField, .nameOf, .itemNames, .today, .define, .not, .and, .or,
             .negate, .arithmetic, .compare, .between, .member, .contains, .inCatalog, .quantified, .aggregateItems,
             .aggregateList: return nil
        }
    }

    // MARK: Facts a comparison reads

    /// A fact the deal can change: a deal field, or a field the deal gives for one of its items.
    enum Fact {
        case field(slot: Int)
        case itemField(kind: Int, item: Int, field: Int)
    }

    enum Test {
        /// `fact op others[0]`
        case compare(Comparison)
        /// `others[0] <= fact <= others[1]`
        case between
        /// `fact in others[0]` (a list)
        case member
    }

    /// The fact a node reads, when it is one the deal may change (not a catalog's value).
    private func fact(_ n: Node, _ ev: Evaluator) -> (Fact, ValueType)? {
        switch n {
        case .group(let x):
            return fact(x, ev)
        case .field(let slot, let type, _):
            return type.isList ? nil : (.field(slot: slot), type)
        case .itemField(let binding, let kind, let field, let type, _):
            let i = Int(ev.boundItem(binding))
            guard !type.isList, i >= 0, i < deal.items[kind].count else { return nil }
            // What the catalog (or the item's default) says is not the salesperson's to change.
            guard deal.items[kind][i].givenFields.contains(field) else { return nil }
            return (.itemField(kind: kind, item: i, field: field), type)
        case .constant, .list, .itemList, .item, .nameOf, .itemNames, .today, .define, .not, .and, .or, .negate,
             .arithmetic, .compare, .between, .member, .contains, .inCatalog, .quantified, .aggregateItems,
             .aggregateList:
            return nil
        }
    }

    private func current(_ f: Fact, _ ev: Evaluator) -> Value {
        switch f {
        case .field(let slot): ev.values[slot]
        case .itemField(let kind, let item, let field): deal.value(kind: kind, item: item, field: field)
        }
    }

    /// Candidates for one comparison of a fact with values worked out on the deal.
    private mutating func compared(_ node: Node, _ test: Test, _ others: [Node], firesWhenTrue: Bool,
                                   _ ev: inout Evaluator, cause: Int) {
        guard let (f, type) = fact(node, ev) else { return }
        let bounds = others.map { ev.eval($0) }
        guard bounds.allSatisfy(\.isKnown) else { return }
        let now = current(f, ev)
        var values: [Value] = []
        switch type {
        case .flag:
            if case .flag(let b) = now { values = [.flag(!b)] }
        case .choice(let c):
            values = rules.choices[c].values.indices.map { .choice(ChoiceValue(choice: Int32(c), value: Int32($0))) }
        case .number, .money, .percent, .date, .duration:
            let constants: [Value]
            if case .member = test, case .list(let xs) = bounds[0] { constants = xs } else { constants = bounds }
            for t in constants {
                values += [t] + [step(t, now, by: 1), step(t, now, by: -1)].compactMap { $0 }
            }
        case .text:
            // Only a value the rule itself names, and only where it is the way out.
            if case .list(let xs) = bounds.first, case .member = test { values = xs } else { values = bounds }
            if firesWhenTrue, case .compare(let op) = test, op != .notEqual { values = [] }
            if firesWhenTrue, case .member = test { values = [] }
        case .item, .list, .emptyList:
            return
        }
        let shown = ValueText(choices: rules.choices)
        for v in values where v != now {
            let holds: Bool
            switch test {
            case .compare(let op):
                holds = Evaluator.compare(op, v, bounds[0]) == .yes
            case .between:
                holds = Evaluator.compare(.greaterEqual, v, bounds[0]) == .yes && Evaluator.compare(.lessEqual, v, bounds[1]) == .yes
            case .member:
                guard case .list(let xs) = bounds[0] else { return }
                holds = xs.contains { Evaluator.equal(v, $0) }
            }
            guard holds != firesWhenTrue else { continue }
            let condition: String
            switch test {
            case .compare(let op) where type.isOrdered && !type.isChoice:
                condition = "\((firesWhenTrue ? op.negated : op).symbol) \(shown.text(bounds[0]))"
            case .between where Evaluator.compare(.less, v, bounds[0]) == .yes:
                condition = "< \(shown.text(bounds[0]))"
            case .between where Evaluator.compare(.greater, v, bounds[1]) == .yes:
                condition = "> \(shown.text(bounds[1]))"
            case .compare, .between, .member:
                condition = "= \(shown.text(v))"
            }
            set(f, to: v, condition: condition, now: now, cause: cause)
        }
    }

    private mutating func flip(_ f: Fact, firesWhenTrue: Bool, _ ev: inout Evaluator, cause: Int) {
        if case .itemField(let kind, let item, let field) = f, !deal.items[kind][item].givenFields.contains(field) { return }
        guard case .flag(let b) = current(f, ev), b == firesWhenTrue else { return }
        set(f, to: .flag(!b), condition: "= \(!b ? "yes" : "no")", now: .flag(b), cause: cause)
    }

    /// A candidate that sets a fact to `v`; `condition` is how the change reads after its name.
    private mutating func set(_ f: Fact, to v: Value, condition: String, now: Value, cause: Int) {
        let json = rules.dealValue(v)
        let nowText = now.isKnown ? ValueText(choices: rules.choices).text(now) : nil
        switch f {
        case .field(let slot):
            let field = rules.fields[slot]
            let literal = rules.literal(json, field.type)
            let change = Suggestion.Change(fact: "\(field.name) = \(literal)", edit: .setField(field: field.name, value: json),
                                           description: "\(field.name) \(condition)", now: nowText)
            add(change, distance: Self.distance(now, v), cause: cause, touches: field.name)
        case .itemField(let k, let i, let fi):
            let kind = rules.itemKinds[k]
            let list = rules.fields[kind.listField!].name
            let name = deal.itemName(k, i)
            let field = kind.fields[fi]
            let literal = rules.literal(json, field.type)
            let change = Suggestion.Change(
                fact: "add \(kind.name) \(ValueText.quoted(name)) with \(field.name) = \(literal)",
                edit: .setItemField(list: list, item: name, field: field.name, value: json),
                description: "\(kind.name) \(ValueText.quoted(name)): \(field.name) \(condition)", now: nowText)
            add(change, distance: Self.distance(now, v), cause: cause, touches: list + "\u{0}" + name)
        }
    }

    private mutating func addRemoval(kind k: Int, item i: Int, cause: Int) {
        let kind = rules.itemKinds[k]
        guard let listField = kind.listField else { return }
        let list = rules.fields[listField].name
        let name = deal.itemName(k, i)
        let fact = "remove \(kind.name) \(ValueText.quoted(name))"
        add(Suggestion.Change(fact: fact, edit: .removeItem(list: list, item: name), description: fact, now: nil),
            distance: Self.removalDistance, cause: cause, touches: list + "\u{0}" + name)
    }

    /// The catalog name nearest the item's (within a third of its length in edits: a misspelling), in its place.
    private mutating func addReplacement(kind k: Int, item i: Int, cause: Int) {
        let kind = rules.itemKinds[k]
        guard let listField = kind.listField, let catalog = kind.catalog else { return }
        let name = deal.itemName(k, i)
        let taken = Set(deal.itemNames(k))
        let lowered = Array(name.lowercased())
        var best: (name: String, distance: Int)?
        for entry in catalog.entries where !taken.contains(entry.name) {
            let d = Suggestions.distance(lowered, Array(entry.name.lowercased()))
            if d < (best?.distance ?? Int.max) { best = (entry.name, d) }
        }
        guard let best, best.distance <= max(2, lowered.count / 3) else { return }
        let list = rules.fields[listField].name
        let item = DealDraft.item(named: name, in: draft.fields[list])
        let given = kind.fields.dropFirst().compactMap { f in item?[f.name].map { "\(f.name) = \(rules.literal($0, f.type))" } }
        let fact = "remove \(kind.name) \(ValueText.quoted(name)); add \(kind.name) \(ValueText.quoted(best.name))"
            + (given.isEmpty ? "" : " with " + given.joined(separator: ", "))
        add(Suggestion.Change(fact: fact, edit: .replaceItem(list: list, item: name, with: best.name),
                              description: "\(ValueText.quoted(best.name)) instead of \(ValueText.quoted(name))", now: nil),
            distance: Self.replacementDistance, cause: cause, touches: list + "\u{0}" + name)
    }

    // MARK: Values

    /// The value one unit past `t` (up or down): the unit is the last digit either value shows.
    /// nil past the end of the type's range.
    private func step(_ t: Value, _ current: Value, by sign: Int64) -> Value? {
        switch t {
        case .number(let f), .money(let f), .percent(let f):
            var places = 0
            for raw in [f.raw, current.fixed?.raw ?? 0] {
                var r = raw.magnitude % UInt64(Fixed.scale), p = Fixed.places
                while p > 0, r % 10 == 0 {
                    r /= 10
                    p -= 1
                }
                places = max(places, r == 0 ? 0 : p)
            }
            if case .money = t { places = max(places, 2) }
            var unit: Int64 = Fixed.scale
            for _ in 0..<places { unit /= 10 }
            guard let moved = f.adding(Fixed(raw: sign * unit)) else { return nil }
            switch t {
            case .money: return .money(moved)
            case .percent: return .percent(moved)
            default: return .number(moved)
            }
        case .date(let d):
            return Day(checkedNumber: Int64(d.number) + sign).map(Value.date)
        case .duration(let d):
            let step = d.days == 0 && d.months != 0 ? Duration(months: Int32(sign)) : Duration(days: Int32(sign))
            return d.adding(step).map(Value.duration)
        default:
            return nil
        }
    }

    /// How far apart two values are, relative to the first: a choice or a flag is 1.
    static func distance(_ a: Value, _ b: Value) -> Double {
        switch (a, b) {
        case (.number(let x), .number(let y)), (.money(let x), .money(let y)), (.percent(let x), .percent(let y)):
            return Double(Int128(x.raw) - Int128(y.raw)).magnitude / max(Double(x.raw).magnitude, Double(Fixed.scale))
        case (.date(let x), .date(let y)):
            return Double(Int64(x.number) - Int64(y.number)).magnitude / 365
        case (.duration(let x), .duration(let y)):
            return Double(x.measure - y.measure).magnitude / max(Double(x.measure).magnitude, 1)
        default:
            return 1
        }
    }
}

extension DealEdit {
    /// Makes the change in a draft (a field, an item's field, an item removed or renamed).
    package func apply(to draft: inout DealDraft) {
        var object = draft.fields
        apply(to: &object)
        draft.fields = object
    }

    /// Makes the change in a deal's JSON object. An edit of an item the deal does not have
    /// changes nothing.
    package func apply(to object: inout [String: DealValue]) {
        switch self {
        case .setField(let field, let value):
            object[field] = value
        case .setItemField(let list, let item, let field, let value):
            editItem(list, item, in: &object) { $0[field] = value }
        case .removeItem(let list, let item):
            guard var items = object[list]?.listItems else { return }
            items.removeAll { $0.itemName == item }
            object[list] = .list(items)
        case .replaceItem(let list, let item, let name):
            editItem(list, item, in: &object) { $0["name"] = .text(name) }
        }
    }

    private func editItem(_ list: String, _ item: String, in object: inout [String: DealValue],
                          _ edit: (inout [String: DealValue]) -> Void) {
        guard var items = object[list]?.listItems, let i = items.firstIndex(where: { $0.itemName == item }) else { return }
        var o = items[i].objectMembers
        edit(&o)
        items[i] = .object(o)
        object[list] = .list(items)
    }
}

extension DealDraft {
    /// The members of the item named `name` in a list value, if it is there.
    static func item(named name: String, in list: DealValue?) -> [String: DealValue]? {
        list?.listItems?.first { $0.itemName == name }?.objectMembers
    }
}

extension ValueType {
    var isChoice: Bool {
        if case .choice = self { return true }
        return false
    }
}
