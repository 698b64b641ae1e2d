/// Near misses: thresholds a deal is close to, for `:why`. (What would remove an approval or a
/// denial is `Avoid.swift`.)

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
