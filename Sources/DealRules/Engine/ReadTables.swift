/// What the deal reader looks up for every deal, as plain data over memory its rule set owns:
/// read from a `RuleSet` with no reference counting. (An element of a `[ByteKeyTable]` or a
/// row of a `[[ReadKind]]` read per deal was retained and released each time: several pairs a
/// deal, each an atomic operation.)
struct ReadTables: @unchecked Sendable {
    // @unchecked: written once, in `init`; only read after, and freed with the rule set.
    /// The deal's fields: their keys, and their types as the usual path switches on them.
    let fieldKeys: ByteKeyView
    let fieldKinds: UnsafeBufferPointer<ReadKind>
    /// Per item kind.
    let items: UnsafeBufferPointer<Item>
    /// Per choice: its values.
    let choiceKeys: UnsafeBufferPointer<ByteKeyView>

    /// What the reader looks up in an item of one kind.
    struct Item {
        let fieldKeys: ByteKeyView
        let fieldKinds: UnsafeBufferPointer<ReadKind>
        /// The kind's catalog entries, by name.
        let catalogKeys: ByteKeyView
    }

    /// Views of the tables (which must outlive these), and copies of the types.
    init(fieldKeys: ByteKeyTable, fieldTypes: [ValueType], itemFieldKeys: [ByteKeyTable], itemFieldTypes: [[ValueType]],
         catalogKeys: [ByteKeyTable], choiceKeys: [ByteKeyTable]) {
        self.fieldKeys = fieldKeys.view
        fieldKinds = Self.copy(fieldTypes.map(ReadKind.init))
        items = Self.copy(itemFieldTypes.indices.map { k in
            Item(fieldKeys: itemFieldKeys[k].view, fieldKinds: Self.copy(itemFieldTypes[k].map(ReadKind.init)),
                 catalogKeys: catalogKeys[k].view)
        })
        self.choiceKeys = Self.copy(choiceKeys.map(\.view))
    }

    /// Frees what `init` allocated (not the tables viewed).
    func deallocate() {
        for item in items { item.fieldKinds.deallocate() }
        items.deallocate()
        fieldKinds.deallocate()
        choiceKeys.deallocate()
    }

    private static func copy<T>(_ array: [T]) -> UnsafeBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(array.count, 1))
        _ = buffer.initialize(from: array)
        return UnsafeBufferPointer(rebasing: buffer[..<array.count])
    }
}
