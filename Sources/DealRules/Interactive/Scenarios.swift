/// Scenarios run as tests: each builds its deal from its facts, is decided, and checks its
/// `expect` lines against the decision.
package struct ScenarioResult: Sendable {
    package struct Failure: Sendable, Hashable {
        /// The expectation as written (`expect require finance_approval`), or the fact that
        /// could not be applied.
        package let statement: String
        package let location: SourceLocation
        /// Why it failed, in words.
        package let detail: String
    }

    package let name: String
    /// The scenario's name in its file.
    package let location: SourceLocation
    /// The path of its file, as messages show it.
    package var file: String { location.path }
    package var failures: [Failure]
    /// The decision the scenario's deal got (nil when a fact could not be applied).
    package let decision: Decision?
    /// Rules that fired (by name), and rules that were decided at all (fired or not).
    package let fired: Set<String>
    package let reached: Set<String>

    package var passed: Bool { failures.isEmpty }
}

extension RuleSet {
    /// Runs the scenarios whose name contains `filter` (all when nil). A scenario's own
    /// `today` wins over `today`, which defaults to the local date.
    package func runScenarios(filter: String? = nil, today: Day? = nil) -> [ScenarioResult] {
        scenarios.filter { s in filter.map { s.name.lowercased().contains($0.lowercased()) } ?? true }.map {
            run($0, today: today ?? Day.localToday())
        }
    }

    func run(_ scenario: Scenario, today: Day) -> ScenarioResult {
        var draft = DealDraft()
        for (fact, text, location) in scenario.facts {
            do {
                try apply(fact, to: &draft, today: today, location: nil)
            } catch {
                let why = error.diagnostics.map(\.message).joined(separator: "; ")
                return ScenarioResult(name: scenario.name, location: scenario.location,
                                      failures: [.init(statement: text, location: location, detail: "this fact cannot be applied: \(why)")],
                                      decision: nil, fired: [], reached: [])
            }
        }
        let (deal, aside) = self.deal(from: draft)
        let date = draft.today ?? today
        let decision = decide(deal, today: date)
        var failures: [ScenarioResult.Failure] = aside.map {
            .init(statement: $0.path, location: scenario.location, detail: "this fact does not fit: \($0.reason)")
        }
        for e in scenario.expectations {
            let holds: Bool
            let got: String
            switch e.what {
            case .decision(let d):
                holds = decision.kind == d
                got = "the decision is \(decision.kind.rawValue)"
            case .require(let a):
                let name = approvals[a].name
                holds = decision.required.contains(name)
                got = decision.required.isEmpty ? "no approval is required" : "required: \(decision.required.joined(separator: ", "))"
            case .deny:
                let denials = decision.outcomes.filter { $0.kind == .deny }.map(\.rule)
                holds = !denials.isEmpty
                got = denials.isEmpty ? "no rule denies it" : "denied by \(Set(denials).sorted().joined(separator: ", "))"
            case .warn:
                let warnings = decision.outcomes.filter { $0.kind == .warn }.map(\.rule)
                holds = !warnings.isEmpty
                got = warnings.isEmpty ? "no rule warns" : "warned by \(Set(warnings).sorted().joined(separator: ", "))"
            case .rule(let r):
                let name = rules[r].name
                holds = decision.outcomes.contains { $0.rule == name }
                let undecided = decision.undetermined.first { $0.rule == name }
                got = holds ? "\(name) fired" : undecided.map { "\(name) is undecided: it needs \($0.missing.joined(separator: ", "))" }
                    ?? "\(name) did not fire"
            }
            if holds == e.negated {
                failures.append(.init(statement: e.text, location: e.location, detail: got))
            }
        }
        // A rule is reached when it was decided, yes or no, for the deal or for at least one item.
        let fired = Set(decision.outcomes.map(\.rule))
        let values = effectiveValues(deal)
        var reached = fired
        for rule in rules where !fired.contains(rule.name) {
            let undecided = Set(decision.undetermined.filter { $0.rule == rule.name }.map { $0.item ?? "" })
            if let k = rule.itemKind {
                if values[itemKinds[k].listField!].isKnown, deal.items[k].count > undecided.count { reached.insert(rule.name) }
            } else if undecided.isEmpty {
                reached.insert(rule.name)
            }
        }
        return ScenarioResult(name: scenario.name, location: scenario.location, failures: failures,
                              decision: decision, fired: fired, reached: reached)
    }
}

extension RuleSet {
    /// Facts of scenarios that no deal can hold (`services = ["SIEM", "SIEM"]`): errors with
    /// the deal reader's words, located at the fact, for `check`. A fact that only fails on the
    /// deal built so far (removing an item that is not there, a value that needs a fact not
    /// given yet) is the scenario's result, which `dealrules test` reports.
    package func scenarioFactErrors(today: Day? = nil) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for scenario in scenarios {
            var draft = DealDraft()
            for (fact, _, location) in scenario.facts {
                do {
                    try apply(fact, to: &draft, today: today ?? Day.localToday(), location: location)
                } catch {
                    out += error.diagnostics.filter { $0.code != .unknownFactValue && $0.code != .noSuchItem }
                    break
                }
            }
        }
        return out
    }

    /// The scenario `:save FILE.rules` appends for a deal: its facts, its `today`, and what it
    /// gets now as `expect` lines (the decision, each approval, each rule that denies it, or
    /// `expect no deny`), ending in a line break.
    package func scenarioText(for draft: DealDraft, name: String, today: Day? = nil) -> String {
        let date = draft.today ?? today ?? Day.localToday()
        let decision = decide(deal(from: draft).deal, today: date)
        var lines = ["scenario \(ValueText.quoted(name)) {"]
        lines += factStatements(draft).filter { !$0.hasPrefix("today =") }.map { "  " + $0 }
        lines.append("  today = \(date.description)")
        lines.append("  expect \(decision.kind.rawValue)")
        lines += decision.required.map { "  expect require \($0)" }
        let denials = Set(decision.outcomes.filter { $0.kind == .deny }.map(\.rule)).sorted()
        lines += denials.isEmpty ? ["  expect no deny"] : denials.map { "  expect rule \(Self.ruleReference($0))" }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A rule's name as an `expect rule` line writes it: bare, or quoted when it is not a word
    /// (`"pricing.rules#1"`).
    static func ruleReference(_ name: String) -> String {
        name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } ? name : ValueText.quoted(name)
    }
}
