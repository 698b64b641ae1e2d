/// The façade: what a program that embeds dealrules calls (the DocC catalog,
/// `Sources/DealRules/DealRules.docc`, is its reference). The folders below it are the pipeline
/// (README, "How the code is laid out"); the types they make public are the ones these entry
/// points take and give.
///
/// - Load: `RuleSet.load(paths:…)`, `RuleSet.load(source:…)` → `LoadResult` (the rule set and
///   every `Diagnostic`).
/// - Decide: `RuleSet.deal(json:)`, `RuleSet.decide(_:)`, a `Decider` for deal after deal, a
///   `DealStream` for JSON lines on several threads → `Decision` (`json()`, `DecisionRenderer`).
/// - Explain and advise: `decide(_:explain:)`, `whatIf(_:on:)`, `avoid(_:for:)`, and every piece
///   of advice as JSON: `adviceJSON(_:for:)`.
/// - Analyse: `analyze()` → the rule set's dead, redundant, overlapping, gapped and conflicting
///   rules as `Diagnostic`s, each with a `Diagnostic.Finding` (a deal that shows it).
/// - Tools: `Formatter`, `exportJSON()`, `DiagnosticRenderer`.
extension RuleSet {
    /// The rule-set analysis (`dealrules check --analyze`, docs/analysis.md): warnings for rules
    /// that never or always fire, `unless` clauses that remove all or nothing, redundant rules,
    /// overlapping or gapped approval tiers, requirements a denial makes moot and fields no rule
    /// reads, each with the rules involved and a deal that shows it (or the constraints that
    /// prove it); and a note for each rule it cannot read. Sorted by file and position.
    public func analyze() -> [Diagnostic] { analysis().diagnostics.sortedByLocation() }

    /// The decision the deal would get with some facts changed (`:whatif` in the REPL): fact
    /// statements as a salesperson types them (`discount = 15%`, `add service "SIEM" with
    /// seats = 20`, `remove service "SIEM"`, `unset term`), applied in order to a copy of the
    /// deal. A fact that cannot be applied throws its diagnostics (each located in its text).
    public func whatIf(_ facts: [String], on deal: Deal, today: Day? = nil, explain: Bool = false) throws(LoadError) -> Decision {
        var draft = self.draft(of: deal)
        for fact in facts { try apply(fact: fact, to: &draft, today: today) }
        return decide(self.deal(from: draft).deal, today: today, explain: explain)
    }

    /// The changes that would remove an approval, or every denial, from the deal's decision
    /// (`:avoid` in the REPL), each checked by deciding the changed deal: those that bring or
    /// remove the fewest other outcomes first, then the smallest. Each change is one fact; only
    /// when no single change works is the best pair of changes offered. Empty when the decision
    /// does not have the target, or nothing found removes it.
    public func avoid(_ target: AvoidTarget, for deal: Deal, today: Day? = nil) -> [Suggestion] {
        avoid(target, in: draft(of: deal), today: deal.today ?? today).suggestions
    }
}

/// Decides a stream of deals given as JSON lines (JSONL), on several threads, and answers one
/// JSON line per deal in input order: its decision with `"index"` (and `"id"`), or for a line
/// that cannot be read, `{"index": N, "error": {…}}` in its place (`dealrules eval --deals`).
///
/// Each thread decides with a rule set of its own, so that none waits on another's reference
/// counts: the stream loads copies of the rule set when it is made (from the files or text it
/// was loaded from; a rule set that cannot be loaded again is shared instead).
public struct DealStream {
    private var decider: DealStreamDecider

    /// A stream deciding with `rules` as of `today` (a deal's own `"today"` wins), on `threads`
    /// threads (nil: one per processor the process may use).
    public init(rules: RuleSet, today: Day, explain: Bool = false, threads: Int? = nil) {
        let count = max(1, threads ?? Processors.available)
        let copies = inParallel(count - 1, parts: count - 1) { range in range.map { _ in rules.copy() } }.flatMap { $0 }
        decider = DealStreamDecider(workers: [rules] + copies.map { $0 ?? rules }, today: today, explain: explain)
    }

    /// Decides every line of `jsonl` (whole lines: a line cut between two calls is two bad
    /// lines), appending one JSON line per deal to `out`. Blank lines get no answer; CRLF and a
    /// byte-order mark on the first line are accepted.
    public mutating func decide(jsonl: some Collection<UInt8>, into out: inout [UInt8]) {
        decider.decide(DealBatch(jsonl: jsonl), into: &out)
    }

    /// Lines answered with an error so far.
    public var badLines: Int { decider.badLines }
}
