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
    /// Every item's values end to end (one array for the deal, not one per item), per item
    /// field: what rules read, the item's own value, else its catalog entry's, else the default.
    var itemValues: [Value] = []
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

    init(fieldCount: Int, kindCount: Int) {
        fields = Array(repeating: .unknown, count: fieldCount)
        items = Array(repeating: [], count: kindCount)
    }
}

extension RuleSet {
    /// A deal with no facts at all.
    public func emptyDeal() -> Deal {
        Deal(fieldCount: fields.count, kindCount: itemKinds.count)
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
    /// What rules read for field `f` of item `i` of kind `k`.
    func value(kind k: Int, item i: Int, field f: Int) -> Value {
        itemValues[Int(items[k][i].valueStart) + f]
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
