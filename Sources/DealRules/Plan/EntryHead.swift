/// What every outcome and undetermined entry of a decision begins with in JSON: which rule,
/// for which approval (docs/tools.md). Written here once: the plan encodes each rule's heads
/// with it at load, and the decision encoder (Output/DecisionJSON.swift) writes it itself when
/// it indents, or for entries that are not a decision's own (what `diff` gained and lost).
struct EntryHead {
    let kind: OutcomeKind
    let approval: String?
    let team: String?
    let rule: String
    let location: String

    /// Its members, into the object `w` is writing.
    func write(_ w: inout JSONWriter) {
        w.field("kind", kind.rawValue)
        w.field("approval", approval)
        w.field("team", team)
        w.field("rule", rule)
        w.field("location", location)
    }
}
