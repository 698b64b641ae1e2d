/// What every outcome and undetermined entry of a decision begins with in JSON: which rule,
/// for which approval (docs/tools.md). Written here once: the plan encodes each rule's heads
/// with it at load, and the decision encoder (Output/DecisionJSON.swift) writes it itself when
/// it indents, or for entries that are not a decision's own (what `diff` gained and lost).
struct EntryHead {
    let kind: OutcomeKind
    let approval: String?
    let team: String?
    let rule: String
    /// Written as `FILE:LINE:COL` (`SourceLocation.description`), straight into the JSON.
    let location: SourceLocation

    /// Its members, into the object `w` is writing.
    func write(_ w: inout JSONWriter) {
        w.field("kind", kind.rawValue)
        w.field("approval", approval)
        w.field("team", team)
        w.field("rule", rule)
        w.key("location")
        w.string { location.write(into: &$0) }
    }
}

extension SourceLocation {
    /// `FILE:LINE:COL` (`description`) written into `text` (escaped there if it is JSON's),
    /// no String made: every rule's heads are written at load.
    fileprivate func write(into text: inout TextBuffer) {
        let (line, column) = file.position(of: Int(range.start))
        text.append(file.path)
        text.raw(":")
        text.append(int: line)
        text.raw(":")
        text.append(int: column)
    }
}
