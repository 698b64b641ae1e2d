/// What a deal needs: the decision and the outcomes behind it. A value; `json()` gives the
/// JSON shape of docs/tools.md.
///
/// Deciding records only which rules fired or stayed undecided (and for which item); the
/// outcomes' messages, the facts each undecided rule misses, and explanations are worked out
/// when they are asked for, so a decision nobody reads in full costs little.
public struct Decision: Sendable, Hashable {
    /// The decision: approved, needs approval, incomplete or blocked.
    public let kind: DecisionKind
    /// The deal's `"id"`, as raw JSON text, echoed verbatim.
    public let id: String?
    let context: DecisionContext
    /// In rule load order, then item order.
    let fired: [Hit]
    let undecided: [Hit]

    /// Approvals required by the rules that fired, sorted, without repeats.
    public var required: [String] { context.required(fired) }

    /// The rules that fired, in rule load order, then item order; one per approval a `require`
    /// rule needs.
    public var outcomes: [Outcome] { context.outcomes(fired) }

    /// Rules (per item) that missing facts leave undecided, with the facts that would decide them.
    public var undetermined: [Undetermined] { context.undetermined(undecided) }

    package var denied: Bool { fired.contains { context.rules.rules[Int($0.rule)].outcome == .deny } }
    package var warnings: [Outcome] { outcomes.filter { $0.kind == .warn } }

    /// Every fact that would help decide, sorted, without repeats.
    public var missing: [String] { Array(Set(undetermined.flatMap(\.missing))).sorted() }

    /// Two decisions are equal when they say the same: kind, id, outcomes and undetermined
    /// entries (whichever rule set, or load of it, made them).
    public static func == (a: Decision, b: Decision) -> Bool {
        a.kind == b.kind && a.id == b.id && a.outcomes == b.outcomes && a.undetermined == b.undetermined
    }

    /// Hashes what `==` compares.
    public func hash(into h: inout Hasher) {
        h.combine(kind)
        h.combine(id)
        h.combine(outcomes)
        h.combine(undetermined)
    }
}

/// A rule a decision found fired or undecided, and its item (-1: none), packed in one integer
/// whose order is the outcomes' order: by rule, then by item.
struct Hit: Sendable, Hashable, Comparable {
    let key: UInt64

    init(rule: Int32, item: Int32) {
        key = UInt64(UInt32(bitPattern: rule)) << 32 | UInt64(UInt32(bitPattern: item &+ 1))
    }

    var rule: Int32 { Int32(truncatingIfNeeded: key >> 32) }
    var item: Int32 { Int32(truncatingIfNeeded: key) &- 1 }

    static func < (a: Hit, b: Hit) -> Bool { a.key < b.key }
}

extension [Hit] {
    /// Sorts in place: insertion for the usual few (often nearly sorted), the library's sort
    /// for more.
    mutating func sortHits() {
        guard count > 1 else { return }
        if count > 32 {
            sort()
            return
        }
        withUnsafeMutableBufferPointer { b in
            for i in 1..<b.count {
                let x = b[i]
                var j = i
                while j > 0, x.key < b[j - 1].key {
                    b[j] = b[j - 1]
                    j -= 1
                }
                b[j] = x
            }
        }
    }
}

/// What a decision needs to say more about itself later. Kept in the decision itself (a
/// class allocated per decision cost a malloc and a free for every deal).
struct DecisionContext: Sendable {
    let rules: RuleSet
    let deal: Deal
    /// The deal's field values as deciding read them (defaults applied): kept, not worked out
    /// again, for the messages and explanations written later.
    let values: [Value]
    let today: Day
    let explain: Bool
}

/// A rule that fired: for which approval, on which item, and what it says.
public struct Outcome: Sendable, Hashable {
    /// Require, deny or warn.
    public var kind: OutcomeKind
    /// The approval this entry is for (`require` only; one entry per approval).
    public var approval: String?
    /// The team that gives the approval (`require` only).
    public var team: String?
    /// The rule's name (`FILE#N` for an unnamed rule).
    public var rule: String
    /// The rule's outcome keyword (`"location"` in JSON: `FILE:LINE:COL`).
    public var location: SourceLocation
    /// The item it fired for, for a rule about items.
    public var item: String?
    /// Its `because` message, or the condition with each value beside it.
    public var message: String
    /// With `explain`: the condition as written, and each path it read with its value (nil: unknown).
    public var explanation: Explanation?
}

/// A `require`, `deny` or `warn` rule that missing facts (or an evaluation error) leave
/// undecided, and what would decide it.
public struct Undetermined: Sendable, Hashable {
    /// Require, deny or warn (an undetermined `warn` never makes a deal incomplete).
    public var kind: OutcomeKind
    /// The approval this entry is for (`require` only; one entry per approval).
    public var approval: String?
    /// The team that gives the approval (`require` only).
    public var team: String?
    /// The rule's name (`FILE#N` for an unnamed rule).
    public var rule: String
    /// The rule's outcome keyword.
    public var location: SourceLocation
    /// The item it is undecided for, for a rule about items.
    public var item: String?
    /// The facts whose values would decide it, sorted.
    public var missing: [String]
    /// Evaluation errors that left it undecided (`division by zero`).
    public var errors: [String]
    /// With `explain`: the condition and the values it read.
    public var explanation: Explanation?
}

/// Why a rule came out as it did: its condition as written and the value of every fact it read.
public struct Explanation: Sendable, Hashable {
    /// The condition as written, canonically printed (with `unless …`).
    public var condition: String
    /// Path → its value as text, or nil when unknown; in the order the condition reads them.
    public var values: [(String, String?)]
    /// The condition with each path's value beside it: `discount (25%) > 20%`.
    public var annotated: String
    /// Each define the condition uses, with its own condition annotated the same way.
    package var defines: [(name: String, annotated: String)] = []

    /// Equal when they say the same (a tuple has no `==` of its own).
    public static func == (a: Explanation, b: Explanation) -> Bool {
        a.condition == b.condition && a.annotated == b.annotated && a.values.map(\.0) == b.values.map(\.0)
            && a.values.map(\.1) == b.values.map(\.1) && a.defines.map(\.name) == b.defines.map(\.name)
            && a.defines.map(\.annotated) == b.defines.map(\.annotated)
    }

    /// Hashes what `==` compares.
    public func hash(into h: inout Hasher) {
        h.combine(annotated)
        h.combine(condition)
        for (k, v) in values {
            h.combine(k)
            h.combine(v)
        }
    }
}
