/// The static type of a field, an expression or a value. Every expression has one, found by the
/// checker before anything is evaluated.
package enum ValueType: Hashable, Sendable {
    case text, number, money, percent, duration, date, flag
    /// A declared choice, by its index in the rule set.
    case choice(Int)
    /// A kind of line item, by its index in the rule set.
    case item(Int)
    indirect case list(ValueType)
    /// `[]`: fits any list.
    case emptyList

    package static let builtinNames: [String: ValueType] = [
        "text": .text, "number": .number, "money": .money, "percent": .percent,
        "duration": .duration, "date": .date, "flag": .flag,
    ]

    package var isList: Bool {
        switch self {
        case .list, .emptyList: true
        default: false
        }
    }

    package var element: ValueType? {
        if case .list(let e) = self { return e }
        return nil
    }

    /// Whether `<` and `between` mean something for it.
    package var isOrdered: Bool {
        switch self {
        case .number, .money, .percent, .duration, .date, .choice: true
        default: false
        }
    }

    package var isNumeric: Bool { self == .number || self == .money || self == .percent }

    /// Whether a value of type `other` may stand where `self` is expected.
    func accepts(_ other: ValueType) -> Bool {
        if self == other { return true }
        switch (self, other) {
        case (.list, .emptyList), (.emptyList, .list): return true
        case (.list(let a), .list(let b)): return a.accepts(b)
        default: return false
        }
    }
}
