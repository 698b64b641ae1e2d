/// `dealrules compile --deal-schema` and the service's `GET /v1/deal-schema`: a JSON Schema
/// (draft 2020-12) of a deal these rules read, derived from the declarations, so that a CRM can
/// check a deal before it sends it and build a form from it (docs/tools.md, "A deal's schema").
///
/// The schema says what the deal reader accepts and no more: each field's JSON types (money and
/// percent as a number or a string, a duration as a string), a choice's values as an `enum`,
/// each item kind as an object under `$defs` with its catalog's names as `examples` (an item
/// need not be in the catalog), `null` for "not given", no field required (a deal without a
/// fact is decided INCOMPLETE, not refused), no key that is not declared. What a string must
/// say (`"$1,200"`, `"18 months"`) is the reader's to judge: the schema gives examples, not a
/// pattern that could drift from it. `"x-dealrules-type"` names each field's type as the rules
/// write it (`money`, `list of service`).
extension RuleSet {
    package func dealSchemaJSON(pretty: Bool = true) -> String {
        var s = DealSchemaWriter(rules: self, w: JSONWriter(pretty: pretty, capacity: 1 << 13))
        s.document()
        return s.w.string
    }
}

private struct DealSchemaWriter: ~Copyable {
    let rules: RuleSet
    var w: JSONWriter

    mutating func document() {
        w.beginObject()
        w.field("$schema", "https://json-schema.org/draft/2020-12/schema")
        w.field("title", "A deal")
        w.field("description", "A deal these rules decide: the declared fields by name, each optional (a fact not given is missing), plus \"id\" (echoed) and \"today\" (the deal's own date).")
        w.field("type", "object")
        w.key("properties")
        w.beginObject()
        w.key("id")
        w.beginObject()
        w.field("description", "Any JSON value; echoed verbatim in the decision.")
        w.endObject()
        w.key("today")
        w.beginObject()
        w.field("description", "The date the deal is decided as of (else the caller's today).")
        typeMembers(.date)
        w.endObject()
        for f in rules.fields { field(f) }
        w.endObject()
        w.field("additionalProperties", bool: false)
        if !rules.itemKinds.isEmpty {
            w.key("$defs")
            w.beginObject()
            for k in rules.itemKinds { itemKind(k) }
            w.endObject()
        }
        w.endObject()
    }

    /// `"NAME": {schema, or null}`.
    mutating func field(_ f: FieldInfo) {
        w.key(string: f.name)
        w.beginObject()
        w.field("x-dealrules-type", rules.typeName(f.type))
        w.key("anyOf")
        w.beginArray()
        w.beginObject()
        typeMembers(f.type)
        w.endObject()
        w.beginObject()
        w.field("type", "null")
        w.endObject()
        w.endArray()
        w.endObject()
    }

    mutating func itemKind(_ k: ItemKind) {
        w.key(string: k.name)
        w.beginObject()
        w.field("type", "object")
        w.key("properties")
        w.beginObject()
        w.key("name")
        w.beginObject()
        w.field("type", "string")
        if let c = k.catalog, !c.entries.isEmpty {
            w.field("description", "Catalog names are examples: an item need not be in the catalog.")
            w.field("examples", strings: c.entries.map(\.name))
        }
        w.endObject()
        for f in k.fields.dropFirst() { field(f) }
        w.endObject()
        w.field("required", strings: ["name"])
        w.field("additionalProperties", bool: false)
        w.endObject()
    }

    /// The members of a schema for a value of type `t` (into an object the caller has begun).
    mutating func typeMembers(_ t: ValueType) {
        switch t {
        case .text:
            w.field("type", "string")
        case .number:
            w.field("type", "number")
        case .money:
            w.field("type", strings: ["number", "string"])
            examples(number: 1200, text: "$1,200")
        case .percent:
            w.field("type", strings: ["number", "string"])
            w.field("description", "Points: 25 is 25%; or a string \"25%\".")
            examples(number: 25, text: "25%")
        case .duration:
            w.field("type", "string")
            w.field("examples", strings: ["12 months", "30 days", "1 year 2 months"])
        case .date:
            w.field("type", "string")
            w.field("format", "date")
        case .flag:
            w.field("type", "boolean")
        case .choice(let c):
            w.field("type", "string")
            w.field("enum", strings: rules.choices[c].values)
        case .item(let k):
            w.field("$ref", "#/$defs/\(rules.itemKinds[k].name)")
        case .list(let element):
            w.field("type", "array")
            w.key("items")
            w.beginObject()
            typeMembers(element)
            w.endObject()
            w.field("maxItems", int: rules.limits.maxListLength)
            if case .item = element {
                w.field("description", "Item names are unique within the list.")
            }
        case .emptyList:
            w.field("type", "array")
            w.field("maxItems", int: 0)
        }
    }

    mutating func examples(number: Int, text: String) {
        w.key("examples")
        w.beginArray()
        w.value(number)
        w.value(text)
        w.endArray()
    }
}
