/// Advice for the salesperson: thresholds a deal is close to (near misses), and the smallest
/// changes of single facts that would remove an approval or a denial, each checked by deciding
/// the changed deal.

/// A rule that did not fire, but one comparison away from it: `discount 19%: 1 point under deep_discount`.
package struct NearMiss: Sendable, Hashable, CustomStringConvertible {
    package let rule: String
    package let item: String?
    package let path: String
    package let value: String
    package let threshold: String
    /// How far the value is from firing the rule, in the value's own unit (`1 point`, `$5,000`).
    package let gap: String
    /// `under` or `over` the threshold.
    package let side: String

    package var description: String {
        "\(path) \(value): \(gap) \(side) \(rule)" + (item.map { " (\($0))" } ?? "")
    }
}

/// What `:avoid` is asked to remove.
public enum AvoidTarget: Sendable, Hashable {
    case approval(String)
    case deny
}

/// One change of one fact that removes the target, checked by deciding the changed deal.
public struct Suggestion: Sendable, Hashable {
    /// The change as a condition: `discount ≤ 20%`, `remove service "Dark Web Monitoring"`.
    public let change: String
    /// The fact statement that was checked: `discount = 20%`.
    public let fact: String
    /// The value the deal has now, when the change is to a value.
    public let now: String?
    /// What the change brings in that was not there (`exec_approval`, `deny one_year_minimum`).
    public let brings: [String]
}

/// One comparison inside a condition, read as `path op constant`.
private struct Atom {
    enum Path {
        case field(slot: Int)
        case itemField(field: Int)
        case item
    }

    enum Test {
        /// `path op constants[0]`
        case compare(Comparison)
        /// `constants[0] <= path <= constants[1]`
        case between
        /// `path in constants`; a flag field alone is `path in [yes]`
        case member
    }

    let path: Path
    let type: ValueType
    let test: Test
    let constants: [Value]
    /// Whether the rule fires when this comparison is true (false under `not`).
    let firesWhenTrue: Bool
    let pathText: String
}

extension RuleSet {
    // MARK: Near misses

    /// Rules that did not fire but would if one comparison with a constant moved a little:
    /// within 5 points for a percent, 20% of the threshold for money, numbers and durations,
    /// two weeks for a date.
    package func nearMisses(_ deal: Deal, today: Day? = nil) -> [NearMiss] {
        var ev = Evaluator(self, deal: deal, today: today ?? Day.localToday())
        var out: [NearMiss] = []
        for rule in rules {
            let items: [Int32?] = rule.itemKind.map { k in
                ev.values[itemKinds[k].listField!].isKnown ? deal.items[k].indices.map { Int32($0) } : []
            } ?? [nil]
            for item in items {
                ev.beginRule(bindings: rule.bindingCount, item: item)
                guard evaluate(rule, &ev) == .no, ev.eval(rule.condition) == .no else { continue }
                // The conjunction's comparisons that are false: exactly one, with a constant.
                let falseOnes = conjuncts(rule.condition).filter { ev.eval($0) == .no }
                guard falseOnes.count == 1, let atom = atom(falseOnes[0], firesWhenTrue: true),
                      atom.constants.count == 1, let miss = closeness(atom, &ev) else { continue }
                out.append(NearMiss(rule: rule.name, item: item.map { deal.items[rule.itemKind!][Int($0)].name },
                                    path: atom.pathText, value: miss.value, threshold: miss.threshold, gap: miss.gap,
                                    side: miss.side))
            }
        }
        return out
    }

    /// The parts of a condition joined by `and` (through parentheses and deal-level defines).
    private func conjuncts(_ n: Node) -> [Node] {
        switch n {
        case .group(let x): return conjuncts(x)
        case .and(let a, let b): return conjuncts(a) + conjuncts(b)
        case .define(let i, let binding, _) where binding == nil || binding == 0:
            return conjuncts(defines[i].body)
        case .constant, .list, .field, .itemList, .item, .itemField, .nameOf, .itemNames, .today, .define, .not, .or,
             .negate, .arithmetic, .compare, .between, .member, .contains, .inCatalog, .quantified, .aggregateItems,
             .aggregateList: return [n]
        }
    }

    private func atom(_ n: Node, firesWhenTrue: Bool) -> Atom? {
        switch n {
        case .group(let x):
            return atom(x, firesWhenTrue: firesWhenTrue)
        case .not(let x):
            return atom(x, firesWhenTrue: !firesWhenTrue)
        case .compare(let cmp, let a, let b, _):
            if let (p, t, text) = path(a), case .constant(let c, _, _) = b {
                return Atom(path: p, type: t, test: .compare(cmp), constants: [c], firesWhenTrue: firesWhenTrue, pathText: text)
            }
            if let (p, t, text) = path(b), case .constant(let c, _, _) = a {
                return Atom(path: p, type: t, test: .compare(cmp.mirrored), constants: [c], firesWhenTrue: firesWhenTrue, pathText: text)
            }
            return nil
        case .between(let x, .constant(let lo, _, _), .constant(let hi, _, _), let negated):
            guard let (p, t, text) = path(x) else { return nil }
            return Atom(path: p, type: t, test: .between, constants: [lo, hi], firesWhenTrue: firesWhenTrue != negated, pathText: text)
        case .member(let x, .constant(.list(let xs), _, _), let negated):
            guard let (p, t, text) = path(x) else { return nil }
            return Atom(path: p, type: t, test: .member, constants: xs, firesWhenTrue: firesWhenTrue != negated, pathText: text)
        case .inCatalog(.item(0, _, let name), _, let negated):
            return Atom(path: .item, type: .flag, test: .member, constants: [], firesWhenTrue: firesWhenTrue != negated, pathText: name)
        case .field(let slot, .flag, let name):
            return Atom(path: .field(slot: slot), type: .flag, test: .member, constants: [.yes], firesWhenTrue: firesWhenTrue, pathText: name)
        case .itemField(0, _, let f, .flag, let name):
            return Atom(path: .itemField(field: f), type: .flag, test: .member, constants: [.yes], firesWhenTrue: firesWhenTrue, pathText: name)
        case .constant, .list, .field, .itemList, .item, .itemField, .nameOf, .itemNames, .today, .define, .and, .or,
             .negate, .arithmetic, .between, .member, .contains, .inCatalog, .quantified, .aggregateItems,
             .aggregateList:
            return nil
        }
    }

    private func path(_ n: Node) -> (Atom.Path, ValueType, String)? {
        switch n {
        case .group(let x): return path(x)
        case .field(let slot, let t, let name): return (.field(slot: slot), t, name)
        case .itemField(0, _, let f, let t, let name): return (.itemField(field: f), t, name)
        case .nameOf(.item(0, _, let name), _): return (.item, .text, name)
        case .constant, .list, .itemList, .item, .itemField, .nameOf, .itemNames, .today, .define, .not, .and, .or,
             .negate, .arithmetic, .compare, .between, .member, .contains, .inCatalog, .quantified, .aggregateItems,
             .aggregateList: return nil
        }
    }

    /// How close the path's value is to making the comparison true, when close enough to say.
    private func closeness(_ atom: Atom, _ ev: inout Evaluator) -> (value: String, threshold: String, gap: String, side: String)? {
        let node: Node
        switch atom.path {
        case .field(let slot): node = .field(slot: slot, atom.type, name: atom.pathText)
        case .itemField(let f): node = .itemField(binding: 0, kind: 0, field: f, atom.type, name: atom.pathText)
        case .item: return nil
        }
        let v = ev.eval(node)
        let t = atom.constants[0]
        guard atom.firesWhenTrue, case .compare(let op) = atom.test, op != .notEqual,
              let order = Evaluator.order(v, t), order != 0 || op != .equal else { return nil }
        let side = order < 0 ? "under" : "over"
        let vt = ValueText(choices: choices)
        // Gaps are worked out in 128 bits: values at the ends of their ranges are far apart.
        switch (v, t) {
        case (.percent(let x), .percent(let y)):
            let d = (Int128(x.raw) - Int128(y.raw)).magnitude
            guard d <= UInt128(5 * Fixed.scale) else { return nil }
            let gap = Fixed(raw: Int64(d))
            return (vt.text(v), vt.text(t), "\(gap.formatted()) point\(gap == Fixed(1)! ? "" : "s")", side)
        case (.money(let x), .money(let y)), (.number(let x), .number(let y)):
            let d = (Int128(x.raw) - Int128(y.raw)).magnitude
            guard y.raw != 0, d * 5 <= UInt128(y.raw.magnitude) else { return nil }
            let gap = Fixed(raw: Int64(d))
            return (vt.text(v), vt.text(t), v.isMoney ? gap.moneyText : gap.formatted(), side)
        case (.duration(let x), .duration(let y)):
            let d = (x.measure - y.measure).magnitude
            guard y.measure != 0, d * 5 <= y.measure.magnitude else { return nil }
            // Within a fifth of the threshold, so each part of the gap fits in 32 bits.
            let gap = x.days == 0 && y.days == 0 ? Duration(months: Int32(truncatingIfNeeded: (Int64(x.months) - Int64(y.months)).magnitude)).description
                : x.months == 0 && y.months == 0 ? Duration(days: Int32(truncatingIfNeeded: (Int64(x.days) - Int64(y.days)).magnitude)).description
                : "about \(Duration(days: Int32(truncatingIfNeeded: d / 12)).description)"
            return (vt.text(v), vt.text(t), gap, side)
        case (.date(let x), .date(let y)):
            let d = (Int64(x.number) - Int64(y.number)).magnitude
            guard d <= 14 else { return nil }
            return (vt.text(v), vt.text(t), Duration(days: Int32(d)).description, order < 0 ? "before" : "after")
        default:
            return nil
        }
    }

    // MARK: Avoid

    /// The smallest changes of single facts that would remove an approval or every denial,
    /// found from the boundary values in the rules that bring it, each checked by deciding the
    /// changed deal. Closest changes first.
    package func avoid(_ target: AvoidTarget, in draft: DealDraft, today: Day? = nil) -> [Suggestion] {
        let (deal, _) = deal(from: draft)
        let date = draft.today ?? today ?? Day.localToday()
        let before = decide(deal, today: date)
        guard has(target, before) else { return [] }
        var ev = Evaluator(self, deal: deal, today: date)
        var candidates: [(fact: String, change: String, now: String?, edit: (inout DealDraft) -> Void, distance: Double)] = []
        var seen: Set<String> = []
        let causes = before.outcomes.filter { o in
            switch target {
            case .approval(let a): o.approval == a
            case .deny: o.kind == .deny
            }
        }
        for outcome in causes {
            guard let ri = ruleIndex[outcome.rule] else { continue }
            let rule = rules[ri]
            let itemIndex = outcome.item.flatMap { name in deal.items[rule.itemKind!].firstIndex { $0.name == name } }
            ev.beginRule(bindings: rule.bindingCount, item: itemIndex.map { Int32($0) })
            var atoms: [Atom] = []
            collectAtoms(rule.condition, firesWhenTrue: true, into: &atoms)
            if let unless = rule.unless { collectAtoms(unless, firesWhenTrue: false, into: &atoms) }
            for atom in atoms {
                for c in changes(for: atom, rule: rule, item: itemIndex, deal: deal, &ev) where seen.insert(c.fact).inserted {
                    candidates.append(c)
                }
            }
        }
        // Quantified conditions: removing an item of that kind may help.
        for outcome in causes {
            guard let rule = ruleIndex[outcome.rule].map({ rules[$0] }), rule.itemKind == nil else { continue }
            for k in quantifiedKinds(rule.condition) {
                for item in deal.items[k] {
                    let fact = "remove \(itemKinds[k].name) \(ValueText.quoted(item.name))"
                    guard seen.insert(fact).inserted else { continue }
                    let list = fields[itemKinds[k].listField!].name
                    candidates.append((fact, fact, nil, { d in Self.removeItem(item.name, from: list, in: &d) }, 2))
                }
            }
        }
        var out: [(Suggestion, Double)] = []
        var changes: Set<String> = []
        for c in candidates.sorted(by: { $0.distance < $1.distance }) {
            var changed = draft
            c.edit(&changed)
            let after = decide(self.deal(from: changed).deal, today: date)
            guard !has(target, after), changes.insert(c.change).inserted else { continue }
            out.append((Suggestion(change: c.change, fact: c.fact, now: c.now, brings: brought(before, after)), c.distance))
        }
        return out.map(\.0)
    }

    private func has(_ target: AvoidTarget, _ d: Decision) -> Bool {
        switch target {
        case .approval(let a): d.required.contains(a)
        case .deny: d.denied
        }
    }

    private func brought(_ before: Decision, _ after: Decision) -> [String] {
        let old = Set(before.required)
        var out = after.required.filter { !old.contains($0) }
        let oldDenials = Set(before.outcomes.filter { $0.kind == .deny }.map(\.rule))
        out += after.outcomes.filter { $0.kind == .deny && !oldDenials.contains($0.rule) }.map { "deny \($0.rule)" }
        if after.kind == .incomplete, before.kind != .incomplete { out.append("an incomplete decision") }
        return out
    }

    private func collectAtoms(_ n: Node, firesWhenTrue: Bool, into atoms: inout [Atom]) {
        switch n {
        case .group(let x): collectAtoms(x, firesWhenTrue: firesWhenTrue, into: &atoms)
        case .and(let a, let b), .or(let a, let b):
            collectAtoms(a, firesWhenTrue: firesWhenTrue, into: &atoms)
            collectAtoms(b, firesWhenTrue: firesWhenTrue, into: &atoms)
        case .not(let x): collectAtoms(x, firesWhenTrue: !firesWhenTrue, into: &atoms)
        case .define(let i, let binding, _) where binding == nil || binding == 0:
            collectAtoms(defines[i].body, firesWhenTrue: firesWhenTrue, into: &atoms)
        case .constant, .list, .field, .itemList, .item, .itemField, .nameOf, .itemNames, .today, .define, .negate,
             .arithmetic, .compare, .between, .member, .contains, .inCatalog, .quantified, .aggregateItems,
             .aggregateList:
            if let a = atom(n, firesWhenTrue: firesWhenTrue) { atoms.append(a) }
        }
    }

    private func quantifiedKinds(_ n: Node) -> Set<Int> {
        if case .quantified(_, _, let k, _, _, _) = n { return [k] }
        return n.children.reduce(into: Set<Int>()) { $0.formUnion(quantifiedKinds($1)) }
    }

    /// Candidate changes for one comparison: values just across its boundary, the other values
    /// of a choice, the other flag; removing the item for `service is "…"` or `not in catalog`.
    private func changes(for atom: Atom, rule: Rule, item: Int?, deal: Deal, _ ev: inout Evaluator)
        -> [(fact: String, change: String, now: String?, edit: (inout DealDraft) -> Void, distance: Double)] {
        let vt = ValueText(choices: choices)
        var current: Value = .unknown
        var fieldName = atom.pathText
        var itemName: String?
        var listName = ""
        switch atom.path {
        case .field(let slot):
            current = ev.values[slot]
            fieldName = fields[slot].name
        case .itemField(let f):
            guard let k = rule.itemKind, let item else { return [] }
            current = deal.value(kind: k, item: item, field: f)
            fieldName = itemKinds[k].fields[f].name
            itemName = deal.items[k][item].name
            listName = fields[itemKinds[k].listField!].name
        case .item:
            guard let k = rule.itemKind, let item else { return [] }
            let name = deal.items[k][item].name
            let list = fields[itemKinds[k].listField!].name
            let fact = "remove \(itemKinds[k].name) \(ValueText.quoted(name))"
            return [(fact, fact, nil, { d in Self.removeItem(name, from: list, in: &d) }, 2)]
        }
        var values: [Value] = []
        switch atom.type {
        case .flag:
            if case .flag(let b) = current { values = [.flag(!b)] }
        case .choice(let c):
            values = choices[c].values.indices.map { .choice(ChoiceValue(choice: Int32(c), value: Int32($0))) }
        case .number, .money, .percent, .date, .duration:
            for t in atom.constants {
                values += [t] + [step(t, current, by: 1), step(t, current, by: -1)].compactMap { $0 }
            }
        default:
            // Text: only a value the rule itself names can be suggested.
            if case .compare(.notEqual) = atom.test { values = atom.constants }
            if !atom.firesWhenTrue { values = atom.constants }
        }
        var out: [(fact: String, change: String, now: String?, edit: (inout DealDraft) -> Void, distance: Double)] = []
        for v in values where v != current {
            // Would this value make the comparison stop firing the rule?
            let holds: Bool
            switch atom.test {
            case .compare(let op):
                holds = Evaluator.compare(op, v, atom.constants[0]) == .yes
            case .between:
                holds = Evaluator.compare(.greaterEqual, v, atom.constants[0]) == .yes
                    && Evaluator.compare(.lessEqual, v, atom.constants[1]) == .yes
            case .member:
                holds = atom.constants.contains { Evaluator.equal(v, $0) }
            }
            guard holds != atom.firesWhenTrue else { continue }
            let json = dealValue(v)
            let literal = literal(json, atom.type)
            let shownPath = itemName == nil ? atom.pathText : fieldName
            let change: String
            if case .compare(let op) = atom.test, atom.type.isOrdered, !isChoice(atom.type) {
                let wanted = atom.firesWhenTrue ? op.negated : op
                change = "\(shownPath) \(wanted.symbol) \(vt.text(atom.constants[0]))"
            } else {
                change = "\(shownPath) = \(literal)"
            }
            let distance = Self.distance(current, v)
            if let itemName {
                let kind = itemKinds[rule.itemKind!].name
                let fact = "add \(kind) \(ValueText.quoted(itemName)) with \(fieldName) = \(literal)"
                out.append((fact, "\(kind) \(ValueText.quoted(itemName)): \(change)",
                            vt.text(current), { d in Self.setItemField(itemName, fieldName, json, in: listName, &d) }, distance))
            } else {
                let name = fieldName
                out.append(("\(name) = \(literal)", change, current.isKnown ? vt.text(current) : nil,
                            { d in d.fields[name] = json }, distance))
            }
        }
        return out
    }

    private func isChoice(_ t: ValueType) -> Bool {
        if case .choice = t { return true }
        return false
    }

    /// The value one unit past `t` (up or down): the unit is the last digit either value shows.
    /// nil when there is none (past the end of the type's range).
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
        default: return nil
        }
    }

    /// How far apart two values are, relative to the first (to try the closest changes first).
    private static func distance(_ a: Value, _ b: Value) -> Double {
        switch (a, b) {
        case (.number(let x), .number(let y)), (.money(let x), .money(let y)), (.percent(let x), .percent(let y)):
            return Double(Int128(x.raw) - Int128(y.raw)).magnitude / max(Double(x.raw).magnitude, Double(Fixed.scale))
        case (.date(let x), .date(let y)): return Double(Int64(x.number) - Int64(y.number)).magnitude / 365
        case (.duration(let x), .duration(let y)): return Double(x.measure - y.measure).magnitude / max(Double(x.measure).magnitude, 1)
        default: return 1
        }
    }

    static func removeItem(_ name: String, from list: String, in draft: inout DealDraft) {
        guard var items = draft.fields[list]?.listItems else { return }
        items.removeAll { $0.itemName == name }
        draft.fields[list] = .list(items)
    }

    static func setItemField(_ item: String, _ field: String, _ value: DealValue, in list: String, _ draft: inout DealDraft) {
        guard var items = draft.fields[list]?.listItems, let i = items.firstIndex(where: { $0.itemName == item }) else { return }
        var o = items[i].objectMembers
        o[field] = value
        items[i] = .object(o)
        draft.fields[list] = .list(items)
    }
}

extension Comparison {
    /// The same comparison with its operands swapped: `20% < discount` is `discount > 20%`.
    var mirrored: Comparison {
        switch self {
        case .less: .greater
        case .lessEqual: .greaterEqual
        case .greater: .less
        case .greaterEqual: .lessEqual
        default: self
        }
    }

    var negated: Comparison {
        switch self {
        case .equal: .notEqual
        case .notEqual: .equal
        case .less: .greaterEqual
        case .lessEqual: .greater
        case .greater: .lessEqual
        case .greaterEqual: .less
        }
    }

    var symbol: String {
        switch self {
        case .equal: "is"
        case .notEqual: "is not"
        case .less: "<"
        case .lessEqual: "≤"
        case .greater: ">"
        case .greaterEqual: "≥"
        }
    }
}
