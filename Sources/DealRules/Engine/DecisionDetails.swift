/// What a decision works out when it is read, from the hits deciding recorded: the outcomes
/// with their messages, the approvals required, and for each undecided rule the facts that
/// would decide it.
extension DecisionContext {
    /// The name of item `item` of kind `kind` (a per-item rule's hit), nil for a deal-level hit.
    func itemName(_ kind: Int?, _ item: Int32) -> String? {
        guard item >= 0, let k = kind else { return nil }
        return deal.itemName(k, Int(item))
    }

    /// An evaluator over the deal as it was decided (its values kept, not worked out again).
    func evaluator() -> Evaluator {
        Evaluator(defines: rules.evaluatorDefines, deal: deal, values: values, today: today, frameSize: rules.maxBindings * 4)
    }

    func evaluator(for hit: Hit) -> Evaluator {
        var ev = evaluator()
        ev.beginRule(bindings: rules.rules[Int(hit.rule)].bindingCount, item: hit.item >= 0 ? hit.item : nil)
        return ev
    }

    func required(_ fired: [Hit]) -> [String] {
        var seen = Set<Int>()
        for h in fired { seen.formUnion(rules.rules[Int(h.rule)].approvals) }
        return seen.map { rules.approvals[$0].name }.sorted()
    }

    func outcomes(_ fired: [Hit]) -> [Outcome] {
        var out: [Outcome] = []
        for hit in fired {
            let rule = rules.rules[Int(hit.rule)]
            var ev = evaluator(for: hit)
            let message = rules.message(hit.rule, &ev)
            let explanation = explain ? rules.explanation(rule, ev) : nil
            let item = itemName(rule.itemKind, hit.item)
            if rule.outcome == .require {
                for a in rule.approvals {
                    out.append(Outcome(kind: .require, approval: rules.approvals[a].name, team: rules.approvals[a].team,
                                       rule: rule.name, location: rule.location, item: item, message: message,
                                       explanation: explanation))
                }
            } else {
                out.append(Outcome(kind: rule.outcome, rule: rule.name, location: rule.location, item: item,
                                   message: message, explanation: explanation))
            }
        }
        return out
    }

    /// The facts (and evaluation errors) that leave a rule undecided.
    func missing(_ hit: Hit) -> (missing: [String], errors: [String]) {
        let rule = rules.rules[Int(hit.rule)]
        var ev = evaluator(for: hit)
        var missing: Set<String> = []
        // A rule about items, when the deal does not list them: the list, and the deal's own
        // facts that the rule still needs (its items' fields are not asked for: there are none).
        if let k = rule.itemKind, hit.item < 0 { missing.insert(rules.fields[rules.itemKinds[k].listField!].name) }
        var errors: Set<EvalError> = []
        ev.collectUnknown(rule.condition, rules.fieldNames, &missing, &errors)
        if let unless = rule.unless, ev.eval(rule.condition) != .no { ev.collectUnknown(unless, rules.fieldNames, &missing, &errors) }
        return (missing.sorted(), errors.map(\.rawValue).sorted())
    }

    func undetermined(_ undecided: [Hit]) -> [Undetermined] {
        var out: [Undetermined] = []
        for hit in undecided {
            let rule = rules.rules[Int(hit.rule)]
            let (missing, errors) = self.missing(hit)
            let explanation = explain && !(rule.itemKind != nil && hit.item < 0) ? rules.explanation(rule, evaluator(for: hit)) : nil
            let item = itemName(rule.itemKind, hit.item)
            let approvals: [Int?] = rule.outcome == .require ? rule.approvals.map { $0 } : [nil]
            for a in approvals {
                out.append(Undetermined(kind: rule.outcome, approval: a.map { rules.approvals[$0].name }, team: a.map { rules.approvals[$0].team },
                                        rule: rule.name, location: rule.location, item: item, missing: missing,
                                        errors: errors, explanation: explanation))
            }
        }
        return out
    }
}
