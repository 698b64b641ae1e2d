/// A value during evaluation. The static type decides which cases can appear where; the three
/// special cases carry the three-valued logic: `unknown` (a missing fact), `none` (the `min`
/// or `max` of nothing: every comparison with it is `no`) and `failure` (overflow, division by
/// zero: behaves like unknown, and is reported).
package enum Value: Hashable, Sendable {
    case unknown
    case none
    case failure(EvalError)
    case flag(Bool)
    case number(Fixed)
    case money(Fixed)
    case percent(Fixed)
    case date(Day)
    case duration(Duration)
    case text(String)
    case choice(ChoiceValue)
    case list([Value])
    /// A line item of the deal: its index in the deal's list of that kind.
    case item(Int32)

    package static let yes = Value.flag(true)
    package static let no = Value.flag(false)

    /// Known: neither unknown nor failed.
    package var isKnown: Bool {
        switch self {
        case .unknown, .failure: false
        default: true
        }
    }

    /// An evaluation error: overflow, division by zero.
    package var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }

    var isMoney: Bool {
        if case .money = self { return true }
        return false
    }

    var fixed: Fixed? {
        switch self {
        case .number(let f), .money(let f), .percent(let f): f
        default: nil
        }
    }
}

/// One value of one declared choice.
package struct ChoiceValue: Hashable, Sendable {
    package var choice: Int32
    package var value: Int32
}

package enum EvalError: String, Hashable, Sendable {
    case overflow = "overflow"
    case divisionByZero = "division by zero"
    case dateOutOfRange = "a date out of range"

    var code: DiagnosticCode {
        switch self {
        case .overflow, .dateOutOfRange: .overflow
        case .divisionByZero: .divisionByZero
        }
    }
}
