/// What a deal needs: the decision and the outcomes behind it. A value; `json()` gives the
/// shape of LANGUAGE.md.
public struct Decision: Sendable, Hashable {
    public var kind: DecisionKind
    /// Approvals required by the rules that fired, sorted, without repeats.
    public var required: [String]
    /// In rule load order, then item order; one per approval a `require` rule needs.
    public var outcomes: [Outcome]
    /// Rules (per item) that missing facts leave undecided.
    public var undetermined: [Undetermined]
    /// The deal's `"id"`, as raw JSON text, echoed verbatim.
    public var id: String?

    public var denied: Bool { outcomes.contains { $0.kind == .deny } }
    public var warnings: [Outcome] { outcomes.filter { $0.kind == .warn } }

    /// Every fact that would help decide, sorted, without repeats.
    public var missing: [String] { Array(Set(undetermined.flatMap(\.missing))).sorted() }
}

public struct Outcome: Sendable, Hashable {
    public var kind: OutcomeKind
    public var approval: String?
    public var team: String?
    public var rule: String
    /// `FILE:LINE:COL` of the rule's outcome keyword.
    public var location: String
    public var item: String?
    public var message: String
    /// With `explain`: the condition as written, and each path it read with its value (nil: unknown).
    public var explanation: Explanation?
}

public struct Undetermined: Sendable, Hashable {
    public var kind: OutcomeKind
    public var approval: String?
    public var team: String?
    public var rule: String
    public var location: String
    public var item: String?
    /// The facts whose values would decide it, sorted.
    public var missing: [String]
    /// Evaluation errors that left it undecided (`division by zero`).
    public var errors: [String]
    public var explanation: Explanation?
}

public struct Explanation: Sendable, Hashable {
    public var condition: String
    /// Path → its value as text, or nil when unknown; in the order the condition reads them.
    public var values: [(String, String?)]
    /// The condition with each path's value beside it: `discount (25%) > 20%`.
    public var annotated: String
    /// Each define the condition uses, with its own condition annotated the same way.
    public var defines: [(name: String, annotated: String)] = []

    public static func == (a: Explanation, b: Explanation) -> Bool {
        a.condition == b.condition && a.annotated == b.annotated && a.values.map(\.0) == b.values.map(\.0)
            && a.values.map(\.1) == b.values.map(\.1) && a.defines.map(\.name) == b.defines.map(\.name)
            && a.defines.map(\.annotated) == b.defines.map(\.annotated)
    }

    public func hash(into h: inout Hasher) {
        h.combine(annotated)
        h.combine(condition)
        for (k, v) in values {
            h.combine(k)
            h.combine(v)
        }
    }
}
