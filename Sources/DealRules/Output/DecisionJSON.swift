/// The one place a decision's JSON is written (its shape: docs/tools.md): compact, one line,
/// for streams and tools (`eval --deals`, the C interface, `Decision.json()`), or indented for
/// people (`eval --format json`). `diff` writes the entries it gained and lost with the same
/// entry writer.
///
/// Compact output copies each rule's head as the plan encoded it at load (`Plan.Heads`) and
/// writes each message straight from its template; the decision carries the deal's values as
/// deciding read them, so nothing is worked out again but the messages' values.
extension Decision {
    /// The decision as JSON. In a stream, pass `index` (the line then carries `"index"` and
    /// `"id"`); `pretty` indents it for people.
    public func json(index: Int? = nil, pretty: Bool = false) -> String {
        var w = JSONWriter(pretty: pretty, capacity: 1024)
        encode(into: &w, index: index)
        return w.string
    }

    /// Appends the decision as one line of JSON (no line break) to `out`.
    public func appendJSON(to out: inout [UInt8], index: Int? = nil) {
        var w = JSONWriter(capacity: 1024)
        encode(into: &w, index: index)
        w.text.appendContents(to: &out)
    }

    /// Writes the decision into `w`.
    func encode(into w: inout JSONWriter, index: Int?) {
        var frame: [Int32] = []
        encode(into: &w, index: index, frame: &frame)
    }

    /// Writes the decision into `w`, its messages evaluated in `frame`'s storage (a stream keeps
    /// one from decision to decision, so writing messages allocates nothing).
    func encode(into w: inout JSONWriter, index: Int?, frame: inout [Int32]) {
        w.beginObject()
        encodeMembers(into: &w, index: index, frame: &frame)
        w.endObject()
    }

    /// Writes the decision's members into an object `w` has begun: a caller may add its own
    /// after them (`eval --since` adds `"since"`).
    @inline(__always)
    func encodeMembers(into w: inout JSONWriter, index: Int?) {
        var frame: [Int32] = []
        encodeMembers(into: &w, index: index, frame: &frame)
    }

    @inline(__always)
    private func encodeMembers(into w: inout JSONWriter, index: Int?, frame: inout [Int32]) {
        let rules = context.rules, plan = rules.plan
        if !w.pretty, fired.isEmpty, undecided.isEmpty {
            return Self.encodeMembersListingNothing(into: &w, index: index, id: id, kind: kind)
        }
        Self.encodeKind(into: &w, index: index, id: id, kind: kind)
        w.key("required")
        writeRequired(into: &w)
        w.key("outcomes")
        w.beginArray()
        // Messages need an evaluator (for their values); most deals fire nothing and need none.
        if !fired.isEmpty {
            let valueText = rules.valueText(for: context.deal)
            var ev = context.evaluator()
            swap(&ev.frame, &frame)
            defer { swap(&ev.frame, &frame) }
            for hit in fired {
                let r = Int(hit.rule)
                ev.beginRule(bindings: Int(plan.bindings[r]), item: hit.item >= 0 ? hit.item : nil)
                let explanation = context.explain ? rules.explanation(rules.rules[r], ev) : nil
                // The message is written once, into the first entry; a rule that requires several
                // approvals copies it into the others.
                var message = 0..<0
                let heads = plan.heads.of(rule: r)
                for head in heads {
                    writeEntry(into: &w, rules: rules, plan: plan, rule: r, head: head,
                               item: context.itemName(rules.rules[r].itemKind, hit.item), explanation: explanation) { w in
                        w.key("message")
                        w.string { t in
                            if head == heads.lowerBound {
                                let start = t.count
                                plan.messages[r].write(into: &t, &ev, valueText)
                                message = start..<t.count
                            } else {
                                t.copy(message)
                            }
                        }
                    }
                }
            }
        }
        w.endArray()
        w.key("undetermined")
        w.beginArray()
        for hit in undecided {
            let rule = rules.rules[Int(hit.rule)]
            let (missing, errors) = context.missing(hit)
            let explanation = context.explain && !(rule.itemKind != nil && hit.item < 0)
                ? rules.explanation(rule, context.evaluator(for: hit)) : nil
            let heads = plan.heads.of(rule: Int(hit.rule))
            for head in heads {
                writeEntry(into: &w, rules: rules, plan: plan, rule: Int(hit.rule), head: head,
                           item: context.itemName(rule.itemKind, hit.item), explanation: explanation) { w in
                    Self.writeMissing(missing, errors, into: &w)
                }
            }
        }
        w.endArray()
    }

    /// `"index"`, `"id"` and `"decision"`: how every decision's members begin.
    @inline(__always)
    private static func encodeKind(into w: inout JSONWriter, index: Int?, id: String?, kind: DecisionKind) {
        w.field("index", int: index)
        w.field("id", raw: id)
        w.key("decision")
        switch kind {
        case .approved: w.raw("\"approved\"")
        case .needsApproval: w.raw("\"needs_approval\"")
        case .incomplete: w.raw("\"incomplete\"")
        case .blocked: w.raw("\"blocked\"")
        }
    }

    /// The members of a compact decision with nothing fired and nothing undetermined (most deals
    /// of a stream): its lists written in one piece.
    @inline(__always)
    private static func encodeMembersListingNothing(into w: inout JSONWriter, index: Int?, id: String?, kind: DecisionKind) {
        encodeKind(into: &w, index: index, id: id, kind: kind)
        w.text.raw(",\"required\":[],\"outcomes\":[],\"undetermined\":[]")
    }

    /// A whole compact decision with nothing fired and nothing undetermined, written from its
    /// parts, with no `Decision` made (a stream's deciding: Engine/Decide.swift).
    static func encodeListingNothing(into w: inout JSONWriter, index: Int?, id: String?, kind: DecisionKind) {
        w.beginObject()
        encodeMembersListingNothing(into: &w, index: index, id: id, kind: kind)
        w.endObject()
    }

    /// The approvals the rules that fired require, by name, without repeats.
    private func writeRequired(into w: inout JSONWriter) {
        let rules = context.rules, plan = rules.plan
        guard !fired.isEmpty else { return w.stringList(0) { _, _ in } }
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: rules.approvals.count) { needed in
            needed.initialize(repeating: false)
            var count = 0
            for h in fired where plan.outcomes[Int(h.rule)] == .require {
                for a in rules.rules[Int(h.rule)].approvals where !needed[a] {
                    needed[a] = true
                    count += 1
                }
            }
            var next = 0
            w.stringList(count) { w, _ in
                while !needed[rules.approvalsByName[next]] { next += 1 }
                plan.approvalNames[rules.approvalsByName[next]].withUnsafeBufferPointer { w.text.raw($0) }
                next += 1
            }
        }
    }

    /// One entry of this decision: rule `r`'s `head`th head (one per approval it requires),
    /// then the rest of the entry (`writeEntryRest`).
    @inline(__always)
    private func writeEntry(into w: inout JSONWriter, rules: RuleSet, plan: Plan, rule r: Int, head: Int, item: String?,
                            explanation: Explanation?, _ body: (inout JSONWriter) -> Void) {
        w.beginObject()
        if !w.pretty {
            // Compact: as the plan encoded it at load.
            plan.heads.write(head, into: &w)
        } else {
            let rule = rules.rules[r]
            let approval = rule.outcome == .require ? rules.approvals[rule.approvals[head - rules.plan.heads.of(rule: r).lowerBound]] : nil
            EntryHead(kind: rule.outcome, approval: approval?.name, team: approval?.team, rule: rule.name,
                      location: rule.location).write(&w)
        }
        Self.writeEntryRest(into: &w, item: item, explanation: explanation, body)
        w.endObject()
    }

    /// What every entry has after its head: its item, what `body` writes (the message, or what
    /// is missing), and the explanation.
    @inline(__always)
    static func writeEntryRest(into w: inout JSONWriter, item: String?, explanation: Explanation?,
                               _ body: (inout JSONWriter) -> Void) {
        w.field("item", item)
        body(&w)
        explanation?.encode(into: &w)
    }

    static func writeMissing(_ missing: [String], _ errors: [String], into w: inout JSONWriter) {
        w.field("missing", strings: missing)
        if !errors.isEmpty { w.field("errors", strings: errors) }
    }
}

extension Explanation {
    /// `"condition"` and `"values"`, into the entry being written.
    func encode(into w: inout JSONWriter) {
        w.field("condition", condition)
        w.key("values")
        w.beginObject()
        for (k, v) in values {
            w.key(string: k)
            if let v { w.value(v) } else { w.null() }
        }
        w.endObject()
    }
}

extension Outcome {
    /// This outcome's members, as an entry that stands on its own (what `diff` gained or lost).
    func encodeMembers(into w: inout JSONWriter) {
        head.write(&w)
        Decision.writeEntryRest(into: &w, item: item, explanation: explanation) { w in
            w.field("message", message)
        }
    }

    var head: EntryHead { EntryHead(kind: kind, approval: approval, team: team, rule: rule, location: location) }
}

extension Undetermined {
    /// This entry's members, as one that stands on its own (what `diff` gained or lost).
    func encodeMembers(into w: inout JSONWriter) {
        head.write(&w)
        Decision.writeEntryRest(into: &w, item: item, explanation: explanation) { w in
            Decision.writeMissing(missing, errors, into: &w)
        }
    }

    var head: EntryHead { EntryHead(kind: kind, approval: approval, team: team, rule: rule, location: location) }
}

extension Diagnostic {
    /// `{"index": N, "id": …, "error": {"code": …, "message": …, "help": …}}`: the answer to a deal
    /// that cannot be read (a bad line in a stream, a bad deal given to the C interface).
    public func errorJSON(index: Int? = nil, id: String? = nil) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.field("index", int: index)
        w.field("id", raw: id)
        writeError(to: &w, key: "error")
        w.endObject()
        return w.string
    }

    /// `{"error": {"code", "message", "help", "line", "column"}}`: the service's answer to a
    /// request it cannot take (docs/service.md), with the line and column in the request's body
    /// where the problem is, when there is one.
    package func serviceErrorJSON(line: Int? = nil, column: Int? = nil) -> String {
        var w = JSONWriter()
        w.beginObject()
        writeError(to: &w, key: "error") { w in
            w.field("line", int: line)
            w.field("column", int: column)
        }
        w.endObject()
        return w.string
    }

    /// `"KEY": {"code", "message", "help"}`, into an object the caller has begun.
    func writeError(to w: inout JSONWriter, key: String, more: (inout JSONWriter) -> Void = { _ in }) {
        w.key(string: key)
        w.beginObject()
        w.field("code", code.rawValue)
        w.field("message", message)
        w.field("help", help)
        more(&w)
        w.endObject()
    }
}
