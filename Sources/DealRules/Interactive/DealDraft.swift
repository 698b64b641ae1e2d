/// A deal built fact by fact and kept by names, as JSON values (`"25%"`, `"EU"`, items as
/// objects). It outlives any one rule set, so it survives a reload; it is what the REPL shows,
/// saves and restores, and what a scenario builds.
package struct DealDraft: Sendable, Hashable {
    /// Deal fields by name; an item list is a list of objects with `"name"`.
    package var fields: [String: DealValue] = [:]
    /// The date the deal is evaluated on, when it has its own (`today = …`).
    package var today: Day?
    /// The deal's `"id"`, when it has one.
    package var id: DealValue?

    package init() {}

    package var isEmpty: Bool { fields.isEmpty && today == nil && id == nil }

    /// The draft as one JSON object: its fields, `"today"` and `"id"`.
    package var jsonValue: DealValue {
        var o = fields
        if let today { o["today"] = .text(today.description) }
        if let id { o["id"] = id }
        return .object(o)
    }

    /// The draft as JSON text (keys sorted).
    package func json(pretty: Bool = false) -> String {
        var w = JSONWriter(pretty: pretty)
        jsonValue.writeJSON(&w)
        return w.string
    }

    /// A draft from a deal's JSON object (what `json()` writes): `"today"` and `"id"` are taken
    /// out, every other key is a field, whatever the rule set says of it.
    package init(jsonValue: DealValue) {
        var o = jsonValue.objectMembers
        if case .text(let t)? = o.removeValue(forKey: "today") { today = Day.parse(t) }
        if let id = o.removeValue(forKey: "id"), id != .null { self.id = id }
        fields = o.filter { $0.value != .null }
    }
}

/// A fact of a draft that the current rule set cannot read: kept aside, never dropped.
package struct SetAside: Sendable, Hashable {
    /// `discount`, or `services[2]` for an item.
    package let path: String
    package let value: DealValue
    package let reason: String
}

extension RuleSet {
    // MARK: Values as JSON

    /// A value as the JSON a deal gives it in: money as `"$1,200"`, percents as `"25%"`.
    package func dealValue(_ v: Value, in deal: Deal? = nil, kind: Int? = nil) -> DealValue {
        switch v {
        case .unknown, .none, .failure: return .null
        case .flag(let b): return .bool(b)
        case .number(let f): return .number(f.plain)
        case .money(let f): return .text(f.moneyText)
        case .percent(let f): return .text(f.percentText)
        case .date(let d): return .text(d.description)
        case .duration(let d): return .text(d.description)
        case .text(let s): return .text(s)
        case .choice: return .text(ValueText(choices: choices).text(v))
        case .list(let xs): return .list(xs.map { dealValue($0, in: deal, kind: kind) })
        case .item(let i):
            guard let deal, let kind, Int(i) < deal.items[kind].count else { return .null }
            return .text(deal.itemName(kind, Int(i)))
        }
    }

    // MARK: Drafts and deals

    /// The deal a draft describes, and the facts that do not fit these declarations.
    package func deal(from draft: DealDraft) -> (deal: Deal, aside: [SetAside]) {
        if let deal = try? deal(draft.jsonValue.objectMembers) { return (deal, []) }
        // Something does not fit: keep what does, fact by fact, and set the rest aside.
        var kept: [String: DealValue] = [:]
        var aside: [SetAside] = []
        if let today = draft.today { kept["today"] = .text(today.description) }
        if let id = draft.id { kept["id"] = id }
        for (name, value) in draft.fields.sorted(by: { $0.key < $1.key }) {
            if case .list(let items) = value, let f = fieldIndex[name], case .list(.item) = fields[f].type {
                var good: [DealValue] = []
                for (i, item) in items.enumerated() {
                    do {
                        _ = try deal([name: .list(good + [item])])
                        good.append(item)
                    } catch {
                        aside.append(SetAside(path: "\(name)[\(i)]", value: item, reason: error.message))
                    }
                }
                kept[name] = .list(good)
                continue
            }
            do {
                _ = try deal([name: value])
                kept[name] = value
            } catch {
                aside.append(SetAside(path: name, value: value, reason: error.message))
            }
        }
        return ((try? deal(kept)) ?? emptyDeal(), aside)
    }

    /// The draft of a deal: what it gives, by name (not what the catalog fills in).
    package func draft(of deal: Deal) -> DealDraft {
        var d = DealDraft()
        d.today = deal.today
        d.id = deal.id.flatMap { try? DealValue.parse(json: Array($0.utf8)) }
        for (i, f) in fields.enumerated() where deal.fields[i].isKnown {
            if case .list(.item(let k)) = f.type {
                d.fields[f.name] = .list(deal.items[k].map { item(itemKinds[k], k, $0, in: deal) })
            } else {
                d.fields[f.name] = dealValue(deal.fields[i], in: deal)
            }
        }
        return d
    }

    private func item(_ kind: ItemKind, _ k: Int, _ item: Deal.Item, in deal: Deal) -> DealValue {
        var o: [String: DealValue] = ["name": .text(deal.name(of: item, kind: k))]
        for f in kind.fields.indices.dropFirst() where item.givenFields.contains(f) {
            o[kind.fields[f].name] = dealValue(deal.itemValues[Int(item.valueStart) + f])
        }
        return .object(o)
    }

    /// The draft as fact statements, in declaration order: what `:deal` shows and a scenario holds.
    package func factStatements(_ draft: DealDraft) -> [String] {
        var out: [String] = []
        for f in fields {
            guard let v = draft.fields[f.name] else { continue }
            if case .list(.item(let k)) = f.type, case .list(let items) = v {
                if items.isEmpty { out.append("\(f.name) = []") }
                for case .object(let o) in items {
                    guard case .text(let name)? = o["name"] else { continue }
                    var line = "add \(itemKinds[k].name) \(ValueText.quoted(name))"
                    let given = itemKinds[k].fields.dropFirst().compactMap { field in
                        o[field.name].map { "\(field.name) = \(literal($0, field.type))" }
                    }
                    if !given.isEmpty { line += " with " + given.joined(separator: ", ") }
                    out.append(line)
                }
            } else {
                out.append("\(f.name) = \(literal(v, f.type))")
            }
        }
        if let today = draft.today { out.append("today = \(today.description)") }
        return out
    }

    /// What `next` changes in the items `draft` already had, one line per item, such as
    /// `"SIEM" was already in the deal: seats 20 → 3`. Adding an item that is already there
    /// updates it, and the REPL says so rather than leave it looking like a second one.
    package func itemUpdates(from draft: DealDraft, to next: DealDraft) -> [String] {
        var out: [String] = []
        for f in fields {
            guard case .list(.item(let k)) = f.type, case .list(let before)? = draft.fields[f.name],
                  case .list(let after)? = next.fields[f.name] else { continue }
            for item in after {
                guard let name = item.itemName, let old = before.first(where: { $0.itemName == name }), old != item else { continue }
                let was = old.objectMembers, now = item.objectMembers
                let changes = itemKinds[k].fields.dropFirst().compactMap { field -> String? in
                    guard was[field.name] != now[field.name] else { return nil }
                    func shown(_ v: DealValue?) -> String { v.map { literal($0, field.type) } ?? "not given" }
                    return "\(field.name) \(shown(was[field.name])) → \(shown(now[field.name]))"
                }
                if !changes.isEmpty { out.append("\(ValueText.quoted(name)) was already in the deal: " + changes.joined(separator: ", ")) }
            }
        }
        return out
    }

    /// A JSON value written as the literal of its type (`25%`, `"Fabrikam"`, `[US, EU]`).
    func literal(_ v: DealValue, _ type: ValueType) -> String {
        switch (v, type) {
        case (.text(let s), .text): return ValueText.quoted(s)
        case (.text(let s), .percent) where !s.hasSuffix("%"): return s + "%"
        case (.number(let n), .percent): return (Fixed.parse(n).map { $0.percentText }).successValue ?? n + "%"
        case (.number(let n), .money): return (Fixed.parse(n).map { $0.moneyText }).successValue ?? "$" + n
        case (.number(let n), _): return (Fixed.parse(n).map { $0.formatted() }).successValue ?? n
        case (.text(let s), _): return s
        case (.bool(let b), _): return b ? "yes" : "no"
        case (.list(let xs), .list(let e)): return "[" + xs.map { literal($0, e) }.joined(separator: ", ") + "]"
        case (.list(let xs), _): return "[" + xs.map { literal($0, .text) }.joined(separator: ", ") + "]"
        case (.null, _): return "unknown"
        case (.object, _): return "{…}"
        }
    }
}

extension Result {
    var successValue: Success? {
        if case .success(let s) = self { return s }
        return nil
    }
}

extension DealValue {
    var objectMembers: [String: DealValue] {
        if case .object(let o) = self { return o }
        return [:]
    }
}
