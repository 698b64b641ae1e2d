/// Impact analysis of a rule change (`dealrules diff OLD NEW --deals FILE`): every deal decided
/// under both rule sets, and what changed for the deals that changed.
///
/// A deal changes when its decision changes, or when it keeps its decision but gains or loses
/// an outcome (a second approval, a warning) or an undetermined entry. Entries are matched by
/// kind, approval, rule name and item; a message reworded alone is not a change. Rules are
/// matched by name, so an unnamed rule (`FILE:LINE`) that moves to another line shows as one
/// rule lost and another gained: name rules to keep diffs quiet.
package struct ImpactAnalysis: Sendable {
    package let old: RuleSet
    package let new: RuleSet
    package let today: Day

    /// Lines decided so far (blank lines do not count).
    package private(set) var deals = 0
    /// Lines that neither rule set could read, with their errors.
    package private(set) var unreadable: [(index: Int, id: String?, error: Diagnostic)] = []
    package private(set) var changes: [DealChange] = []
    /// How many deals went from one decision to another (counting a deal one side could not read
    /// as going from or to `error`).
    package private(set) var directions: [Direction: Int] = [:]

    /// The directions, most deals first (then by name).
    package var directionsByCount: [(direction: Direction, deals: Int)] {
        directions.map { ($0.key, $0.value) }.sorted { $0.deals != $1.deals ? $0.deals > $1.deals : $0.direction < $1.direction }
    }

    package init(old: RuleSet, new: RuleSet, today: Day) {
        self.old = old
        self.new = new
        self.today = today
    }

    /// A decision, or the error that kept a deal from being read.
    package enum Side: Sendable, Hashable, CustomStringConvertible {
        case decided(DecisionKind)
        case error(Diagnostic)

        package var description: String {
            switch self {
            case .decided(let k): k.rawValue
            case .error: "error"
            }
        }
    }

    package struct Direction: Sendable, Hashable, Comparable {
        package let from: String
        package let to: String

        package static func < (a: Direction, b: Direction) -> Bool { (a.from, a.to) < (b.from, b.to) }
    }

    /// One entry of a decision, as a diff compares them: an outcome that fired, or one left
    /// undetermined.
    package enum Entry: Sendable, Hashable {
        case fired(Outcome)
        case undetermined(Undetermined)

        package var fired: Bool {
            if case .fired = self { return true }
            return false
        }

        package var kind: OutcomeKind { common.kind }
        package var approval: String? { common.approval }
        package var team: String? { common.team }
        package var rule: String { common.rule }
        package var location: SourceLocation { common.location }
        package var item: String? { common.item }

        /// The message of a fired entry.
        package var message: String? {
            if case .fired(let o) = self { return o.message }
            return nil
        }

        /// The missing facts of an undetermined entry.
        package var missing: [String] {
            if case .undetermined(let u) = self { return u.missing }
            return []
        }

        private var common: (kind: OutcomeKind, approval: String?, team: String?, rule: String, location: SourceLocation, item: String?) {
            switch self {
            case .fired(let o): (o.kind, o.approval, o.team, o.rule, o.location, o.item)
            case .undetermined(let u): (u.kind, u.approval, u.team, u.rule, u.location, u.item)
            }
        }

        var key: String { Self.key(fired: fired, kind: kind, approval: approval, rule: rule, item: item) }

        static func key(fired: Bool, kind: OutcomeKind, approval: String?, rule: String, item: String?) -> String {
            "\(fired)\u{1}\(kind.rawValue)\u{1}\(approval ?? "")\u{1}\(rule)\u{1}\(item ?? "")"
        }
    }

    package struct DealChange: Sendable {
        package let index: Int
        /// The deal's `"id"` as raw JSON, when it has one.
        package let id: String?
        package let before: Side
        package let after: Side
        package let gained: [Entry]
        package let lost: [Entry]

        package var decisionChanged: Bool { before != after }
    }

    /// Deals whose decision changed.
    package var changedDecision: Int { changes.count(where: { $0.decisionChanged }) }
    /// Deals that kept their decision but gained or lost an entry.
    package var changedEntries: Int { changes.count(where: { !$0.decisionChanged }) }
    package var unchanged: Int { deals - changes.count - unreadable.count }

    /// Decides one line of JSONL under both rule sets.
    package mutating func add(line bytes: some Collection<UInt8>) {
        let index = deals
        deals += 1
        lastDecisions = nil
        switch (side(old, bytes), side(new, bytes)) {
        case (.failure(let e), .failure):
            unreadable.append((index, old.dealID(json: bytes), e))
        case (.success(let x), .success(let y)):
            lastDecisions = (x, y)
            // Most deals do not change: compare what fired by name before making any message.
            if x.kind == y.kind, Self.identities(x) == Self.identities(y) { return }
            let before = entries(x), after = entries(y)
            let beforeKeys = Set(before.map(\.key)), afterKeys = Set(after.map(\.key))
            record(DealChange(index: index, id: x.id, before: .decided(x.kind), after: .decided(y.kind),
                              gained: after.filter { !beforeKeys.contains($0.key) },
                              lost: before.filter { !afterKeys.contains($0.key) }))
        case (.failure(let e), .success(let y)):
            record(DealChange(index: index, id: y.id, before: .error(e), after: .decided(y.kind), gained: entries(y), lost: []))
        case (.success(let x), .failure(let e)):
            record(DealChange(index: index, id: x.id, before: .decided(x.kind), after: .error(e), gained: [], lost: entries(x)))
        }
    }

    /// The last line's decisions under OLD and NEW, when both could read it (for `diff
    /// --analyze`, which counts the deal in its regions without deciding it again).
    package private(set) var lastDecisions: (old: Decision, new: Decision)?

    /// Counts a line too long to read (of `n` bytes) as unreadable under both.
    package mutating func add(tooLong n: Int) {
        unreadable.append((deals, nil, Diagnostic.lineTooLong(bytes: n, limit: new.limits.maxDealBytes)))
        deals += 1
    }

    private mutating func record(_ c: DealChange) {
        changes.append(c)
        if c.decisionChanged { directions[Direction(from: c.before.description, to: c.after.description), default: 0] += 1 }
    }

    private func side(_ rules: RuleSet, _ bytes: some Collection<UInt8>) -> Result<Decision, Diagnostic> {
        do {
            return .success(rules.decide(try rules.deal(json: bytes), today: today))
        } catch {
            return .failure(error)
        }
    }

    private func entries(_ d: Decision) -> [Entry] {
        d.outcomes.map(Entry.fired) + d.undetermined.map(Entry.undetermined)
    }

    /// The entries' keys (`Entry.key`), straight from what fired and what was left undecided:
    /// no message is made, no value printed.
    private static func identities(_ d: Decision) -> Set<String> {
        let rules = d.context.rules
        var keys = Set<String>()
        for (fired, hits) in [(true, d.fired), (false, d.undecided)] {
            for hit in hits {
                let rule = rules.rules[Int(hit.rule)]
                let item = d.context.itemName(rule.itemKind, hit.item)
                for approval in rule.approvals.isEmpty ? [nil] : rule.approvals.map({ rules.approvals[$0].name }) {
                    keys.insert(Entry.key(fired: fired, kind: rule.outcome, approval: approval, rule: rule.name, item: item))
                }
            }
        }
        return keys
    }
}

extension ImpactAnalysis {
    /// The report for tools (`dealrules diff --format json`; `docs/tools.md` describes it).
    /// With `regions`, the analysis of the change too (`diff --analyze`), as `"analysis"`.
    package func json(old oldName: String, new newName: String, regions: ChangeRegions? = nil, pretty: Bool = true) -> String {
        var w = JSONWriter(pretty: pretty)
        w.beginObject()
        w.field("old", oldName)
        w.field("new", newName)
        for (k, v) in [("deals", deals), ("changed_decision", changedDecision), ("changed_outcomes", changedEntries),
                       ("unchanged", unchanged), ("unreadable", unreadable.count)] {
            w.key(string: k)
            w.value(v)
        }
        w.key("directions")
        w.beginArray()
        for (d, n) in directionsByCount {
            w.beginObject()
            w.field("from", d.from)
            w.field("to", d.to)
            w.field("count", int: n)
            w.endObject()
        }
        w.endArray()
        w.key("changes")
        w.beginArray()
        for c in changes {
            w.beginObject()
            w.field("index", int: c.index)
            w.field("id", raw: c.id)
            side("from", c.before, &w)
            side("to", c.after, &w)
            entries("gained", c.gained, &w)
            entries("lost", c.lost, &w)
            w.endObject()
        }
        w.endArray()
        regions?.writeJSON(&w, withDeals: true)
        w.key("unreadable_lines")
        w.beginArray()
        for u in unreadable {
            w.beginObject()
            w.field("index", int: u.index)
            w.field("id", raw: u.id)
            u.error.writeError(to: &w, key: "error")
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.string
    }

    private func side(_ key: String, _ s: Side, _ w: inout JSONWriter) {
        w.key(string: key)
        w.value(s.description)
        if case .error(let e) = s { e.writeError(to: &w, key: "\(key)_error") }
    }

    private func entries(_ key: String, _ xs: [Entry], _ w: inout JSONWriter) {
        w.key(string: key)
        w.beginArray()
        for e in xs {
            w.beginObject()
            switch e {
            case .fired(let o):
                w.field("status", "fired")
                o.encodeMembers(into: &w)
            case .undetermined(let u):
                w.field("status", "undetermined")
                u.encodeMembers(into: &w)
            }
            w.endObject()
        }
        w.endArray()
    }
}
