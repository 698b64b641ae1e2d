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
