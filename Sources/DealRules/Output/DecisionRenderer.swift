/// Writes a decision for a salesperson: the decision first, then what blocks it, the approvals
/// it needs and why, warnings, and the facts still missing. Returns text; never prints.
public struct DecisionRenderer: Sendable {
    package var color: Bool

    /// With `color`, ANSI colours (for a terminal).
    public init(color: Bool = false) {
        self.color = color
    }

    /// The decision in a line. An incomplete or blocked decision also names the teams whose
    /// approval it needs whatever the missing facts turn out to be (a rule that fired stays
    /// fired as facts are added), then how many facts are missing.
    package func headline(_ d: Decision) -> String {
        let teams = list(d.teamsRequired)
        let facts = d.factsToDecide.count
        let missing = facts == 1 ? "one fact is missing" : "\(facts) facts are missing"
        switch d.kind {
        case .blocked:
            let n = d.outcomes.filter { $0.kind == .deny }.count
            var line = paint("BLOCKED", "1;31") + " — \(n == 1 ? "a rule denies" : "\(n) rules deny") this deal as it stands"
            if !teams.isEmpty { line += "; it needs \(teams)" + (facts > 0 ? " already" : "") }
            return line + (facts > 0 ? "; " + missing : "")
        case .incomplete:
            let certain = teams.isEmpty ? "" : "needs \(teams) already; "
            return paint("INCOMPLETE", "1;33") + " — " + certain + (facts > 0 ? missing + " to decide" : "some rules could not be decided")
        case .needsApproval:
            return paint("NEEDS APPROVAL", "1;33") + " — from " + teams
        case .approved:
            let w = d.warnings.count
            return paint("APPROVED", "1;32") + (w > 0 ? " — with \(w) warning\(w == 1 ? "" : "s")" : " — no approval needed")
        }
    }

    /// The decision as `dealrules eval` prints it.
    public func render(_ d: Decision) -> String {
        var out = headline(d) + "\n"
        let denials = d.outcomes.filter { $0.kind == .deny }
        if !denials.isEmpty {
            out += "\n" + paint("Denied", "1") + "\n"
            for o in denials {
                out += "  " + paint("✗", "31") + " \(o.message)\n" + origin(o.rule, o.item) + explained(o.explanation)
            }
        }
        let requires = d.outcomes.filter { $0.kind == .require }
        if !requires.isEmpty {
            out += "\n" + paint("Approvals needed", "1") + "\n"
            for approval in orderedUnique(requires.compactMap(\.approval)) {
                let reasons = requires.filter { $0.approval == approval }
                out += "  " + paint("●", "33") + " \(reasons[0].team ?? approval) (\(approval))\n"
                for o in reasons {
                    out += "      \(o.message)\n" + origin(o.rule, o.item, indent: 8) + explained(o.explanation, indent: 8)
                }
            }
        }
        let warnings = d.warnings
        if !warnings.isEmpty {
            out += "\n" + paint("Warnings", "1") + "\n"
            for o in warnings {
                out += "  " + paint("▲", "33") + " \(o.message)\n" + origin(o.rule, o.item) + explained(o.explanation)
            }
        }
        let failed = d.undetermined.filter { !$0.errors.isEmpty }
        if !failed.isEmpty {
            out += "\n" + paint("Could not be decided", "1") + "\n"
            for u in failed.uniqueEntries {
                out += "  " + paint("!", "31") + " rule \(u.rule)\(u.item.map { " (item \($0))" } ?? ""): \(u.errors.joined(separator: ", "))\n"
            }
        }
        let missing = missingFacts(d)
        if !missing.isEmpty {
            out += "\n" + paint("Still missing", "1") + "\n"
            for (fact, needs) in missing {
                out += "  " + paint("?", "36") + " \(fact) — \(needs)\n"
            }
        }
        return out
    }

    /// Each missing fact with the rules that need it (and for which items), in order of first need:
    /// `start — start_in_past; too_soon for SIEM, EDR (warning)`.
    package func missingFacts(_ d: Decision) -> [(fact: String, neededBy: String)] {
        d.factsNeeded.map { need in
            let all = need.rules.map { r in
                r.rule + (r.items.isEmpty ? "" : " for " + r.items.joined(separator: ", ")) + (r.kind == .warn ? " (warning)" : "")
            }
            let shown = all.count > 6 ? Array(all.prefix(5)) + ["and \(all.count - 5) more rules"] : all
            return (need.fact, shown.joined(separator: "; "))
        }
    }


    private func origin(_ rule: String, _ item: String?, indent: Int = 6) -> String {
        let pad = String(repeating: " ", count: indent)
        return paint(pad + "rule \(rule)" + (item.map { " · item \($0)" } ?? ""), "2") + "\n"
    }

    /// With `--explain`: the condition and the values it read.
    private func explained(_ e: Explanation?, indent: Int = 6) -> String {
        guard let e else { return "" }
        let pad = String(repeating: " ", count: indent)
        let values = e.values.map { "\($0.0) = \($0.1 ?? "unknown")" }.joined(separator: ", ")
        return paint(pad + "when \(e.condition)" + (values.isEmpty ? "" : " · \(values)"), "2") + "\n"
    }

    private func orderedUnique(_ xs: [String]) -> [String] {
        var seen: Set<String> = []
        return xs.filter { seen.insert($0).inserted }
    }

    private func list(_ xs: [String]) -> String {
        switch xs.count {
        case 0: return ""
        case 1: return xs[0]
        default: return xs.dropLast().joined(separator: ", ") + " and " + xs[xs.count - 1]
        }
    }

    private func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// A fact a decision still needs, with the rules that need it.
package struct FactNeeded: Sendable, Hashable {
    package struct NeededBy: Sendable, Hashable {
        package let rule: String
        package let kind: OutcomeKind
        /// The items it is undecided for (none for a rule about the deal).
        package var items: [String]
    }

    package let fact: String
    package var rules: [NeededBy]
}

extension Decision {
    /// The teams whose approval the decision requires, in the order their rules fired.
    package var teamsRequired: [String] {
        var seen: Set<String> = []
        return outcomes.compactMap(\.team).filter { seen.insert($0).inserted }
    }

    /// The facts the undecided `deny` and `require` rules need, in order of first need (what
    /// keeps the decision from being complete; a warning's facts do not).
    package var factsToDecide: [String] {
        var seen: Set<String> = []
        return undetermined.filter { $0.kind != .warn }.flatMap(\.missing).filter { seen.insert($0).inserted }
    }

    /// Each fact still missing, in order of first need, with the rules that need it (and for
    /// which items).
    package var factsNeeded: [FactNeeded] {
        var out: [FactNeeded] = []
        var index: [String: Int] = [:]
        for u in undetermined.uniqueEntries {
            for m in u.missing {
                let i = index[m] ?? {
                    out.append(FactNeeded(fact: m, rules: []))
                    index[m] = out.count - 1
                    return out.count - 1
                }()
                if let k = out[i].rules.firstIndex(where: { $0.rule == u.rule }) {
                    if let item = u.item { out[i].rules[k].items.append(item) }
                } else {
                    out[i].rules.append(.init(rule: u.rule, kind: u.kind, items: u.item.map { [$0] } ?? []))
                }
            }
        }
        return out
    }
}

extension [Undetermined] {
    /// One entry per rule and item (a `require` of two approvals is one rule).
    package var uniqueEntries: [Undetermined] {
        var seen: Set<String> = []
        return filter { seen.insert($0.rule + "\u{0}" + ($0.item ?? "")).inserted }
    }
}
