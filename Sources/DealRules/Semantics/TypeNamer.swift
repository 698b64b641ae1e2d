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
