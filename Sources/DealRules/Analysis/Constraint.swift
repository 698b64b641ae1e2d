/// The analysis reads a rule's condition as constraints on what a deal gives: each fact the rule
/// reads is a variable, and a condition is a union of boxes (one constraint per variable read).
/// Every value the language orders is an integer underneath (exact decimals by their raw
/// millionths, days by their number, durations by their length in twelfths of a day, choices by
/// their place in the declaration), so ranges are closed integer intervals and `> 30%` is
/// `≥ 30.000001%` exactly. docs/analysis.md says what the analysis reads and what it skips.

/// A fact a rule reads: a deal field, a field of the item the rule is about (field 0 is its
/// name), or the evaluation date.
enum AnalysisVariable: Hashable, Comparable, Sendable {
    case field(Int)
    case itemField(Int)
    case today

    private var order: (Int, Int) {
        switch self {
        case .field(let s): (0, s)
        case .itemField(let f): (1, f)
        case .today: (2, 0)
        }
    }

    static func < (a: AnalysisVariable, b: AnalysisVariable) -> Bool { a.order < b.order }
}

/// The values a variable can take, by the kind of its type.
enum AnalysisDomain: Hashable, Sendable {
    /// Numbers, money, percents, dates and durations: every integer from `low` to `high`.
    case ordered(low: Int64, high: Int64)
    /// A choice's values (bit i is value i) or a flag (bit 0 `no`, bit 1 `yes`).
    case finite(count: Int)
    /// Text: any string.
    case text

    var full: Constraint {
        switch self {
        case .ordered(let lo, let hi): .range(lo, hi)
        case .finite(let n): .set(n >= 64 ? ~0 : (1 << UInt64(n)) - 1)
        case .text: .except([])
        }
    }

    /// The domain of a type, or nil when the analysis does not reason about it (lists, items).
    init?(_ type: ValueType, choices: [ChoiceInfo]) {
        switch type {
        case .number, .money, .percent: self = .ordered(low: .min, high: .max)
        case .date: self = .ordered(low: Int64(AnalysisDomain.firstDay.number), high: Int64(AnalysisDomain.lastDay.number))
        case .duration:
            let m = Int64(Int32.max), n = Int64(Int32.min)
            self = .ordered(low: n * 365 + n * 12, high: m * 365 + m * 12)
        case .flag: self = .finite(count: 2)
        case .choice(let c):
            guard choices[c].values.count <= 64 else { return nil }
            self = .finite(count: choices[c].values.count)
        case .text: self = .text
        case .item, .list, .emptyList: return nil
        }
    }

    static let firstDay = Day(year: 1, month: 1, day: 1)!
    static let lastDay = Day(year: 9999, month: 12, day: 31)!
}

/// What a box allows one variable to be.
enum Constraint: Hashable, Sendable {
    /// Every integer from the first to the second, both included (empty when first > second).
    case range(Int64, Int64)
    /// The finite values whose bits are set.
    case set(UInt64)
    /// Text that is one of these.
    case only(Set<String>)
    /// Text that is none of these.
    case except(Set<String>)

    var isEmpty: Bool {
        switch self {
        case .range(let lo, let hi): lo > hi
        case .set(let m): m == 0
        case .only(let s): s.isEmpty
        case .except: false
        }
    }

    /// Both at once; nil when the two cannot be combined (never for one variable's constraints).
    func intersected(with o: Constraint) -> Constraint? {
        switch (self, o) {
        case let (.range(a, b), .range(c, d)): return .range(max(a, c), min(b, d))
        case let (.set(a), .set(b)): return .set(a & b)
        case let (.only(a), .only(b)): return .only(a.intersection(b))
        case let (.only(a), .except(b)), let (.except(b), .only(a)): return .only(a.subtracting(b))
        case let (.except(a), .except(b)): return .except(a.union(b))
        default: return nil
        }
    }

    /// Every value this allows, `o` allows too.
    func isSubset(of o: Constraint) -> Bool {
        if isEmpty { return true }
        switch (self, o) {
        case let (.range(a, b), .range(c, d)): return c <= a && b <= d
        case let (.set(a), .set(b)): return a & ~b == 0
        case let (.only(a), .only(b)): return a.isSubset(of: b)
        case let (.only(a), .except(b)): return a.isDisjoint(with: b)
        case let (.except(a), .except(b)): return b.isSubset(of: a)
        default: return false
        }
    }

    /// What the domain allows and this does not, as at most two constraints.
    func complement(in domain: AnalysisDomain) -> [Constraint] {
        switch (self, domain) {
        case let (.range(a, b), .ordered(lo, hi)):
            if a > b { return [.range(lo, hi)] }
            var out: [Constraint] = []
            if a > lo { out.append(.range(lo, a - 1)) }
            if b < hi { out.append(.range(b + 1, hi)) }
            return out
        case let (.set(m), .finite):
            guard case .set(let all) = domain.full else { return [] }
            let rest = all & ~m
            return rest == 0 ? [] : [.set(rest)]
        case let (.only(s), .text): return [.except(s)]
        case let (.except(s), .text): return s.isEmpty ? [] : [.only(s)]
        default: return []
        }
    }
}

/// One case of a condition: a constraint for each variable it reads (a variable that is read
/// must be known, whatever its constraint), and, per variable, the comparisons it came from (for
/// evidence).
struct Box: Hashable, Sendable {
    var constraints: [AnalysisVariable: Constraint] = [:]
    /// Indices into the condition's atoms, by the variable they constrain.
    var atoms: [AnalysisVariable: [Int]] = [:]

    /// Both boxes at once, and the variable they contradict on (nil when they do not).
    func intersected(with o: Box) -> (Box, emptied: AnalysisVariable?) {
        var out = self
        var emptied: AnalysisVariable?
        for (v, c) in o.constraints {
            if let mine = out.constraints[v] {
                let both = mine.intersected(with: c) ?? .range(1, 0)
                if both.isEmpty, emptied == nil { emptied = v }
                out.constraints[v] = both
            } else {
                out.constraints[v] = c
            }
        }
        for (v, a) in o.atoms { out.atoms[v, default: []] += a.filter { !(atoms[v] ?? []).contains($0) } }
        return (out, emptied)
    }

    /// Every deal this box allows, `o` allows, and `o` reads no fact this box does not: so on
    /// any deal where this box is decided yes, `o` is decided yes too (the three-valued logic
    /// included: both read only known facts).
    func isInside(_ o: Box) -> Bool {
        for (v, c) in o.constraints {
            guard let mine = constraints[v], mine.isSubset(of: c) else { return false }
        }
        return true
    }

    var variables: [AnalysisVariable] { constraints.keys.sorted() }
}
