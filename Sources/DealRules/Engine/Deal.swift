/// The facts of one deal, laid out for one rule set: one value per deal field (by slot) and
/// the line items of each kind. A deal is made by `RuleSet.deal(json:)`, `RuleSet.deal(_:)` or
/// fact statements, and only means something to the rule set that made it.
public struct Deal: Sendable, Hashable {
    package struct Item: Sendable, Hashable {
        /// Its name when it is not in the catalog; nil when it is (the catalog's name is the
        /// item's: `Deal.itemName`). So reading an item of the catalog copies no name, and
        /// retains and releases none.
        let ownName: String?
        /// Its catalog entry, or -1 when its name is not in the catalog.
        let catalogEntry: Int32
        /// Which item fields the deal gave (the others come from the catalog or a default).
        var givenFields: FieldSet
        /// Where its values start in the deal's `itemValues`.
        let valueStart: Int32

        package var isInCatalog: Bool { catalogEntry >= 0 }
    }

    /// The deal's parts, in one shared object: copying a deal (into a decision, an evaluator,
    /// a caller's array) retains one object, not each of its arrays. Copied on first write
    /// when shared, so a `Deal` is still a value.
    private var storage: Storage

    /// Given values per deal field; `.unknown` where the deal gives none. A list of items
    /// is `.list([])` here when given, its items being in `items`.
    var fields: [Value] {
        _read { yield storage.fields }
        _modify {
            makeUnique()
            yield &storage.fields
        }
    }
    /// Items per item kind, in the order the deal lists them.
    var items: [[Item]] {
        _read { yield storage.items }
        _modify {
            makeUnique()
            yield &storage.items
        }
    }
    /// Every item's own values end to end (one array for the deal, not one per item), per item
    /// field: a value where the item gives one (`givenFields`), `.unknown` elsewhere. What rules
    /// read is `value(kind:item:field:)`, which fills in the rest from `itemFill`.
    var itemValues: ItemValues {
        _read { yield storage.itemValues }
        _modify {
            makeUnique()
            yield &storage.itemValues
        }
    }
    /// The catalog values and defaults of the rule set that made the deal.
    var itemFill: ItemFill { storage.itemFill }
    /// This deal's evaluation date, when it carries one (`"today"` in JSON, `today = …`).
    public var today: Day? {
        get { storage.today }
        set {
            makeUnique()
            storage.today = newValue
        }
    }
    /// The deal's `"id"`, as the raw JSON text it was given in (echoed verbatim).
    public var id: String? {
        get { storage.id }
        set {
            makeUnique()
            storage.id = newValue
        }
    }

    /// The items of kind `k` and the item values, to be written together (one access to the
    /// deal: two through the accessors above would overlap).
    mutating func withItems<R, E: Error>(_ k: Int, _ body: (inout [Item], inout ItemValues) throws(E) -> R) throws(E) -> R {
        makeUnique()
        return try body(&storage.items[k], &storage.itemValues)
    }

    /// The deal's fields, items and item values, to be written together in one access.
    mutating func withParts<R, E: Error>(_ body: (inout [Value], inout [[Item]], inout ItemValues) throws(E) -> R) throws(E) -> R {
        makeUnique()
        let s = storage
        return try body(&s.fields, &s.items, &s.itemValues)
    }

    /// Back to no facts at all, keeping the storage.
    mutating func reset() {
        makeUnique()
        let s = storage
        // In place, with one check that the array is not shared (not one per field).
        s.fields.withUnsafeMutableBufferPointer { fields in
            for i in fields.indices { fields[i] = .unknown }
        }
        for k in s.items.indices where !s.items[k].isEmpty { s.items[k].removeAll(keepingCapacity: true) }
        s.itemValues.removeAll()
        s.today = nil
        s.id = nil
    }

    init(fieldCount: Int, kindCount: Int, itemFill: ItemFill = .none) {
        storage = Storage(fields: Array(repeating: .unknown, count: fieldCount),
                          items: Array(repeating: [], count: kindCount), itemValues: ItemValues(), itemFill: itemFill)
    }

    @inline(__always)
    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Written only through a `Deal` that holds it alone (`makeUnique`), so never written while
    /// another deal (or thread) can read it. Its properties skip Swift's run-time exclusivity
    /// check (a call on every access to a class's `var`): only the deal's accessors reach them,
    /// one access at a time, as they would a struct's stored properties.
    private final class Storage: @unchecked Sendable {
        @exclusivity(unchecked) var fields: [Value]
        @exclusivity(unchecked) var items: [[Item]]
        @exclusivity(unchecked) var itemValues: ItemValues
        let itemFill: ItemFill
        @exclusivity(unchecked) var today: Day?
        @exclusivity(unchecked) var id: String?

        init(fields: [Value], items: [[Item]], itemValues: ItemValues, itemFill: ItemFill, today: Day? = nil, id: String? = nil) {
            self.fields = fields
            self.items = items
            self.itemValues = itemValues
            self.itemFill = itemFill
            self.today = today
            self.id = id
        }

        func copy() -> Storage {
            Storage(fields: fields, items: items, itemValues: itemValues, itemFill: itemFill, today: today, id: id)
        }
    }

    /// Equal when they give the same facts for the same rules.
    public static func == (a: Deal, b: Deal) -> Bool {
        a.storage === b.storage
            || (a.fields == b.fields && a.items == b.items && a.itemFill == b.itemFill && a.today == b.today && a.id == b.id
                && a.sameGivenItemValues(b))
    }

    /// Hashes what `==` compares.
    public func hash(into h: inout Hasher) {
        h.combine(fields)
        h.combine(items)
        forEachGivenItemValue { h.combine($0) }
        h.combine(today)
        h.combine(id)
    }

    /// Whether the values its items give are `other`'s, whose items are the same (`items ==`:
    /// the same fields given, at the same places).
    private func sameGivenItemValues(_ other: Deal) -> Bool {
        var same = true
        // The same items give the same fields at the same places: compared in place.
        for kind in items {
            for item in kind {
                item.givenFields.forEach { f in
                    let at = Int(item.valueStart) + f
                    if itemValues[at] != other.itemValues[at] { same = false }
                }
            }
        }
        return same
    }

    /// Each value an item gives, item by item (what `itemValues` holds elsewhere is left from
    /// an earlier deal, and means nothing).
    private func forEachGivenItemValue(_ body: (Value) -> Void) {
        for kind in items {
            for item in kind {
                item.givenFields.forEach { f in body(itemValues[Int(item.valueStart) + f]) }
            }
        }
    }
}

extension RuleSet {
    /// A deal with no facts at all.
    package func emptyDeal() -> Deal {
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
        if f == 0 { return .text(itemName(k, i)) }
        if items[k][i].givenFields.contains(f) { return itemValues[Int(items[k][i].valueStart) + f] }
        let e = Int(items[k][i].catalogEntry)
        return e >= 0 ? itemFill.entries[k][e][f] : itemFill.defaults[k][f]
    }

    /// The name of item `i` of kind `k`.
    package func itemName(_ k: Int, _ i: Int) -> String {
        name(of: items[k][i], kind: k)
    }

    /// The name of `item`, one of this deal's items of kind `k`.
    package func name(of item: Item, kind k: Int) -> String {
        item.ownName ?? itemFill.names[k][Int(item.catalogEntry)]
    }

    /// The names of the deal's items of kind `k`, in order.
    package func itemNames(_ k: Int) -> [String] {
        items[k].map { name(of: $0, kind: k) }
    }

    /// The value given for a deal field, by name; nil when it is not declared.
    package func given(_ field: String, in rules: RuleSet) -> Value? {
        rules.fieldIndex[field].map { fields[$0] }
    }

    /// The deal's items of one kind, by the kind's name.
    package func items(_ kind: String, in rules: RuleSet) -> [Item] {
        rules.itemKindIndex[kind].map { items[$0] } ?? []
    }

    /// The names of the deal's items of one kind, by the kind's name.
    package func itemNames(_ kind: String, in rules: RuleSet) -> [String] {
        rules.itemKindIndex[kind].map { itemNames($0) } ?? []
    }
}

/// Every item's own values end to end, in storage a deal keeps from one reading to the next:
/// the first `count` are this deal's, but only where an item gives the field
/// (`Item.givenFields`); every other value is left from an earlier deal, to be written over
/// (emptying or clearing them instead would destroy each, deal after deal). `Deal`'s `==` and
/// hash read only the given ones.
struct ItemValues: Sendable {
    private var values: [Value] = []
    private(set) var count = 0

    /// Value `i` of the deal's (below `count`).
    subscript(i: Int) -> Value {
        get { values[i] }
        set { values[i] = newValue }
    }

    /// Room for one more item's `n` values: where they start. Only those it gives are
    /// written; the others are left as they were.
    mutating func add(_ n: Int) -> Int {
        let start = count
        if values.count < start + n {
            if values.isEmpty { values.reserveCapacity(n * 8) }
            for _ in values.count..<(start + n) { values.append(.unknown) }
        }
        count = start + n
        return start
    }

    /// None in use (their storage kept).
    mutating func removeAll() { count = 0 }
}

/// A deal's items name the `.item` values printed in its messages.
extension Deal: ItemNames {
    func name(kind: Int, item: Int) -> String? {
        kind < items.count && item >= 0 && item < items[kind].count ? itemName(kind, item) : nil
    }
}
