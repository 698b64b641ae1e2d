/// Re-approval: a deal was approved, then changed. Which teams must be asked again, and why;
/// which approvals still stand (docs/language.md, "Re-approval").
///
/// Both versions are decided under the rules in force, each on its own `today`. Every approval
/// the approved version required counts as granted. An outcome of the new decision (a rule, and
/// for a per-item rule the item) that requires an approval is **still covered** when the same
/// rule required it for the same item in the approved version and nothing the rule reads has
/// changed: the deal fields it names, its item's fields (catalog values included), the items of
/// a list it counts or quantifies over, and `today` when it reads it. What a rule reads is found
/// from its condition and `unless` (defines followed), not from the values on the day, so a
/// change to any fact the rule names asks again.

/// How the new version of a deal stands against the version that was approved.
package struct Reapproval: Sendable {
    package enum Status: String, Sendable {
        /// The approval was given, and nothing behind it changed.
        case stillCovered = "still_covered"
        /// The approval was given, but an outcome that requires it is new or read a changed value.
        case askAgain = "ask_again"
        /// The approved version did not need it.
        case new
    }

    /// Why an outcome asks again: the change it read (`discount 20% → 25%`), for a rule and item.
    package struct Reason: Sendable, Hashable {
        package let rule: String
        package let item: String?
        package let text: String
    }

    package struct ApprovalState: Sendable {
        package let approval: String
        package let team: String
        package let status: Status
        package let reasons: [Reason]
    }

    /// One fact that differs between the versions.
    package struct Change: Sendable, Hashable {
        package enum Kind: String, Sendable { case field, itemAdded = "item_added", itemRemoved = "item_removed", itemField = "item_field", today }
        package let kind: Kind
        package var field: String?
        package var list: String?
        package var item: String?
        package var old: String?
        package var new: String?
        /// `discount 20% → 25%`, `service "Backup Vault" added`, `service "SIEM": seats 20 → 30`.
        package let text: String
    }

    package let approved: Decision
    package let decision: Decision
    /// Each approval the new decision requires, in its order.
    package let approvals: [ApprovalState]
    /// Approvals the approved version required that the new one does not (name, team).
    package let noLongerNeeded: [(approval: String, team: String)]
    /// What the salesperson changed, field by field and item by item.
    package let changes: [Change]

    /// Whether some approval must be asked for (again, or for the first time).
    package var mustAsk: Bool { approvals.contains { $0.status != .stillCovered } }
}

extension RuleSet {
    /// The new version `deal` against the version that was approved. Each is decided on its
    /// own `"today"`, else `today`, else the local date.
    package func since(approved: Deal, deal: Deal, today: Day? = nil, explain: Bool = false) -> Reapproval {
        let date = today ?? Day.localToday()
        let old = decide(approved, today: approved.today ?? date)
        let new = decide(deal, today: deal.today ?? date, explain: explain)
        let compare = VersionComparison(rules: self, old: approved, new: deal, oldToday: approved.today ?? date,
                                        newToday: deal.today ?? date)
        let granted = Set(old.required)
        let oldOutcomes = Set(old.outcomes.filter { $0.kind == .require }.map { OutcomeKey(rule: $0.rule, item: $0.item) })
        var states: [Reapproval.ApprovalState] = []
        for name in orderedRequired(new) {
            let outcomes = new.outcomes.filter { $0.approval == name }
            var reasons: [Reapproval.Reason] = []
            var askAgain = false
            var seen: Set<OutcomeKey> = []
            for o in outcomes where seen.insert(OutcomeKey(rule: o.rule, item: o.item)).inserted {
                guard let r = ruleIndex[o.rule] else { continue }
                var changed = compare.changedInputs(of: rules[r], item: o.item)
                let wasThere = oldOutcomes.contains(OutcomeKey(rule: o.rule, item: o.item))
                if !wasThere, changed.isEmpty { changed = ["\(o.rule) now fires"] }
                if !wasThere || !changed.isEmpty { askAgain = true }
                reasons += changed.map { Reapproval.Reason(rule: o.rule, item: o.item, text: $0) }
            }
            let status: Reapproval.Status = !granted.contains(name) ? .new : askAgain ? .askAgain : .stillCovered
            states.append(.init(approval: name, team: approval(named: name)?.team ?? name, status: status,
                                reasons: status == .stillCovered ? [] : reasons))
        }
        let gone = old.required.filter { !new.required.contains($0) }.map { ($0, approval(named: $0)?.team ?? $0) }
        return Reapproval(approved: old, decision: new, approvals: states, noLongerNeeded: gone, changes: compare.changes())
    }

    /// The approvals a decision requires, in the order its outcomes name them.
    private func orderedRequired(_ d: Decision) -> [String] {
        var seen: Set<String> = []
        return d.outcomes.compactMap(\.approval).filter { seen.insert($0).inserted }
    }
}

private struct OutcomeKey: Hashable {
    let rule: String
    let item: String?
}

/// What a rule reads, found from its condition: the inputs whose change asks again.
struct RuleInputs {
    /// Deal fields, by slot.
    var fields: Set<Int> = []
    /// Fields of the rule's own item.
    var ownItemFields: Set<Int> = []
    /// Item kinds whose whole list the rule reads (which items there are), with the fields it
    /// reads of every item.
    var lists: [Int: Set<Int>] = [:]
    var today = false

    init(_ rule: Rule, defines: [Define]) {
        var frame: [Int: Origin] = [:]
        if rule.itemKind != nil { frame[0] = .own }
        read(rule.condition, frame, defines)
        if let unless = rule.unless { read(unless, frame, defines) }
    }

    /// Where an item binding's item comes from.
    enum Origin {
        /// The rule's own item (a per-item rule).
        case own
        /// Any item of a list the rule goes through (`any service`, `count of services`).
        case list(Int)
    }

    /// The rule reads which items the list of `kind` holds (their fields are added as read).
    private mutating func readsList(_ kind: Int) {
        if lists[kind] == nil { lists[kind] = [] }
    }

    private mutating func read(_ n: Node, _ frame: [Int: Origin], _ defines: [Define]) {
        switch n {
        case .field(let slot, _, _):
            fields.insert(slot)
        case .itemList(_, let kind, _), .itemNames(_, let kind, _):
            readsList(kind)
        case .item(let binding, let kind, _):
            if case .list? = frame[binding] { readsList(kind) }
        case .itemField(let binding, let kind, let field, _, _):
            switch frame[binding] {
            case .own?: ownItemFields.insert(field)
            case .list?: lists[kind, default: []].insert(field)
            case nil: break
            }
        case .today:
            today = true
        case .define(let index, let binding, _):
            var inner: [Int: Origin] = [:]
            if let binding, let origin = frame[binding] { inner[0] = origin }
            read(defines[index].body, inner, defines)
        case .quantified(_, _, let kind, let binding, let body, _):
            readsList(kind)
            var inner = frame
            inner[binding] = .list(kind)
            read(body, inner, defines)
        case .aggregateItems(_, _, let kind, let binding, let value, let condition, _, _):
            readsList(kind)
            var inner = frame
            inner[binding] = .list(kind)
            if let value { read(value, inner, defines) }
            if let condition { read(condition, inner, defines) }
        case .constant, .list, .nameOf, .not, .and, .or, .negate, .arithmetic, .compare, .between, .member, .contains,
             .inCatalog, .aggregateList, .group:
            for child in n.children { read(child, frame, defines) }
        }
    }
}

/// Two versions of a deal, compared as a rule reads them.
struct VersionComparison {
    let rules: RuleSet
    let old: Deal
    let new: Deal
    let oldToday: Day
    let newToday: Day
    let oldValues: [Value]
    let newValues: [Value]

    init(rules: RuleSet, old: Deal, new: Deal, oldToday: Day, newToday: Day) {
        self.rules = rules
        self.old = old
        self.new = new
        self.oldToday = oldToday
        self.newToday = newToday
        oldValues = rules.effectiveValues(old)
        newValues = rules.effectiveValues(new)
    }

    /// What changed of what the rule reads (for `item`, its own item), as the salesperson
    /// would say it; empty when nothing did.
    func changedInputs(of rule: Rule, item: String?) -> [String] {
        let inputs = RuleInputs(rule, defines: rules.defines)
        var out: [String] = []
        for slot in inputs.fields.sorted() where !same(oldValues[slot], newValues[slot]) {
            out.append(fieldChange(slot))
        }
        if let k = rule.itemKind, let item, let j = new.itemNames(k).firstIndex(of: item) {
            if let i = old.itemNames(k).firstIndex(of: item) {
                for f in inputs.ownItemFields.sorted() {
                    let a = old.value(kind: k, item: i, field: f), b = new.value(kind: k, item: j, field: f)
                    if !same(a, b) { out.append(itemFieldChange(k, item, f, a, b)) }
                }
            } else {
                out.append("\(rules.itemKinds[k].name) \(ValueText.quoted(item)) added")
            }
        }
        for (k, fields) in inputs.lists.sorted(by: { $0.key < $1.key }) {
            out += listChanges(k, fields: fields)
        }
        if inputs.today, oldToday != newToday { out.append("today \(oldToday) → \(newToday)") }
        var seen: Set<String> = []
        return out.filter { seen.insert($0).inserted }
    }

    /// Everything that differs between the versions: each field the deal gives, each item, `today`.
    func changes() -> [Reapproval.Change] {
        var out: [Reapproval.Change] = []
        for (slot, field) in rules.fields.enumerated() {
            if case .list(.item(let k)) = field.type {
                let oldNames = old.itemNames(k), newNames = new.itemNames(k), names = Set(oldNames)
                for name in oldNames where !newNames.contains(name) {
                    out.append(.init(kind: .itemRemoved, list: field.name, item: name,
                                     text: "\(rules.itemKinds[k].name) \(ValueText.quoted(name)) removed"))
                }
                for (j, name) in newNames.enumerated() {
                    guard names.contains(name), let i = oldNames.firstIndex(of: name) else {
                        out.append(.init(kind: .itemAdded, list: field.name, item: name,
                                         text: "\(rules.itemKinds[k].name) \(ValueText.quoted(name)) added"))
                        continue
                    }
                    for f in rules.itemKinds[k].fields.indices.dropFirst() {
                        let a = old.value(kind: k, item: i, field: f), b = new.value(kind: k, item: j, field: f)
                        guard !same(a, b) else { continue }
                        out.append(.init(kind: .itemField, field: rules.itemKinds[k].fields[f].name, list: field.name, item: name,
                                         old: shown(a), new: shown(b), text: itemFieldChange(k, name, f, a, b)))
                    }
                }
            } else if !same(old.fields[slot], new.fields[slot]) {
                out.append(.init(kind: .field, field: field.name, old: shown(old.fields[slot]), new: shown(new.fields[slot]),
                                 text: change(field.name, old.fields[slot], new.fields[slot])))
            }
        }
        if oldToday != newToday {
            out.append(.init(kind: .today, old: oldToday.description, new: newToday.description,
                             text: "today \(oldToday) → \(newToday)"))
        }
        return out
    }

    // MARK: Words

    private func fieldChange(_ slot: Int) -> String {
        change(rules.fields[slot].name, oldValues[slot], newValues[slot])
    }

    private func itemFieldChange(_ k: Int, _ item: String, _ f: Int, _ a: Value, _ b: Value) -> String {
        "\(rules.itemKinds[k].name) \(ValueText.quoted(item)): " + change(rules.itemKinds[k].fields[f].name, a, b)
    }

    /// Names the items of a list that came, went, or changed in a field the rule reads.
    private func listChanges(_ k: Int, fields: Set<Int>) -> [String] {
        let kind = rules.itemKinds[k].name
        var out: [String] = []
        let listSlot = rules.itemKinds[k].listField
        if let listSlot, oldValues[listSlot].isKnown != newValues[listSlot].isKnown {
            return [change(rules.fields[listSlot].name, oldValues[listSlot].isKnown ? .list([]) : .unknown,
                           newValues[listSlot].isKnown ? .list([]) : .unknown)]
        }
        let oldNames = old.itemNames(k), newNames = new.itemNames(k)
        for name in oldNames where !newNames.contains(name) {
            out.append("\(kind) \(ValueText.quoted(name)) removed")
        }
        for (j, name) in newNames.enumerated() {
            guard let i = oldNames.firstIndex(of: name) else {
                out.append("\(kind) \(ValueText.quoted(name)) added")
                continue
            }
            for f in fields.sorted() {
                let a = old.value(kind: k, item: i, field: f), b = new.value(kind: k, item: j, field: f)
                if !same(a, b) { out.append(itemFieldChange(k, name, f, a, b)) }
            }
        }
        return out
    }

    private func change(_ name: String, _ a: Value, _ b: Value) -> String {
        "\(name) \(shown(a) ?? "not given") → \(shown(b) ?? "not given")"
    }

    private func shown(_ v: Value) -> String? {
        v.isKnown || v == .none ? ValueText(choices: rules.choices).text(v, quoteText: true) : nil
    }

    /// Equal as the language compares them, lists as sets (a value given in another order is
    /// not a change); a duration written another way is (`12 months`, `1 year` read alike).
    private func same(_ a: Value, _ b: Value) -> Bool {
        if case .list(let xs) = a, case .list(let ys) = b {
            let text = ValueText(choices: rules.choices)
            return xs.map { text.text($0) }.sorted() == ys.map { text.text($0) }.sorted()
        }
        return a == b
    }
}

extension Reapproval {
    /// The approvals to ask for, in a clause for a one-line summary: `ask Service Delivery again
    /// (service "Backup Vault" added)`, `ask Legal (new: data_residency no → yes)`; nil when
    /// every approval still stands.
    package var askClause: String? {
        let parts = approvals.compactMap { a -> String? in
            let why = a.reasons.first.map { " (\(a.status == .new ? "new: " : "")\($0.text))" } ?? ""
            switch a.status {
            case .stillCovered: return nil
            case .askAgain: return "ask \(a.team) again" + why
            case .new: return "ask \(a.team)" + why
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// The teams whose approval still stands.
    package var stillStanding: [String] { approvals.filter { $0.status == .stillCovered }.map(\.team) }

    /// The comparison for people, after the decision (`eval --since`, the REPL's `:since`).
    package func render(color: Bool = false) -> String {
        func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        var out = paint("Since the approved version", "1") + " (it was \(approved.kind.rawValue.replacingUnderscores))\n"
        switch decision.kind {
        case .blocked: out += "  the new version is blocked: a rule denies it, whatever is approved\n"
        case .incomplete: out += "  the new version is incomplete: facts are missing, so more approvals may follow\n"
        case .approved, .needsApproval: break
        }
        for a in approvals where a.status != .stillCovered {
            let head = a.status == .askAgain ? paint("ask again", "1;33") : paint("new", "1;33")
            out += "  \(head): \(a.team) (\(a.approval))\n"
            for r in a.reasons {
                out += "      \(r.text)" + paint(" — \(r.rule)" + (r.item.map { " for \($0)" } ?? ""), "2") + "\n"
            }
        }
        let still = approvals.filter { $0.status == .stillCovered }
        if !still.isEmpty {
            out += "  \(paint("still approved", "32")): " + still.map { "\($0.team) (\($0.approval))" }.joined(separator: ", ") + "\n"
        }
        if !noLongerNeeded.isEmpty {
            out += "  no longer needed: " + noLongerNeeded.map { "\($0.team) (\($0.approval))" }.joined(separator: ", ") + "\n"
        }
        if approvals.isEmpty, noLongerNeeded.isEmpty { out += "  no approval is needed, before or now\n" }
        out += "  changed: " + (changes.isEmpty ? "nothing" : changes.map(\.text).joined(separator: "; ")) + "\n"
        return out
    }
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
