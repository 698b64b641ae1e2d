/// A declared choice: its name and its values, in order (the order `<` and `between` use).
package struct ChoiceInfo: Sendable, Hashable {
    package let name: String
    package let values: [String]
    let index: [String: Int32]

    init(name: String, values: [String]) {
        self.name = name
        self.values = values
        var index: [String: Int32] = [:]
        for (i, v) in values.enumerated() where index[v] == nil { index[v] = Int32(i) }
        self.index = index
    }
}
