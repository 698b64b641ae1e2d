/// The facts of one deal, laid out for one rule set: one value per deal field (by slot) and
/// the line items of each kind. A deal is made by `RuleSet.deal(json:)`, `RuleSet.deal(_:)` or
/// fact statements, and only means something to the rule set that made it.
public struct Deal: Sendable, Hashable {
    public struct Item: Sendable, Hashable {
        public let name: String
        /// Its catalog entry, or -1 when its name is not in the catalog.
        let catalogEntry: Int32
        /// Which item fields the deal gave (the others come from the catalog or a default).
        var givenFields: FieldSet
        /// Where its values start in the deal's `itemValues`.
        let valueStart: Int32

        public var isInCatalog: Bool { catalogEntry >= 0 }
    }

    /// Given values per deal field; `.unknown` where the deal gives none. A list of items
    /// is `.list([])` here when given, its items being in `items`.
    var fields: [Value]
    /// Items per item kind, in the order the deal lists them.
    var items: [[Item]]
    /// Every item's own values end to end (one array for the deal, not one per item), per item
    /// field: a value where the item gives one (`givenFields`), `.unknown` elsewhere. What rules
    /// read is `value(kind:item:field:)`, which fills in the rest from `itemFill`.
    var itemValues: [Value] = []
    /// The catalog values and defaults of the rule set that made the deal.
    let itemFill: ItemFill
    /// This deal's evaluation date, when it carries one (`"today"` in JSON, `today = …`).
    public var today: Day?
    /// The deal's `"id"`, as the raw JSON text it was given in (echoed verbatim).
    public var id: String?

    /// Back to no facts at all, keeping the storage.
    mutating func reset() {
        for i in fields.indices { fields[i] = .unknown }
        for k in items.indices where !items[k].isEmpty { items[k].removeAll(keepingCapacity: true) }
        itemValues.removeAll(keepingCapacity: true)
        today = nil
        id = nil
    }

    init(fieldCount: Int, kindCount: Int, itemFill: ItemFill = .none) {
        fields = Array(repeating: .unknown, count: fieldCount)
        items = Array(repeating: [], count: kindCount)
        self.itemFill = itemFill
    }
}

/// What an item reads for a field it does not give: its catalog entry's value, else the field's
/// default, else unknown. Made once per rule set and shared by every deal it reads, so reading
/// an item copies none of its catalog values.
final class ItemFill: Sendable, Hashable {
    /// Per item kind, per catalog entry, per field.
    let entries: [[[Value]]]
    /// Per item kind, per field: for an item not in the catalog.
    let defaults: [[Value]]

    init(entries: [[[Value]]], defaults: [[Value]]) {
        self.entries = entries
        self.defaults = defaults
    }

    static let none = ItemFill(entries: [], defaults: [])

    /// Equal when they fill in the same values (two loads of the same rules are equal).
    static func == (a: ItemFill, b: ItemFill) -> Bool { a === b || (a.defaults == b.defaults && a.entries == b.entries) }
    func hash(into h: inout Hasher) { h.combine(defaults) }
}

extension RuleSet {
    /// A deal with no facts at all.
    public func emptyDeal() -> Deal {
        Deal(fieldCount: fields.count, kindCount: itemKinds.count, itemFill: itemFill)
    }

    /// The values rules read: what the deal gives, else the field's default, else unknown.
    /// (The deal's own array, not a copy, when no default applies.)
    func effectiveValues(_ deal: Deal) -> [Value] {
        guard defaultSlots.contains(where: { !deal.fields[$0].isKnown }) else { return deal.fields }
        var values = deal.fields
        for i in defaultSlots where !values[i].isKnown {
            values[i] = fields[i].defaultValue!
        }
        return values
    }
}

extension Deal {
    /// What rules read for field `f` of item `i` of kind `k`: its name (field 0), the value it
    /// gives, else its catalog entry's, else the field's default.
    @inline(__always)
    func value(kind k: Int, item i: Int, field f: Int) -> Value {
        // The item's parts one at a time: a copy of the whole item would retain its name.
        if f == 0 { return .text(items[k][i].name) }
        if items[k][i].givenFields.contains(f) { return itemValues[Int(items[k][i].valueStart) + f] }
        let e = Int(items[k][i].catalogEntry)
        return e >= 0 ? itemFill.entries[k][e][f] : itemFill.defaults[k][f]
    }

    /// The value given for a deal field, by name; nil when it is not declared.
    public func given(_ field: String, in rules: RuleSet) -> Value? {
        rules.fieldIndex[field].map { fields[$0] }
    }

    /// The deal's items of one kind, by the kind's name.
    public func items(_ kind: String, in rules: RuleSet) -> [Item] {
        rules.itemKindIndex[kind].map { items[$0] } ?? []
    }
}
