/// The static type of a field, an expression or a value. Every expression has one, found by the
/// checker before anything is evaluated.
public enum ValueType: Hashable, Sendable {
    case text, number, money, percent, duration, date, flag
    /// A declared choice, by its index in the rule set.
    case choice(Int)
    /// A kind of line item, by its index in the rule set.
    case item(Int)
    indirect case list(ValueType)
    /// `[]`: fits any list.
    case emptyList

    public static let builtinNames: [String: ValueType] = [
        "text": .text, "number": .number, "money": .money, "percent": .percent,
        "duration": .duration, "date": .date, "flag": .flag,
    ]

    public var isList: Bool {
        switch self {
        case .list, .emptyList: true
        default: false
        }
    }

    public var element: ValueType? {
        if case .list(let e) = self { return e }
        return nil
    }

    /// Whether `<` and `between` mean something for it.
    public var isOrdered: Bool {
        switch self {
        case .number, .money, .percent, .duration, .date, .choice: true
        default: false
        }
    }

    public var isNumeric: Bool { self == .number || self == .money || self == .percent }

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

/// Names types the way messages and docs spell them.
struct TypeNamer {
    let choices: [ChoiceInfo]
    let items: [ItemKind]

    func name(_ t: ValueType) -> String {
        switch t {
        case .text: "text"
        case .number: "number"
        case .money: "money"
        case .percent: "percent"
        case .duration: "duration"
        case .date: "date"
        case .flag: "flag"
        case .choice(let c): c < choices.count ? choices[c].name : "choice"
        case .item(let k): k < items.count ? items[k].name : "item"
        case .list(let e): "list of \(name(e))"
        case .emptyList: "empty list"
        }
    }

    /// `a percent`, `an item`, …
    func article(_ t: ValueType) -> String {
        switch t {
        case .text: "text"
        case .number: "a number"
        case .money: "money"
        case .percent: "a percent"
        case .duration: "a duration"
        case .date: "a date"
        case .flag: "a condition (yes/no)"
        case .choice(let c): "a value of `\(name(.choice(c)))`"
        case .item(let k): "a \(name(.item(k)))"
        case .list(let e): "a list of \(name(e))"
        case .emptyList: "an empty list"
        }
    }

    /// How a literal of the type is written, for help texts (`25%`); nil where no literal is.
    func literalExample(_ t: ValueType) -> String? {
        switch t {
        case .text: "`\"quoted text\"`"
        case .number: "`12` or `1,200.50`"
        case .money: "`$1,200`"
        case .percent: "`25%`"
        case .duration: "`12 months` or `30 days`"
        case .date: "`2026-12-01`"
        case .flag: "`yes` or `no`"
        case .choice, .item, .list, .emptyList: nil
        }
    }
}
