/// What an item reads for a field it does not give: its catalog entry's value, else the field's
/// default, else unknown. Made once per rule set and shared by every deal it reads, so reading
/// an item copies none of its catalog values.
final class ItemFill: Sendable, Hashable {
    /// Per item kind, per catalog entry, per field.
    let entries: [[[Value]]]
    /// Per item kind, per field: for an item not in the catalog.
    let defaults: [[Value]]
    /// Per item kind, per catalog entry: its name (an item of the catalog is named by its entry).
    let names: [[String]]

    init(entries: [[[Value]]], defaults: [[Value]], names: [[String]]) {
        self.entries = entries
        self.defaults = defaults
        self.names = names
    }

    /// Worked out from the item kinds: per catalog entry, the entry's value, else the field's
    /// default; off the catalog, the default.
    convenience init(_ itemKinds: [ItemKind]) {
        self.init(
            entries: itemKinds.map { k in
                (k.catalog?.entries ?? []).map { entry in
                    k.fields.indices.map { f in entry.values[f].isKnown ? entry.values[f] : k.fields[f].defaultValue ?? .unknown }
                }
            },
            defaults: itemKinds.map { k in k.fields.map { $0.defaultValue ?? .unknown } },
            names: itemKinds.map { k in (k.catalog?.entries ?? []).map(\.name) })
    }

    static let none = ItemFill(entries: [], defaults: [], names: [])

    /// Equal when they fill in the same values (two loads of the same rules are equal).
    static func == (a: ItemFill, b: ItemFill) -> Bool { a === b || (a.defaults == b.defaults && a.entries == b.entries) }
    func hash(into h: inout Hasher) { h.combine(defaults) }
}
