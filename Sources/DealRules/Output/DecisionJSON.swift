extension Decision {
    /// The decision as JSON, in the shape of LANGUAGE.md. In a stream, pass `index` (and the
    /// line carries `"index"` and `"id"`); `pretty` indents it for people.
    public func json(index: Int? = nil, pretty: Bool = false) -> String {
        if pretty {
            var w = JSONWriter(pretty: true)
            write(to: &w, index: index)
            return w.string
        }
        var out: [UInt8] = []
        appendJSON(to: &out, index: index)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the decision as one line of JSON (no line break) to `out`: the stream's fast path,
    /// written straight from what fired, with each rule's head encoded once at load.
    public func appendJSON(to out: inout [UInt8], index: Int? = nil) {
        var t = TextBuffer(json: true, capacity: 1024)
        appendJSON(to: &t, index: index)
        t.appendContents(to: &out)
    }

    /// Writes the JSON line into `t`, which must escape for JSON (`json` set).
    func appendJSON(to t: inout TextBuffer, index: Int?) {
        let rules = context.rules
        t.raw("{")
        if let index {
            t.raw("\"index\":")
            t.append(int: index)
            t.raw(",")
        }
        if let id {
            t.raw("\"id\":")
            t.raw(id)
            t.raw(",")
        }
        switch kind {
        case .approved: t.raw("\"decision\":\"approved")
        case .needsApproval: t.raw("\"decision\":\"needs_approval")
        case .incomplete: t.raw("\"decision\":\"incomplete")
        case .blocked: t.raw("\"decision\":\"blocked")
        }
        t.raw("\",\"required\":[")
        var first = true
        if !fired.isEmpty {
            withUnsafeTemporaryAllocation(of: Bool.self, capacity: rules.approvals.count) { needed in
                needed.initialize(repeating: false)
                for h in fired where rules.plan.outcomes[Int(h.rule)] == .require {
                    for a in rules.rules[Int(h.rule)].approvals { needed[a] = true }
                }
                for a in rules.approvalsByName where needed[a] {
                    if !first { t.raw(",") }
                    first = false
                    t.raw(rules.plan.approvalNames[a])
                }
            }
        }
        t.raw("],\"outcomes\":[")
        first = true
        // Messages need an evaluator (for their values); most deals fire nothing and need none.
        if !fired.isEmpty {
            let plan = rules.plan
            let valueText = rules.valueText(for: context.deal)
            var ev = Evaluator(rules, deal: context.deal, today: context.today)
            for hit in fired {
                // The frame size from the plan; the rule itself is read only for its item kind
                // (and an explanation).
                let r = Int(hit.rule)
                ev.beginRule(bindings: Int(plan.bindings[r]), item: hit.item >= 0 ? hit.item : nil)
                let explanation = context.explain ? rules.explanation(rules.rules[r], ev) : nil
                // The message is written once, into the first outcome; a rule that requires several
                // approvals copies it into the others.
                var message = 0..<0
                let heads = plan.heads.of(rule: r)
                let kind = rules.rules[r].itemKind
                for head in heads {
                    if !first { t.raw(",") }
                    first = false
                    plan.heads.write(head, into: &t)
                    appendItem(kind, hit, &t)
                    t.raw(",\"message\":\"")
                    if head == heads.lowerBound {
                        let start = t.count
                        plan.messages[r].write(into: &t, &ev, valueText)
                        message = start..<t.count
                    } else {
                        t.copy(message)
                    }
                    t.raw("\"")
                    if let explanation { appendExplanation(explanation, &t) }
                    t.raw("}")
                }
            }
        }
        t.raw("],\"undetermined\":[")
        first = true
        for hit in undecided {
            let rule = rules.rules[Int(hit.rule)]
            let (missing, errors) = context.missing(hit)
            let explanation = context.explain && !(rule.itemKind != nil && hit.item < 0)
                ? rules.explanation(rule, context.evaluator(for: hit)) : nil
            for head in rules.plan.heads.of(rule: Int(hit.rule)) {
                if !first { t.raw(",") }
                first = false
                rules.plan.heads.write(head, into: &t)
                appendItem(rule.itemKind, hit, &t)
                t.raw(",\"missing\":")
                appendStrings(missing, &t)
                if !errors.isEmpty {
                    t.raw(",\"errors\":")
                    appendStrings(errors, &t)
                }
                if let explanation { appendExplanation(explanation, &t) }
                t.raw("}")
            }
        }
        t.raw("]}")
    }

    private func appendItem(_ kind: Int?, _ hit: Hit, _ t: inout TextBuffer) {
        guard let name = context.itemName(kind, hit.item) else { return }
        t.raw(",\"item\":\"")
        t.append(name)
        t.raw("\"")
    }

    private func appendStrings(_ xs: [String], _ t: inout TextBuffer) {
        t.raw("[")
        for (i, x) in xs.enumerated() {
            if i > 0 { t.raw(",") }
            t.raw("\"")
            t.append(x)
            t.raw("\"")
        }
        t.raw("]")
    }

    private func appendExplanation(_ e: Explanation, _ t: inout TextBuffer) {
        var w = JSONWriter()
        w.beginObject()
        e.write(to: &w)
        w.endObject()
        // `{` … `}` around the explanation's members: splice them in after a comma.
        t.raw(",")
        w.bytes.withUnsafeBufferPointer { t.raw(UnsafeBufferPointer(rebasing: $0.dropFirst().dropLast())) }
    }

    func write(to w: inout JSONWriter, index: Int?) {
        w.beginObject()
        w.field("index", int: index)
        w.field("id", raw: id)
        w.field("decision", kind.rawValue)
        w.field("required", strings: required)
        w.key("outcomes")
        w.beginArray()
        for o in outcomes {
            w.beginObject()
            o.writeFields(to: &w)
            w.endObject()
        }
        w.endArray()
        w.key("undetermined")
        w.beginArray()
        for u in undetermined {
            w.beginObject()
            u.writeFields(to: &w)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }
}

/// What an outcome and an undetermined entry both begin with: which rule, for which approval
/// and item.
protocol RuleEntry {
    var kind: OutcomeKind { get }
    var approval: String? { get }
    var team: String? { get }
    var rule: String { get }
    var location: SourceLocation { get }
    var item: String? { get }
}

extension RuleEntry {
    /// The members every entry has, into an object the caller has begun.
    func writeHead(to w: inout JSONWriter) {
        w.field("kind", kind.rawValue)
        w.field("approval", approval)
        w.field("team", team)
        w.field("rule", rule)
        w.field("location", location.description)
        w.field("item", item)
    }
}

extension Outcome: RuleEntry {
    /// Its members, into an object the caller has begun.
    func writeFields(to w: inout JSONWriter) {
        writeHead(to: &w)
        w.field("message", message)
        explanation?.write(to: &w)
    }
}

extension Undetermined: RuleEntry {
    /// Its members, into an object the caller has begun.
    func writeFields(to w: inout JSONWriter) {
        writeHead(to: &w)
        w.field("missing", strings: missing)
        if !errors.isEmpty { w.field("errors", strings: errors) }
        explanation?.write(to: &w)
    }
}

extension Explanation {
    func write(to w: inout JSONWriter) {
        w.field("condition", condition)
        w.key("values")
        w.beginObject()
        for (k, v) in values {
            w.key(k)
            if let v { w.value(v) } else { w.null() }
        }
        w.endObject()
    }
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

    /// `"KEY": {"code", "message", "help"}`, into an object the caller has begun.
    func writeError(to w: inout JSONWriter, key: String) {
        w.key(key)
        w.beginObject()
        w.field("code", code.rawValue)
        w.field("message", message)
        w.field("help", help)
        w.endObject()
    }
}
