#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Day {
    /// Today in the local time zone.
    public static func localToday() -> Day {
        var t = time(nil)
        var parts = tm()
        localtime_r(&t, &parts)
        return Day(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday)) ?? Day(number: 0)
    }
}

/// How one rule came out for one deal (and one item).
struct RuleResult {
    let rule: Int
    let item: Int32?
    let value: Value
}

extension RuleSet {
    /// Decides a deal. `today` is used when the deal carries no date of its own; it defaults
    /// to the local date. With `explain`, every outcome and undetermined entry carries its
    /// condition and the values it read.
    public func decide(_ deal: Deal, today: Day? = nil, explain: Bool = false) -> Decision {
        var ev = Evaluator(self, deal: deal, today: today ?? Day.localToday())
        var decision = Decision(kind: .approved, required: [], outcomes: [], undetermined: [], id: deal.id)
        for (index, rule) in rules.enumerated() {
            if let k = rule.itemKind {
                let slot = itemKinds[k].listField!
                guard ev.values[slot].isKnown else {
                    add(undetermined: rule, item: nil, missing: [fields[slot].name], errors: [], explanation: nil, to: &decision)
                    continue
                }
                for i in deal.items[k].indices {
                    ev.beginRule(bindings: rule.bindingCount, item: Int32(i))
                    record(index, evaluate(rule, &ev), item: Int32(i), &ev, explain: explain, into: &decision)
                }
            } else {
                ev.beginRule(bindings: rule.bindingCount, item: nil)
                record(index, evaluate(rule, &ev), item: nil, &ev, explain: explain, into: &decision)
            }
        }
        decision.required = Array(Set(decision.outcomes.compactMap(\.approval))).sorted()
        let blocking = decision.undetermined.contains { $0.kind != .warn }
        if decision.denied {
            decision.kind = .blocked
        } else if blocking {
            decision.kind = .incomplete
        } else if !decision.required.isEmpty {
            decision.kind = .needsApproval
        }
        return decision
    }

    /// `C unless U` is `C and not U`.
    func evaluate(_ rule: Rule, _ ev: inout Evaluator) -> Value {
        let c = ev.eval(rule.condition)
        guard let unless = rule.unless, c != .no else { return c }
        return Evaluator.and(c, Evaluator.not(ev.eval(unless)))
    }

    private func record(_ index: Int, _ value: Value, item: Int32?, _ ev: inout Evaluator, explain: Bool,
                        into decision: inout Decision) {
        let rule = rules[index]
        let itemName = item.map { ev.deal.items[rule.itemKind!][Int($0)].name }
        switch value {
        case .flag(false):
            return
        case .flag(true):
            let message = self.message(rule, &ev)
            let explanation = explain ? self.explanation(rule, ev) : nil
            if rule.outcome == .require {
                for a in rule.approvals {
                    decision.outcomes.append(Outcome(kind: .require, approval: approvals[a].name, team: approvals[a].team,
                                                     rule: rule.name, location: rule.location, item: itemName,
                                                     message: message, explanation: explanation))
                }
            } else {
                decision.outcomes.append(Outcome(kind: rule.outcome, rule: rule.name, location: rule.location, item: itemName,
                                                 message: message, explanation: explanation))
            }
        default:
            var missing: Set<String> = []
            var errors: Set<EvalError> = []
            ev.collectUnknown(rule.condition, &missing, &errors)
            if let unless = rule.unless, ev.eval(rule.condition) != .no { ev.collectUnknown(unless, &missing, &errors) }
            add(undetermined: rule, item: itemName, missing: missing.sorted(), errors: errors.map(\.rawValue).sorted(),
                explanation: explain ? self.explanation(rule, ev) : nil, to: &decision)
        }
    }

    private func add(undetermined rule: Rule, item: String?, missing: [String], errors: [String],
                     explanation: Explanation?, to decision: inout Decision) {
        if rule.outcome == .require {
            for a in rule.approvals {
                decision.undetermined.append(Undetermined(kind: .require, approval: approvals[a].name, team: approvals[a].team,
                                                          rule: rule.name, location: rule.location, item: item,
                                                          missing: missing, errors: errors, explanation: explanation))
            }
        } else {
            decision.undetermined.append(Undetermined(kind: rule.outcome, rule: rule.name, location: rule.location, item: item,
                                                      missing: missing, errors: errors, explanation: explanation))
        }
    }

    // MARK: Messages

    func valueText(for deal: Deal) -> ValueText {
        ValueText(choices: choices, itemNames: { kind, i in
            kind < deal.items.count && Int(i) < deal.items[kind].count ? deal.items[kind][Int(i)].name : nil
        })
    }

    /// The rule's `because` message with its `{…}` filled in, or the generated one:
    /// the condition with each path's value beside it.
    func message(_ rule: Rule, _ ev: inout Evaluator) -> String {
        let vt = valueText(for: ev.deal)
        guard let parts = rule.message else {
            return printerWithValues(ev).text(rule.condition) + (rule.unless.map { " unless " + printerWithValues(ev).text($0) } ?? "")
        }
        var out = ""
        for p in parts {
            switch p {
            case .literal(let s): out += s
            case .value(let node, let type):
                var kind: Int?
                if case .item(let k) = type { kind = k }
                if case .list(.item(let k)) = type { kind = k }
                out += vt.text(ev.eval(node), kind: kind)
            }
        }
        return out
    }

    /// A printer that shows each path's value as this evaluator sees it.
    func printerWithValues(_ ev: Evaluator) -> NodePrinter {
        let vt = valueText(for: ev.deal)
        return NodePrinter(valueText: vt, show: { node in
            var copy = ev
            return vt.text(copy.eval(node), kind: node.itemKind)
        })
    }

    /// The condition as written and the value of every path it reads (outside quantifiers).
    func explanation(_ rule: Rule, _ ev: Evaluator) -> Explanation {
        let vt = valueText(for: ev.deal)
        var values: [(String, String?)] = []
        var seen: Set<String> = []
        var copy = ev
        func walk(_ n: Node) {
            if n.isPath {
                let name = NodePrinter(valueText: vt).text(n)
                if seen.insert(name).inserted {
                    let v = copy.eval(n)
                    values.append((name, v.isKnown ? vt.text(v, kind: n.itemKind) : nil))
                }
                if case .define = n { return }
                if case .aggregateItems = n { return }
            }
            if case .quantified(_, let slot, let kind, _, _, _) = n {
                let name = fields[slot].name
                if seen.insert(name).inserted {
                    let list = copy.eval(.itemList(slot: slot, kind: kind, name: name))
                    values.append((name, list.isKnown ? vt.text(list, kind: kind) : nil))
                }
                return
            }
            for c in n.children { walk(c) }
        }
        walk(rule.condition)
        if let unless = rule.unless { walk(unless) }
        let printer = printerWithValues(ev)
        let annotated = printer.text(rule.condition) + (rule.unless.map { " unless " + printer.text($0) } ?? "")
        // What each define stood for, with its values, in its own frame (and recursively).
        var defined: [(name: String, annotated: String)] = []
        var definesSeen: Set<Int> = []
        func expand(_ n: Node, _ ev: inout Evaluator) {
            if case .define(let index, let binding, let name) = n, definesSeen.insert(index).inserted {
                _ = ev.withDefineFrame(index, binding) { inner, body in
                    defined.append((name, printerWithValues(inner).text(body)))
                    expand(body, &inner)
                }
                return
            }
            // Inside `any`/`every`/`no` and aggregates the item changes: nothing to show there.
            if case .quantified = n { return }
            if case .aggregateItems = n { return }
            for c in n.children { expand(c, &ev) }
        }
        var frame = ev
        expand(rule.condition, &frame)
        if let unless = rule.unless { expand(unless, &frame) }
        var e = Explanation(condition: rule.conditionText, values: values, annotated: annotated)
        e.defines = defined
        return e
    }
}

extension Evaluator {
    /// The facts that leave `n` undecided: only inside its undecided parts (a `no` operand of
    /// `and` decides it, so nothing under a decided part is reported).
    mutating func collectUnknown(_ n: Node, _ missing: inout Set<String>, _ errors: inout Set<EvalError>) {
        let v = eval(n)
        if v.isKnown { return }
        switch n {
        case .field(_, _, let name), .itemList(_, _, let name), .itemNames(_, _, let name), .itemField(_, _, _, _, let name):
            if case .failure(let e) = v { errors.insert(e) } else { missing.insert(name) }
        case .define(let index, let binding, _):
            _ = withDefineFrame(index, binding) { ev, body in ev.collectUnknown(body, &missing, &errors) }
        case .quantified(_, let slot, let kind, let binding, let body, _):
            guard values[slot].isKnown else {
                missing.insert(fieldNames[slot])
                return
            }
            for i in deal.items[kind].indices {
                setBinding(binding, Int32(i))
                collectUnknown(body, &missing, &errors)
            }
        case .aggregateItems(_, let slot, let kind, let binding, let value, let condition, _, _):
            guard values[slot].isKnown else {
                missing.insert(fieldNames[slot])
                return
            }
            for i in deal.items[kind].indices {
                setBinding(binding, Int32(i))
                if let condition {
                    let w = eval(condition)
                    if w == .no { continue }
                    if w != .yes {
                        collectUnknown(condition, &missing, &errors)
                        continue
                    }
                }
                if let value { collectUnknown(value, &missing, &errors) }
            }
        case .arithmetic, .negate:
            if case .failure(let e) = v, n.children.allSatisfy({ eval($0).isKnown }) {
                errors.insert(e)
                return
            }
            for c in n.children { collectUnknown(c, &missing, &errors) }
        default:
            for c in n.children { collectUnknown(c, &missing, &errors) }
        }
    }
}
