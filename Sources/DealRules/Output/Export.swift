/// `dealrules compile --format json`: the checked rule set as a JSON document that a tool in any
/// language can read without knowing the syntax. Its shape is fixed by
/// `grammar/dealrules-rule-set.schema.json` and described in `docs/tools.md`; a field is only
/// ever added, never renamed, within one `format_version`.
extension RuleSet {
    /// The rule set as a JSON document (see `docs/tools.md`).
    public func exportJSON(pretty: Bool = true) -> String {
        var e = Exporter(rules: self, w: JSONWriter(pretty: pretty, capacity: 1 << 16))
        e.document()
        return e.w.string
    }
}

private struct Exporter: ~Copyable {
    let rules: RuleSet
    var w: JSONWriter

    mutating func document() {
        w.beginObject()
        w.field("format", "dealrules.rule-set")
        w.field("format_version", int: 1)
        w.field("dealrules_version", DealRulesVersion.string)
        w.key("files")
        w.beginArray()
        for f in rules.files {
            w.beginObject()
            w.field("path", f.path)
            w.field("kind", f.isCatalog ? "catalog" : "rules")
            w.endObject()
        }
        w.endArray()

        w.key("choices")
        w.beginArray()
        for c in rules.choices {
            w.beginObject()
            w.field("name", c.name)
            w.field("values", strings: c.values)
            w.endObject()
        }
        w.endArray()

        w.key("fields")
        w.beginArray()
        for f in rules.fields { field(f) }
        w.endArray()

        w.key("items")
        w.beginArray()
        for k in rules.itemKinds { itemKind(k) }
        w.endArray()

        w.key("approvals")
        w.beginArray()
        for a in rules.approvals {
            w.beginObject()
            w.field("name", a.name)
            w.field("team", a.team)
            location(a.location)
            w.endObject()
        }
        w.endArray()

        w.key("defines")
        w.beginArray()
        for d in rules.defines {
            w.beginObject()
            w.field("name", d.name)
            w.key("type")
            type(d.type)
            nullable("item", d.itemKind.map { rules.itemKinds[$0].name })
            location(d.location)
            w.key("expression")
            node(d.body)
            w.endObject()
        }
        w.endArray()

        w.key("rules")
        w.beginArray()
        for r in rules.rules { rule(r) }
        w.endArray()

        w.key("scenarios")
        w.beginArray()
        for s in rules.scenarios {
            w.beginObject()
            w.field("name", s.name)
            location(s.location)
            w.field("expectations", strings: s.expectations.map(\.text))
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    mutating func field(_ f: FieldInfo) {
        w.beginObject()
        w.field("name", f.name)
        w.key("type")
        type(f.type)
        w.key("default")
        if let d = f.defaultValue { value(d, f.type) } else { w.null() }
        if let l = f.location { location(l) }
        w.endObject()
    }

    mutating func itemKind(_ k: ItemKind) {
        w.beginObject()
        w.field("name", k.name)
        nullable("list_field", k.listField.map { rules.fields[$0].name })
        w.key("fields")
        w.beginArray()
        for f in k.fields { field(f) }
        w.endArray()
        w.key("catalog")
        if let c = k.catalog {
            w.beginArray()
            for entry in c.entries {
                w.beginObject()
                w.field("name", entry.name)
                w.key("values")
                w.beginObject()
                // Field 0 is the name itself; a field the entry does not give is left out.
                for (i, v) in entry.values.enumerated() where i > 0 && v != .unknown {
                    w.key(string: k.fields[i].name)
                    value(v, k.fields[i].type)
                }
                w.endObject()
                w.endObject()
            }
            w.endArray()
        } else {
            w.null()
        }
        w.endObject()
    }

    mutating func rule(_ r: Rule) {
        w.beginObject()
        w.field("name", r.name)
        w.field("named", bool: r.isNamed)
        w.field("outcome", r.outcome.rawValue)
        w.field("approvals", strings: r.approvals.map { rules.approvals[$0].name })
        nullable("item", r.itemKind.map { rules.itemKinds[$0].name })
        location(r.location)
        w.field("condition_text", r.conditionText)
        w.key("condition")
        node(r.condition)
        child("unless", r.unless)
        w.key("message")
        if let parts = r.message {
            w.beginArray()
            for p in parts {
                w.beginObject()
                switch p {
                case .literal(let s): w.field("text", s)
                case .value(let n, _):
                    w.key("value")
                    node(n)
                }
                w.endObject()
            }
            w.endArray()
        } else {
            w.null()
        }
        w.endObject()
    }

    /// `"location": {"file", "line", "column"}`.
    mutating func location(_ l: SourceLocation) {
        w.key("location")
        w.beginObject()
        w.field("file", l.path)
        w.field("line", int: l.line)
        w.field("column", int: l.column)
        w.endObject()
    }

    // MARK: Types and values

    mutating func type(_ t: ValueType) {
        w.beginObject()
        switch t {
        case .text, .number, .money, .percent, .duration, .date, .flag:
            w.field("kind", rules.typeName(t))
        case .choice(let c):
            w.field("kind", "choice")
            w.field("name", rules.choices[c].name)
        case .item(let k):
            w.field("kind", "item")
            w.field("name", rules.itemKinds[k].name)
        case .list(let e):
            w.field("kind", "list")
            w.key("element")
            type(e)
        case .emptyList:
            w.field("kind", "empty_list")
        }
        w.endObject()
    }

    /// Values as JSON: text and choices as strings, numbers, money and percent (in points) as
    /// exact decimal strings, flags as booleans, dates as `YYYY-MM-DD`, durations as
    /// `{"months", "days"}`, lists as arrays.
    mutating func value(_ v: Value, _ t: ValueType) {
        switch v {
        case .unknown, .none, .failure, .item: w.null()
        case .flag(let b): w.value(b)
        case .number(let f), .money(let f), .percent(let f): w.value(f.formatted(separators: false))
        case .date(let d): w.value(d.description)
        case .duration(let d):
            w.beginObject()
            w.field("months", int: Int(d.months))
            w.field("days", int: Int(d.days))
            w.endObject()
        case .text(let s): w.value(s)
        case .choice(let c): w.value(rules.choices[Int(c.choice)].values[Int(c.value)])
        case .list(let xs):
            w.beginArray()
            for x in xs { value(x, t.element ?? t) }
            w.endArray()
        }
    }

    // MARK: Expressions

    func typeOf(_ n: Node) -> ValueType {
        switch n {
        case .constant(_, let t, _), .list(_, let t), .field(_, let t, _), .itemField(_, _, _, let t, _),
             .aggregateItems(_, _, _, _, _, _, let t, _), .aggregateList(_, _, let t, _), .arithmetic(_, _, _, _, let t):
            return t
        case .itemList(_, let k, _): return .list(.item(k))
        case .item(_, let k, _): return .item(k)
        case .nameOf: return .text
        case .itemNames: return .list(.text)
        case .today: return .date
        case .define(let i, _, _): return rules.defines[i].type
        case .not, .and, .or, .compare, .between, .member, .contains, .inCatalog, .quantified: return .flag
        case .negate(let x), .group(let x): return typeOf(x)
        }
    }

    mutating func node(_ n: Node) {
        if case .group(let inner) = n { return node(inner) }
        w.beginObject()
        switch n {
        case .constant(let v, let t, let text):
            begin("constant", n)
            w.key("value")
            value(v, t)
            w.field("text", text)
        case .list(let xs, _):
            begin("list", n)
            children("elements", xs)
        case .field(let slot, _, _):
            begin("field", n)
            w.field("field", rules.fields[slot].name)
        case .itemList(let slot, _, _):
            begin("items", n)
            w.field("field", rules.fields[slot].name)
        case .item(let binding, _, let name):
            begin("item", n)
            binds(binding, name)
        case .itemField(let binding, let kind, let field, _, let name):
            begin("item_field", n)
            w.field("binding", int: binding)
            w.field("field", rules.itemKinds[kind].fields[field].name)
            w.field("text", name)
        case .nameOf(let x, _):
            begin("name_of", n)
            child("of", x)
        case .itemNames(let slot, _, _):
            begin("item_names", n)
            w.field("field", rules.fields[slot].name)
        case .today:
            begin("today", n)
        case .define(let index, let binding, _):
            begin("define", n)
            w.field("define", rules.defines[index].name)
            w.key("binding")
            if let binding { w.value(binding) } else { w.null() }
        case .not(let x):
            begin("not", n)
            child("operand", x)
        case .negate(let x):
            begin("negate", n)
            child("operand", x)
        case .and(let a, let b):
            begin("and", n)
            children("operands", flatten(n, a, b))
        case .or(let a, let b):
            begin("or", n)
            children("operands", flatten(n, a, b))
        case .arithmetic(let kind, let a, let b, let spelled, _):
            begin("arithmetic", n)
            w.field("op", Self.name(kind))
            w.field("spelled", spelled.rawValue)
            child("left", a)
            child("right", b)
        case .compare(let c, let a, let b, let spelled):
            begin("compare", n)
            w.field("op", Self.name(c))
            w.field("spelled", spelled.rawValue)
            child("left", a)
            child("right", b)
        case .between(let x, let lo, let hi, let negated):
            begin("between", n)
            w.field("negated", bool: negated)
            child("value", x)
            child("low", lo)
            child("high", hi)
        case .member(let x, let list, let negated):
            begin("in", n)
            w.field("negated", bool: negated)
            child("value", x)
            child("list", list)
        case .contains(let list, let x):
            begin("contains", n)
            child("list", list)
            child("value", x)
        case .inCatalog(let x, let kind, let negated):
            begin("in_catalog", n)
            w.field("item", rules.itemKinds[kind].name)
            w.field("negated", bool: negated)
            child("value", x)
        case .quantified(let q, let slot, let kind, let binding, let body, let variable):
            begin("quantified", n)
            w.field("quantifier", q.rawValue)
            w.field("field", rules.fields[slot].name)
            w.field("item", rules.itemKinds[kind].name)
            binds(binding, variable)
            child("body", body)
        case .aggregateItems(let agg, let slot, let kind, let binding, let valueNode, let condition, _, let text):
            begin("aggregate_items", n)
            w.field("aggregate", agg.rawValue)
            w.field("field", rules.fields[slot].name)
            w.field("item", rules.itemKinds[kind].name)
            w.field("binding", int: binding)
            child("of", valueNode)
            child("where", condition)
            w.field("text", text)
        case .aggregateList(let agg, let list, _, let text):
            begin("aggregate_list", n)
            w.field("aggregate", agg.rawValue)
            child("of", list)
            w.field("text", text)
        case .group: break
        }
        w.endObject()
    }

    private mutating func begin(_ kind: String, _ n: Node) {
        w.field("node", kind)
        w.key("type")
        type(typeOf(n))
    }

    private mutating func binds(_ binding: Int, _ variable: String) {
        w.field("binding", int: binding)
        w.field("variable", variable)
    }

    /// `"key": NODE`, or `null` when there is none.
    private mutating func child(_ key: String, _ n: Node?) {
        w.key(string: key)
        if let n { node(n) } else { w.null() }
    }

    /// `"key": "text"`, or `null` when there is none.
    private mutating func nullable(_ key: String, _ text: String?) {
        w.key(string: key)
        if let text { w.value(text) } else { w.null() }
    }

    private mutating func children(_ key: String, _ ns: [Node]) {
        w.key(string: key)
        w.beginArray()
        for x in ns { node(x) }
        w.endArray()
    }

    /// `a and b and c` as one node with three operands, not a chain of two.
    private func flatten(_ n: Node, _ a: Node, _ b: Node) -> [Node] {
        func parts(_ x: Node) -> [Node] {
            switch (n, x) {
            case (.and, .and(let p, let q)), (.or, .or(let p, let q)): parts(p) + parts(q)
            default: [x]
            }
        }
        return parts(a) + parts(b)
    }

    static func name(_ a: Arithmetic) -> String {
        switch a {
        case .add: "add"
        case .subtract: "subtract"
        case .multiply: "multiply"
        case .divide: "divide"
        case .multiplyByPercent: "multiply_by_percent"
        case .divideByPercent: "divide_by_percent"
        case .addDuration: "add_duration"
        case .subtractDuration: "subtract_duration"
        case .durationPlusDate: "duration_plus_date"
        case .daysBetween: "days_between"
        case .addDurations: "add_durations"
        case .subtractDurations: "subtract_durations"
        }
    }

    static func name(_ c: Comparison) -> String {
        switch c {
        case .equal: "equal"
        case .notEqual: "not_equal"
        case .less: "less"
        case .lessEqual: "less_equal"
        case .greater: "greater"
        case .greaterEqual: "greater_equal"
        }
    }
}
