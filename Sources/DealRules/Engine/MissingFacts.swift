extension Evaluator {
    /// The facts that leave `n` undecided: only inside its undecided parts (a `no` operand of
    /// `and` decides it, so nothing under a decided part is reported).
    /// (`fieldNames`: the deal fields' names, by slot.)
    mutating func collectUnknown(_ n: Node, _ fieldNames: [String], _ missing: inout Set<String>, _ errors: inout Set<EvalError>) {
        let v = eval(n)
        if v.isKnown { return }
        let found = missing.count + errors.count
        collectUnknownBelow(n, v, fieldNames, &missing, &errors)
        // A failure that nothing below explains was made here: an overflow in `sum of …`, in
        // an arithmetic on known values, in a negation.
        if case .failure(let e) = v, missing.count + errors.count == found { errors.insert(e) }
    }

    private mutating func collectUnknownBelow(_ n: Node, _ v: Value, _ fieldNames: [String], _ missing: inout Set<String>,
                                              _ errors: inout Set<EvalError>) {
        switch n {
        case .field(_, _, let name), .itemList(_, _, let name), .itemNames(_, _, let name):
            if !v.isFailure { missing.insert(name) }
        case .itemField(let binding, _, _, _, let name):
            // With no item bound (a rule about items when the deal does not list them yet),
            // what is missing is the list, which the caller names.
            if !v.isFailure, boundItem(binding) >= 0 { missing.insert(name) }
        case .define(let index, let binding, _):
            _ = withDefineFrame(index, binding) { ev, body in ev.collectUnknown(body, fieldNames, &missing, &errors) }
        case .quantified(_, let slot, let kind, let binding, let body, _):
            guard values[slot].isKnown else {
                missing.insert(fieldNames[slot])
                return
            }
            for i in deal.items[kind].indices {
                setBinding(binding, Int32(i))
                collectUnknown(body, fieldNames, &missing, &errors)
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
                        collectUnknown(condition, fieldNames, &missing, &errors)
                        continue
                    }
                }
                if let value { collectUnknown(value, fieldNames, &missing, &errors) }
            }
        case .constant, .list, .item, .nameOf, .today, .not, .and, .or, .negate, .arithmetic, .compare, .between, .member,
             .contains, .inCatalog, .aggregateList, .group:
            for c in n.children { collectUnknown(c, fieldNames, &missing, &errors) }
        }
    }
}
