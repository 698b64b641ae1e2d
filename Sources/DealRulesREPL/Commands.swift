import DealRules

import Glibc

/// The `:commands`, each a method of the session.
extension Session {
    struct Command {
        let name: String
        let arguments: String
        let summary: String
        let detail: String
    }

    static let commands: [Command] = [
        Command(name: "help", arguments: "[COMMAND]", summary: "what can be typed",
                detail: "`:help` lists everything; `:help why` explains one command."),
        Command(name: "deal", arguments: "", summary: "show the current deal as facts",
                detail: "Facts that no longer fit the rules (after a reload) are listed apart: they are kept, not dropped."),
        Command(name: "why", arguments: "[APPROVAL | RULE | deny]", summary: "the rules behind the decision, with the values that made them fire",
                detail: "Also lists near misses: thresholds the deal is close to (`discount 19%: 1 point under deep_discount`)."),
        Command(name: "missing", arguments: "", summary: "the facts still needed to decide, and the rules that need them",
                detail: "Give those facts (`term = 24 months`) until the decision is no longer incomplete."),
        Command(name: "whatif", arguments: "FACT [; FACT…]", summary: "what would appear or disappear with those facts; the deal is unchanged",
                detail: "`:whatif discount = 15%; term = 24 months`"),
        Command(name: "avoid", arguments: "APPROVAL | deny", summary: "the smallest changes of one fact that would remove it, each checked",
                detail: "`:avoid finance_approval` might answer `discount ≤ 20%`. Each suggestion was tried on a copy of the deal."),
        Command(name: "approved", arguments: "[off]", summary: "record the deal as it stands as the approved version",
                detail: "After each change the decision line then says which team must be asked again, and why; `:since` shows it all. `:approved off` forgets it."),
        Command(name: "since", arguments: "", summary: "the deal against its approved version: what still stands, whom to ask again",
                detail: "Every approval the approved version needed counts as given; one must be asked again when a rule behind it is new or read a changed fact."),
        Command(name: "undo", arguments: "", summary: "take back the last change to the deal", detail: ""),
        Command(name: "reset", arguments: "", summary: "start over with an empty deal", detail: "`:undo` brings the deal back."),
        Command(name: "open", arguments: "FILE.json", summary: "read a deal from a JSON file",
                detail: "The deal's JSON as `dealrules eval --deal` reads it. Fields the rules do not know are kept aside."),
        Command(name: "save", arguments: "FILE.json | FILE.rules [NAME]", summary: "write the deal as JSON, or append it to a rule file as a scenario",
                detail: "A `.rules` file gets a `scenario` block with the deal's facts and what it gets now: a test for `dealrules test`. Rules in the file are never overwritten."),
        Command(name: "rules", arguments: "[TEXT]", summary: "the rules in force (those mentioning TEXT)", detail: ""),
        Command(name: "load", arguments: "FILE…", summary: "add rule files or folders (a file already loaded is read again)", detail: ""),
        Command(name: "reload", arguments: "", summary: "read every rule file again, and forget rules typed here",
                detail: "Files are also reloaded on their own when they change on disk."),
        Command(name: "write", arguments: "FILE", summary: "append the rules typed here to a rule file (checked first, written atomically)",
                detail: "So a draft rule becomes part of the rule set. Then the rule-set analysis's warnings about the rules written are shown (docs/analysis.md): a rule that never fires, one another rule already covers, a tier that crosses or leaves a hole."),
        Command(name: "quit", arguments: "", summary: "leave (Ctrl-D on an empty line does too)", detail: ""),
    ]

    func command(_ text: String) -> Reply {
        let body = String(text.dropFirst())
        let name = String(body.prefix { !$0.isWhitespace })
        let rest = String(body.dropFirst(name.count)).trimmed
        switch name {
        case "help", "h", "?": return help(rest)
        case "deal": return Reply(showDeal())
        case "why": return why(rest)
        case "missing": return Reply(Summary(style: style).missing(currentDecision()))
        case "whatif": return whatif(rest)
        case "avoid": return avoid(rest)
        case "approved": return approve(rest)
        case "since": return rest.isEmpty ? sinceApproved() : failure("`:since` takes nothing", help: "`:since` compares the deal with its approved version")
        case "undo": return undo()
        case "reset": return reset()
        case "open": return open(rest)
        case "save": return save(rest)
        case "rules": return listRules(rest)
        case "load": return load(rest)
        case "reload": return Reply(reload(dropTyped: true))
        case "write": return write(rest)
        case "quit", "q", "exit": return Reply("", quit: true)
        default:
            let names = Session.commands.map(\.name)
            let hint = Suggestions.didYouMean(name, names).map { $0.replacingColon() } ?? "`:help` lists the commands"
            return Reply(style.error("error") + ": unknown command `:\(name)`\n  = help: \(hint)", failed: true)
        }
    }

    /// Arguments separated by spaces; quotes keep spaces in one argument.
    func arguments(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        var any = false
        for c in text {
            if c == "\"" {
                quoted.toggle()
                any = true
            } else if c.isWhitespace, !quoted {
                if any { out.append(current) }
                current = ""
                any = false
            } else {
                current.append(c)
                any = true
            }
        }
        if any { out.append(current) }
        return out
    }

    func failure(_ message: String, help: String? = nil) -> Reply {
        Reply(style.error("error") + ": \(message)" + (help.map { "\n  = help: \($0)" } ?? ""), failed: true)
    }

    // MARK: :help

    func help(_ topic: String) -> Reply {
        let topic = topic.hasPrefix(":") ? String(topic.dropFirst()) : topic
        if !topic.isEmpty {
            guard let c = Session.commands.first(where: { $0.name == topic }) else {
                return failure("no command `:\(topic)`", help: Suggestions.didYouMean(topic, Session.commands.map(\.name))?.replacingColon()
                    ?? "`:help` lists the commands")
            }
            return Reply(":\(c.name) \(c.arguments)".trimmed + "\n  \(c.summary)" + (c.detail.isEmpty ? "" : "\n  \(c.detail)"))
        }
        let width = Session.commands.map { ":\($0.name) \($0.arguments)".count }.max() ?? 20
        var out = """
            Type a fact to change the deal, a question to ask about it, a rule to try, or a command.

            \(style.bold("Facts"))  change the deal and show the new decision
              region = EU                          set a field
              add service "SIEM" with seats = 20   add a line item (or change one)
              remove service "SIEM"                take one out
              unset discount                       forget a fact
              today = 2026-12-01                   decide as of another day
            \(style.bold("Questions"))  print a value, or `unknown` with the facts it needs
              discount is 25%
              count of services where service in catalog
            \(style.bold("Rules"))  typed here join the rules until `:reload` (`:write FILE` keeps them)
              require finance_approval when discount > 15%
            \(style.bold("Commands"))

            """
        for c in Session.commands {
            let head = ":\(c.name) \(c.arguments)"
            out += "  " + head + String(repeating: " ", count: width - head.count + 2) + c.summary + "\n"
        }
        out += "\nTab completes names, values and files; Up recalls earlier input; Ctrl-C clears the line."
        return Reply(out)
    }

    // MARK: :deal

    func showDeal() -> String {
        let facts = rules.factStatements(draft)
        var out = facts.isEmpty && aside.isEmpty
            ? "the deal is empty: give a fact (`region = EU`), or `:open deal.json`"
            : facts.joined(separator: "\n")
        if draft.today == nil, !facts.isEmpty {
            out += style.dim("\n(today is \((options.today ?? Day.localToday()).description))")
        }
        if !aside.isEmpty { out += (out.isEmpty ? "" : "\n") + asideNote() }
        return out
    }

    // MARK: :why

    func why(_ what: String) -> Reply {
        let focus: Summary.Focus
        if what.isEmpty {
            focus = .all
        } else if what == "deny" {
            focus = .deny
        } else if rules.approval(named: what) != nil {
            focus = .approval(what)
        } else if rules.rule(named: what) != nil {
            focus = .rule(what)
        } else if let rule = rules.rule(at: what) {
            focus = .rule(rule.name)
        } else {
            let names = rules.approvals.map(\.name) + rules.rules.map(\.name) + ["deny"]
            return failure("`\(what)` is not an approval or a rule", help: Suggestions.didYouMean(what, names)
                ?? "`:why` alone explains the whole decision")
        }
        let d = currentDecision(explain: true)
        var misses = rules.nearMisses(deal, today: options.today)
        if case .approval(let a) = focus {
            let names = Set(rules.rules.filter { $0.approvals.contains { rules.approvals[$0].name == a } }.map(\.name))
            misses = misses.filter { names.contains($0.rule) }
        }
        if case .rule(let r) = focus { misses = misses.filter { $0.rule == r } }
        if case .deny = focus {
            let names = Set(rules.rules.filter { $0.outcome == .deny }.map(\.name))
            misses = misses.filter { names.contains($0.rule) }
        }
        return Reply(Summary(style: style).why(d, nearMisses: misses, focus: focus))
    }

    // MARK: :whatif

    func whatif(_ text: String) -> Reply {
        let facts = splitFacts(text)
        guard !facts.isEmpty else {
            return failure("`:whatif` needs facts", help: "`:whatif discount = 15%; term = 24 months`")
        }
        var copy = draft
        for f in facts {
            do {
                try rules.apply(fact: f, to: &copy, today: options.today)
            } catch {
                return Reply(render(error.diagnostics), failed: true)
            }
        }
        let before = currentDecision()
        let after = rules.decide(rules.deal(from: copy).deal, today: options.today)
        let summary = Summary(style: style)
        let (gained, lost) = summary.changes(from: before, to: after)
        var lines: [String] = []
        if before.kind != after.kind {
            lines.append("  \(summary.headline(before)) \(style.arrow) \(summary.headline(after))")
        }
        lines += lost.map { "  " + style.good("− " + $0) }
        lines += gained.map { "  " + style.bad("+ " + $0) }
        let newlyMissing = after.missing.filter { !before.missing.contains($0) }
        lines += newlyMissing.map { "  " + style.bad("+ needs " + $0) }
        let with = "with " + facts.joined(separator: "; ")
        return Reply(lines.isEmpty ? "\(with): nothing would change" : "\(with):\n" + lines.joined(separator: "\n"))
    }

    /// Facts separated by `;` (outside quotes and brackets).
    func splitFacts(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        var depth = 0
        for c in text {
            if c == "\"" { quoted.toggle() }
            if !quoted {
                if c == "(" || c == "[" { depth += 1 }
                if c == ")" || c == "]" { depth -= 1 }
                if c == ";", depth <= 0 {
                    out.append(current.trimmed)
                    current = ""
                    continue
                }
            }
            current.append(c)
        }
        out.append(current.trimmed)
        return out.filter { !$0.isEmpty }
    }

    // MARK: :avoid

    func avoid(_ what: String) -> Reply {
        let target: AvoidTarget
        let description: String
        if what == "deny" {
            target = .deny
            description = "every denial"
        } else if let a = rules.approval(named: what) {
            target = .approval(what)
            description = "\(a.name) (\(a.team))"
        } else {
            let names = rules.approvals.map(\.name) + ["deny"]
            return failure(what.isEmpty ? "`:avoid` needs an approval or `deny`" : "`\(what)` is not an approval",
                           help: Suggestions.didYouMean(what, names) ?? "approvals: \(rules.approvals.map(\.name).joined(separator: ", ")); or `deny`")
        }
        let result = rules.avoid(target, in: draft, today: options.today)
        guard result.present else {
            return Reply(what == "deny" ? "nothing denies the deal now" : "the deal does not need \(description) now")
        }
        guard !result.suggestions.isEmpty else {
            let decision = currentDecision()
            let rulesBehind = decision.outcomes.filter { what == "deny" ? $0.kind == .deny : $0.approval == what }.map(\.rule)
            return Reply("no change of one fact, nor of two, avoids \(description) (\(count(result.decisions, "changed deal")) tried); "
                + "the rules behind it: \(Set(rulesBehind).sorted().joined(separator: ", ")) (`:why` shows them)")
        }
        let shown = 8
        var out = result.triedPairs
            ? "no change of one fact avoids \(description); changing two does:\n"
            : "to avoid \(description), change one of:\n"
        for s in result.suggestions.prefix(shown) {
            var line = "  " + s.changes.map(\.description).joined(separator: style.dim(" and "))
            let nows = s.changes.compactMap(\.now)
            if !nows.isEmpty { line += style.dim("  (now \(nows.joined(separator: ", ")))") }
            let facts = s.changes.map(\.fact)
            if facts != s.changes.map(\.description) { line += style.dim("  — `\(facts.joined(separator: "; "))`") }
            if !s.brings.isEmpty { line += "\n    " + style.bad("but it brings " + s.brings.joined(separator: ", ")) }
            if !s.removes.isEmpty { line += "\n    " + style.good("and it also removes " + s.removes.joined(separator: ", ")) }
            out += line + "\n"
        }
        if result.suggestions.count > shown { out += style.dim("  … and \(result.suggestions.count - shown) more") + "\n" }
        return Reply(String(out.dropLast()))
    }

    // MARK: :approved, :since

    func approve(_ argument: String) -> Reply {
        if argument == "off" {
            guard approved != nil else { return Reply("no version is recorded as approved") }
            approved = nil
            persist()
            return Reply("forgot the approved version")
        }
        guard argument.isEmpty else { return failure("`:approved` takes nothing, or `off`", help: "`:approved` records the deal as it stands") }
        guard !draft.isEmpty else {
            return failure("the deal is empty: there is nothing to approve yet", help: "give the facts of the deal that was approved, or `:open approved.json`")
        }
        let replaced = approved != nil
        approved = draft
        persist()
        let decision = currentDecision()
        let needs = decision.required.isEmpty ? "it needs no approval"
            : "its approvals count as given: " + decision.teamsRequired.joined(separator: ", ")
        return Reply((replaced ? "recorded the deal as approved again" : "recorded the deal as approved") + " (\(needs)); "
            + "from now on the decision line says which team to ask again, and `:since` why")
    }

    func sinceApproved() -> Reply {
        guard let r = reapproval() else {
            return failure("no version of the deal is recorded as approved", help: "`:approved` records the deal as it stands")
        }
        return Reply(String(r.render(color: options.color).dropLast()))
    }

    // MARK: :rules

    func listRules(_ filter: String) -> Reply {
        let shown = rules.rules.filter { r in
            filter.isEmpty || r.name.contains(filter) || r.conditionText.contains(filter)
                || r.approvals.contains { rules.approvals[$0].name.contains(filter) }
        }
        guard !shown.isEmpty else {
            return Reply(rules.rules.isEmpty ? "no rules are loaded: `:load FILE`, or type a rule" : "no rule mentions `\(filter)`")
        }
        var out: [String] = []
        for r in shown {
            let outcome = r.outcome == .require ? "require " + r.approvals.map { rules.approvals[$0].name }.joined(separator: ", ")
                : r.outcome.rawValue
            let typedMark = r.file == "<repl>" ? style.bad(" (typed here)") : ""
            out.append(style.bold(r.name) + typedMark + ": \(outcome) when \(r.conditionText)" + style.dim("  \(r.location)"))
        }
        out.append(style.dim("\(count(shown.count, "rule"))"))
        return Reply(out.joined(separator: "\n"))
    }

    // MARK: :open, :save

    func open(_ text: String) -> Reply {
        guard let path = arguments(text).first else { return failure("`:open` needs a file", help: "`:open deal.json`") }
        guard let bytes = readFile(path, limit: options.limits.maxDealBytes) else {
            return failure("cannot read `\(path)`: \(String(cString: strerror(errno)))")
        }
        let value: DealValue
        do {
            value = try DealValue.parse(json: bytes, limits: options.limits)
        } catch {
            return failure("`\(path)`:\(error.location?.line ?? 1):\(error.location?.column ?? 1): \(error.message)")
        }
        guard case .object = value else { return failure("`\(path)` is not a deal: a deal is a JSON object `{…}`") }
        let next = DealDraft(jsonValue: value)
        let reply = change(to: next, note: "opened \(path)")
        if !aside.isEmpty { return Reply(asideNote() + "\n" + reply.output) }
        return reply
    }

    func save(_ text: String) -> Reply {
        let args = arguments(text)
        guard let path = args.first else {
            return failure("`:save` needs a file", help: "`:save deal.json`, or `:save northwind.rules \"EU SIEM deal\"` for a scenario")
        }
        if path.hasSuffix(".json") {
            do {
                try writeAtomically(Array((draft.json(pretty: true) + "\n").utf8), to: path)
            } catch {
                return failure(error.description)
            }
            return Reply("saved the deal to \(path)")
        }
        guard path.hasSuffix(".rules") else {
            return failure("save as FILE.json (the deal) or FILE.rules (a scenario appended to it)")
        }
        let today = draft.today ?? options.today ?? Day.localToday()
        let name = args.count > 1 ? args.dropFirst().joined(separator: " ") : "deal saved on \(today.description)"
        let scenario = rules.scenarioText(for: draft, name: name, today: options.today)
        let old = readFile(path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let separator = old.isEmpty ? "" : (old.hasSuffix("\n") ? "\n" : "\n\n")
        do {
            try writeAtomically(Array((old + separator + scenario).utf8), to: path)
        } catch {
            return failure(error.description)
        }
        return Reply("appended scenario \"\(name)\" to \(path)")
    }

    // MARK: :load, :write

    func load(_ text: String) -> Reply {
        let args = arguments(text)
        guard !args.isEmpty else { return failure("`:load` needs rule files or folders", help: "`:load samples/northwind`") }
        for a in args where access(a, F_OK) != 0 {
            return failure("`\(a)` does not exist")
        }
        let newPaths = paths + args.filter { !paths.contains($0) }
        let result = RuleSet.load(paths: newPaths, sources: typed, limits: options.limits)
        guard result.ruleSet != nil else {
            return Reply(render(result.diagnostics.filter(\.isError)) + "\n"
                + style.warning("not loaded: the rules in force stay"), failed: true)
        }
        paths = newPaths
        return Reply(reload(loaded: args.joined(separator: ", ")))
    }

    func write(_ text: String) -> Reply {
        guard let path = arguments(text).first else { return failure("`:write` needs a rule file", help: "`:write drafts.rules`") }
        guard path.hasSuffix(".rules") else { return failure("write rules to a `.rules` file") }
        guard !typed.isEmpty else { return failure("no rules were typed in this session", help: "type a rule first: `require finance_approval when discount > 15%`") }
        let old = readFile(path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let typedText = typed.map { $0.text.trimmed }.joined(separator: "\n\n")
        let block = ((try? Formatter.format(text: typedText, name: path).get()) ?? typedText + "\n").trimmed
        let separator = old.isEmpty ? "" : (old.hasSuffix("\n") ? "\n" : "\n\n")
        let newText = old + separator + block + "\n"
        // Check the rules with the file as it would be, before writing anything.
        let real = realPath(path)
        let isLoaded = real != nil && rules.files.contains { $0.absolutePath == real }
        let check = isLoaded
            ? RuleSet.load(paths: paths, overrides: [path: newText], limits: options.limits)
            : RuleSet.load(paths: paths, sources: [(path, newText)], limits: options.limits)
        guard check.ruleSet != nil else {
            return Reply(render(check.diagnostics.filter(\.isError)) + "\n"
                + style.warning("not written: with these rules added, `\(path)` would not load"), failed: true)
        }
        do {
            try writeAtomically(Array(newText.utf8), to: path)
        } catch {
            return failure(error.description)
        }
        let n = typed.count
        typed = []
        let written = realPath(path)
        if !isLoaded, !paths.contains(where: { realPath($0).map { written?.hasPrefix($0 + "/") ?? false } ?? false }) {
            paths.append(path)
        }
        let reloaded = reload()
        // The analysis's warnings about what was just written (docs/analysis.md).
        let blockStart = old.utf8.count + separator.utf8.count
        let findings = rules.analyze().filter { d in
            guard d.severity == .warning, let l = d.location else { return false }
            return l.file.absolutePath == written && Int(l.range.start) >= blockStart
        }
        return Reply("wrote \(count(n, "declaration")) to \(path)\n" + reloaded + (findings.isEmpty ? "" : "\n" + render(findings)))
    }

    func realPath(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }
}

extension String {
    /// `did you mean `why`?` → `did you mean `:why`?`
    func replacingColon() -> String {
        guard let open = firstIndex(of: "`") else { return self }
        var s = self
        s.insert(":", at: s.index(after: open))
        return s
    }
}

