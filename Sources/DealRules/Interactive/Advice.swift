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

/// A comparison of a fact with a constant, read as `path op constant` (the constant on the
/// right, the comparison mirrored when it was written on the left).
private struct Atom {
    /// The fact: a deal field, or a field of the rule's own item.
    let path: Node
    let comparison: Comparison
    let constant: Value
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
                guard falseOnes.count == 1, let atom = atom(falseOnes[0]), let miss = closeness(atom, &ev) else { continue }
                out.append(NearMiss(rule: rule.name, item: item.map { deal.itemName(rule.itemKind!, Int($0)) },
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

    private func atom(_ n: Node) -> Atom? {
        switch n {
        case .group(let x):
            return atom(x)
        case .compare(let cmp, let a, let b, _):
            if let text = pathText(a), case .constant(let c, _, _) = b {
                return Atom(path: a, comparison: cmp, constant: c, pathText: text)
            }
            if let text = pathText(b), case .constant(let c, _, _) = a {
                return Atom(path: b, comparison: cmp.mirrored, constant: c, pathText: text)
            }
            return nil
        case .constant, .list, .field, .itemList, .item, .itemField, .nameOf, .itemNames, .today, .define, .not, .and, .or,
             .negate, .arithmetic, .between, .member, .contains, .inCatalog, .quantified, .aggregateItems,
             .aggregateList:
            return nil
        }
    }

    /// The name of a fact a near miss can be about: a deal field, or a field of the rule's item.
    private func pathText(_ n: Node) -> String? {
        switch n {
        case .group(let x): return pathText(x)
        case .field(_, _, let name): return name
        case .itemField(0, _, _, _, let name): return name
        case .constant, .list, .itemList, .item, .itemField, .nameOf, .itemNames, .today, .define, .not, .and, .or,
             .negate, .arithmetic, .compare, .between, .member, .contains, .inCatalog, .quantified, .aggregateItems,
             .aggregateList: return nil
        }
    }

    /// How close the path's value is to making the comparison true, when close enough to say.
    private func closeness(_ atom: Atom, _ ev: inout Evaluator) -> (value: String, threshold: String, gap: String, side: String)? {
        let v = ev.eval(atom.path)
        let t = atom.constant
        let op = atom.comparison
        guard op != .notEqual, let order = Evaluator.order(v, t), order != 0 || op != .equal else { return nil }
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
