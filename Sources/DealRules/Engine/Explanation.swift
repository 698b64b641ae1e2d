/// What a decision says of a rule beyond that it fired: its message (the `because` text, or the
/// condition with each path's value beside it) and, with `explain`, the condition as written
/// and the value of every path it read.
extension RuleSet {
    func valueText(for deal: Deal) -> ValueText {
        ValueText(choices: choices, items: deal)
    }

    /// The rule's `because` message with its `{…}` filled in, or the generated one: the
    /// condition with each path's value beside it. Written into `out`.
    func writeMessage(_ rule: Int32, _ ev: inout Evaluator, into out: inout TextBuffer) {
        plan.messages[Int(rule)].write(into: &out, &ev, valueText(for: ev.deal))
    }

    func message(_ rule: Int32, _ ev: inout Evaluator) -> String {
        var out = TextBuffer()
        writeMessage(rule, &ev, into: &out)
        return out.string
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
                    // Unknown is null; an error is named (`error (overflow)`), as in messages.
                    values.append((name, v.isKnown || v.isFailure ? vt.text(v, kind: n.itemKind) : nil))
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
        var printing = ev
        let printer = NodePrinter(valueText: vt)
        let annotated = printer.text(rule.condition, values: &printing)
            + (rule.unless.map { " unless " + printer.text($0, values: &printing) } ?? "")
        // What each define stood for, with its values, in its own frame (and recursively).
        var defined: [(name: String, annotated: String)] = []
        var definesSeen: Set<Int> = []
        func expand(_ n: Node, _ ev: inout Evaluator) {
            if case .define(let index, let binding, let name) = n, definesSeen.insert(index).inserted {
                _ = ev.withDefineFrame(index, binding) { inner, body in
                    defined.append((name, printer.text(body, values: &inner)))
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
