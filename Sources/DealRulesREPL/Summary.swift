import DealRules

/// How the session words decisions: the one-line summary after each fact, what changed,
/// `:why`, `:missing`.
struct Summary {
    let style: Style

    /// Names shown in the one-line summary before the rest are counted: a large rule set can
    /// deny a deal by dozens of rules, and the line is meant to be read at a glance (`:why`
    /// lists them all).
    static let namesShown = 5

    /// `NEEDS APPROVAL — Finance, Security   +Security −Service Delivery`; against an approved
    /// version, `NEEDS APPROVAL — ask Service Delivery again (service "X" added); Finance, Security
    /// still approved`.
    func line(_ d: Decision, since old: Decision?, approved: Reapproval? = nil) -> String {
        var out = headline(d, approved: approved)
        if let old {
            let (gained, lost) = changes(from: old, to: d)
            var marks = gained.prefix(Self.namesShown).map { style.bad("+" + $0) }
            marks += lost.prefix(max(0, Self.namesShown - gained.count)).map { style.good("−" + $0) }
            let more = gained.count + lost.count - marks.count
            if more > 0 { marks.append(style.dim("and \(more) more changes")) }
            if !marks.isEmpty { out += "   " + marks.joined(separator: " ") }
        }
        return out
    }

    /// `a, b, c`, or past `namesShown` names, `a, b, c, d, e and 33 more`.
    private func listed(_ names: [String]) -> String {
        guard names.count > Self.namesShown else { return names.joined(separator: ", ") }
        return names.prefix(Self.namesShown).joined(separator: ", ") + " and \(names.count - Self.namesShown) more"
    }

    /// The decision, and for an incomplete or blocked one what already holds whatever the
    /// missing facts are: `INCOMPLETE — needs Finance and CTO already; missing addons, contract
    /// and 4 more`.
    func headline(_ d: Decision, approved: Reapproval?) -> String {
        guard let approved else { return headline(d) }
        let still = approved.stillStanding
        switch (d.kind, approved.askClause) {
        case (.needsApproval, let ask?):
            return style.paint("NEEDS APPROVAL", "1;33") + " — " + ask + (still.isEmpty ? "" : "; \(and(still)) still approved")
        case (.needsApproval, nil):
            return style.paint("NEEDS APPROVAL", "1;33") + " — " + d.teamsRequired.joined(separator: ", ") + " (all still approved)"
        case (.blocked, let ask?), (.incomplete, let ask?):
            return headline(d) + "; " + ask
        case (.approved, _), (.blocked, nil), (.incomplete, nil):
            return headline(d)
        }
    }

    func headline(_ d: Decision) -> String {
        let teams = and(d.teamsRequired)
        let facts = d.factsToDecide
        let missing = facts.isEmpty ? nil : "missing " + listed(facts)
        switch d.kind {
        case .blocked:
            let rules = unique(d.outcomes.filter { $0.kind == .deny }.map(label))
            var parts = ["denied by " + listed(rules)]
            if !teams.isEmpty { parts.append("needs \(teams)" + (missing == nil ? "" : " already")) }
            if let missing { parts.append(missing) }
            return style.paint("BLOCKED", "1;31") + " — " + parts.joined(separator: "; ")
        case .incomplete:
            guard let missing else { return style.paint("INCOMPLETE", "1;33") + " — some rules could not be decided (`:why`)" }
            return style.paint("INCOMPLETE", "1;33") + " — " + (teams.isEmpty ? "" : "needs \(teams) already; ") + missing
        case .needsApproval:
            return style.paint("NEEDS APPROVAL", "1;33") + " — " + d.teamsRequired.joined(separator: ", ")
        case .approved:
            let w = d.warnings.count
            return style.paint("APPROVED", "1;32") + (w > 0 ? " — \(count(w, "warning"))" : "")
        }
    }

    /// `a`, `a and b`, `a, b and c`.
    private func and(_ xs: [String]) -> String {
        xs.count < 2 ? xs.first ?? "" : xs.dropLast().joined(separator: ", ") + " and " + xs[xs.count - 1]
    }

    /// What a decision has that another has not: approvals (by team), denials, warnings.
    func labels(_ d: Decision) -> [String] {
        unique(d.outcomes.map { o in
            switch o.kind {
            case .require: o.team ?? o.approval ?? o.rule
            case .deny: "deny " + label(o)
            case .warn: "warning " + label(o)
            }
        })
    }

    func changes(from old: Decision, to new: Decision) -> (gained: [String], lost: [String]) {
        let a = labels(old), b = labels(new)
        return (b.filter { !a.contains($0) }, a.filter { !b.contains($0) })
    }

    func label(_ o: Outcome) -> String { o.rule + (o.item.map { " (\($0))" } ?? "") }

    /// What `:why` is asked about.
    enum Focus {
        case all
        case approval(String)
        case rule(String)
        case deny

        func matches(kind: OutcomeKind, approval: String?, rule: String) -> Bool {
            switch self {
            case .all: true
            case .approval(let a): approval == a
            case .rule(let r): rule == r
            case .deny: kind == .deny
            }
        }
    }

    /// `:why`: each outcome with the values that made it fire, then near misses.
    func why(_ d: Decision, nearMisses: [NearMiss], focus: Focus) -> String {
        var out = headline(d) + "\n"
        let shown = d.outcomes.filter { focus.matches(kind: $0.kind, approval: $0.approval, rule: $0.rule) }
        var lastGroup = ""
        for o in shown {
            let group: String
            switch o.kind {
            case .require: group = "\(o.team ?? "") (\(o.approval ?? ""))"
            case .deny: group = "Denied"
            case .warn: group = "Warnings"
            }
            if group != lastGroup {
                out += "\n" + style.bold(group) + "\n"
                lastGroup = group
            }
            let annotated = o.explanation?.annotated ?? o.message
            out += "  \(label(o)): \(annotated)\n"
            for d in o.explanation?.defines ?? [] { out += "    where \(d.name): \(d.annotated)\n" }
            if annotated != o.message { out += style.dim("    “\(o.message)”") + "\n" }
        }
        if shown.isEmpty { out += "\nno rule of that kind fired\n" }
        let undecided = d.undetermined.filter { focus.matches(kind: $0.kind, approval: $0.approval, rule: $0.rule) }
        if !undecided.isEmpty {
            out += "\n" + style.bold("Undecided") + "\n"
            var seen: Set<String> = []
            for u in undecided where seen.insert(u.rule + (u.item ?? "")).inserted {
                let why = u.errors.isEmpty ? "needs " + u.missing.joined(separator: ", ") : u.errors.joined(separator: ", ")
                out += "  \(u.rule)\(u.item.map { " (\($0))" } ?? ""): \(why)\n"
            }
        }
        if !nearMisses.isEmpty {
            out += "\n" + style.bold("Near misses") + "\n"
            for m in nearMisses { out += "  \(m)\n" }
        }
        return String(out.dropLast())
    }

    /// `:missing`: each fact still needed, with the rules that need it.
    func missing(_ d: Decision) -> String {
        guard !d.undetermined.isEmpty else { return "nothing is missing: every rule could be decided" }
        var lines = DecisionRenderer().missingFacts(d).map { "\($0.fact) — \($0.neededBy)" }
        var seen: Set<String> = []
        let failed = d.undetermined.filter { !$0.errors.isEmpty && seen.insert($0.rule + ($0.item ?? "")).inserted }
        if !failed.isEmpty {
            lines.append("could not compute: " + failed.map { "\($0.rule): \($0.errors.joined(separator: ", "))" }.joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }

    private func unique(_ xs: [String]) -> [String] {
        var seen: Set<String> = []
        return xs.filter { seen.insert($0).inserted }
    }
}
