/// Advice as JSON: one form for each thing the REPL tells a salesperson beyond the decision —
/// the facts still missing, what a what-if changes, what would avoid an approval, why (with
/// near misses), and the scenario `:save FILE.rules` would append. The C interface and the
/// HTTP service answer with exactly these; docs/tools.md shows each and
/// `grammar/dealrules-advice.schema.json` fixes their shape.

/// A piece of advice about one deal (`RuleSet.adviceJSON(_:for:today:pretty:)`).
public enum AdviceRequest: Sendable, Hashable {
    /// `:missing`: each fact still needed, with the rules that need it.
    case missing
    /// `:why`: the decision explained, with near misses.
    case why
    /// `:whatif`: what the facts (as the REPL takes them) would make appear and disappear.
    case whatIf([String])
    /// `:avoid`: the changes that would remove an approval, or every denial.
    case avoid(AvoidTarget)
    /// `:save FILE.rules NAME`: the scenario text for the deal as it stands.
    case scenario(name: String)
    /// `:since` (`eval --since`): the deal against the version that was approved — which
    /// approvals still stand and which teams must be asked again, and why. The form is the
    /// deal's decision with a `"since"` member.
    case since(approved: Deal)
}

extension RuleSet {
    /// The advice asked for about `deal`, as JSON (compact, or indented with `pretty`). A
    /// what-if fact that cannot be applied, or an approval that is not declared, throws its
    /// diagnostics.
    public func adviceJSON(_ request: AdviceRequest, for deal: Deal, today: Day? = nil, pretty: Bool = false) throws(LoadError) -> String {
        if case .since(let approved) = request { return sinceJSON(since(approved: approved, deal: deal, today: today), pretty: pretty) }
        let draft = self.draft(of: deal)
        let date = deal.today ?? today ?? Day.localToday()
        var w = JSONWriter(pretty: pretty, capacity: 2048)
        w.beginObject()
        switch request {
        case .since:
            break  // answered above: its form is the decision's own, with "since"
        case .missing:
            w.key("advice")
            w.value("missing")
            missingJSON(decide(deal, today: date), into: &w)
        case .why:
            w.key("advice")
            w.value("why")
            let decision = decide(deal, today: date, explain: true)
            w.key("decision")
            decision.encode(into: &w, index: nil)
            w.key("near_misses")
            w.beginArray()
            for m in nearMisses(deal, today: date) { nearMissJSON(m, into: &w) }
            w.endArray()
        case .whatIf(let facts):
            var changed = draft
            for fact in facts { try apply(fact: fact, to: &changed, today: today) }
            let before = decide(deal, today: date)
            let after = decide(self.deal(from: changed).deal, today: changed.today ?? date)
            w.key("advice")
            w.value("whatif")
            w.field("facts", strings: facts)
            w.field("before", before.kind.rawValue)
            w.field("after", after.kind.rawValue)
            let (appear, disappear) = before.changes(to: after)
            w.key("appear")
            effectsJSON(appear, into: &w)
            w.key("disappear")
            effectsJSON(disappear, into: &w)
            w.key("decision")
            after.encode(into: &w, index: nil)
        case .avoid(let target):
            if case .approval(let name) = target, approval(named: name) == nil {
                throw LoadError(diagnostics: [Diagnostic(.unknownApproval, "`\(name)` is not an approval", at: nil,
                                                         help: Suggestions.didYouMean(name, approvals.map(\.name) + ["deny"])
                                                             ?? "approvals: \(approvals.map(\.name).joined(separator: ", ")); or `deny`")])
            }
            avoidJSON(avoid(target, in: draft, today: today), into: &w)
        case .scenario(let name):
            w.key("advice")
            w.value("scenario")
            w.field("name", name)
            w.field("text", scenarioText(for: draft, name: name, today: today))
        }
        w.endObject()
        return w.string
    }

    // MARK: The forms

    /// The new version's decision with `"since"`: how it stands against the approved one.
    package func sinceJSON(_ r: Reapproval, pretty: Bool) -> String {
        var w = JSONWriter(pretty: pretty, capacity: 2048)
        w.beginObject()
        r.decision.encodeMembers(into: &w, index: nil)
        w.key("since")
        w.beginObject()
        w.field("approved", r.approved.kind.rawValue)
        w.field("must_ask", bool: r.mustAsk)
        w.key("approvals")
        w.beginArray()
        for a in r.approvals {
            w.beginObject()
            w.field("approval", a.approval)
            w.field("team", a.team)
            w.field("status", a.status.rawValue)
            w.key("reasons")
            w.beginArray()
            for reason in a.reasons {
                w.beginObject()
                w.field("rule", reason.rule)
                w.nullable("item", reason.item)
                w.field("change", reason.text)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.key("no_longer_needed")
        w.beginArray()
        for a in r.noLongerNeeded {
            w.beginObject()
            w.field("approval", a.approval)
            w.field("team", a.team)
            w.endObject()
        }
        w.endArray()
        w.key("changes")
        w.beginArray()
        for c in r.changes {
            w.beginObject()
            w.field("kind", c.kind.rawValue)
            w.nullable("field", c.field)
            w.nullable("list", c.list)
            w.nullable("item", c.item)
            w.nullable("old", c.old)
            w.nullable("new", c.new)
            w.field("text", c.text)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        w.endObject()
        return w.string
    }

    func missingJSON(_ d: Decision, into w: inout JSONWriter) {
        w.field("decision", d.kind.rawValue)
        w.key("missing")
        w.beginArray()
        for need in d.factsNeeded {
            w.beginObject()
            w.field("fact", need.fact)
            w.key("needed_by")
            w.beginArray()
            for r in need.rules {
                w.beginObject()
                w.field("rule", r.rule)
                w.field("kind", r.kind.rawValue)
                w.field("items", strings: r.items)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.key("errors")
        w.beginArray()
        for u in d.undetermined.uniqueEntries where !u.errors.isEmpty {
            w.beginObject()
            w.field("rule", u.rule)
            w.nullable("item", u.item)
            w.field("errors", strings: u.errors)
            w.endObject()
        }
        w.endArray()
    }

    func avoidJSON(_ result: AvoidResult, into w: inout JSONWriter) {
        w.key("advice")
        w.value("avoid")
        switch result.target {
        case .approval(let name):
            w.field("target", name)
            w.nullable("team", approval(named: name)?.team)
        case .deny:
            w.field("target", "deny")
            w.nullable("team", nil)
        }
        w.field("present", bool: result.present)
        w.key("suggestions")
        w.beginArray()
        for s in result.suggestions {
            w.beginObject()
            w.key("changes")
            w.beginArray()
            for c in s.changes {
                w.beginObject()
                w.field("fact", c.fact)
                w.field("change", c.description)
                w.nullable("now", c.now)
                w.key("edit")
                c.edit.writeJSON(&w)
                w.endObject()
            }
            w.endArray()
            w.key("brings")
            effectsJSON(s.broughtEffects, into: &w)
            w.key("removes")
            effectsJSON(s.removedEffects, into: &w)
            w.endObject()
        }
        w.endArray()
        w.field("decisions", int: result.decisions)
        w.field("pairs", bool: result.triedPairs)
    }

    func effectsJSON(_ effects: [DecisionEffect], into w: inout JSONWriter) {
        w.beginArray()
        for e in effects {
            w.beginObject()
            w.field("kind", e.kind.rawValue)
            switch e.kind {
            case .require:
                w.nullable("approval", e.approval)
                w.nullable("team", e.team)
            case .deny, .warn:
                w.nullable("rule", e.rule)
                w.nullable("item", e.item)
            case .missing:
                w.nullable("fact", e.fact)
            }
            w.field("label", e.label)
            w.endObject()
        }
        w.endArray()
    }

    func nearMissJSON(_ m: NearMiss, into w: inout JSONWriter) {
        w.beginObject()
        w.field("rule", m.rule)
        w.nullable("item", m.item)
        w.field("fact", m.path)
        w.field("value", m.value)
        w.field("threshold", m.threshold)
        w.field("gap", m.gap)
        w.field("side", m.side)
        w.field("text", m.description)
        w.endObject()
    }
}

extension DealEdit {
    func writeJSON(_ w: inout JSONWriter) {
        w.beginObject()
        switch self {
        case .setField(let field, let value):
            w.field("op", "set_field")
            w.field("field", field)
            w.key("value")
            value.writeJSON(&w)
        case .setItemField(let list, let item, let field, let value):
            w.field("op", "set_item_field")
            w.field("list", list)
            w.field("item", item)
            w.field("field", field)
            w.key("value")
            value.writeJSON(&w)
        case .removeItem(let list, let item):
            w.field("op", "remove_item")
            w.field("list", list)
            w.field("item", item)
        case .replaceItem(let list, let item, let name):
            w.field("op", "replace_item")
            w.field("list", list)
            w.field("item", item)
            w.field("with", name)
        }
        w.endObject()
    }
}

extension JSONWriter {
    /// `"k": "text"`, or `"k": null`.
    mutating func nullable(_ k: StaticString, _ v: String?) {
        key(k)
        if let v { value(v) } else { null() }
    }
}
