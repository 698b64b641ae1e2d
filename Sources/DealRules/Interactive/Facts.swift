/// Fact statements applied to a draft deal: `discount = 25%`, `add service "SIEM" with seats = 20`,
/// `remove service "SIEM"`, `unset discount`, `today = 2026-12-01`. The REPL applies what a
/// salesperson types; a scenario applies its checked facts the same way.
extension RuleSet {
    /// Parses, checks and applies one fact statement to `draft`; on any problem the draft is
    /// unchanged and the error carries diagnostics pointing into `text`.
    package func apply(fact text: String, to draft: inout DealDraft, today: Day? = nil,
                      sourceName: String = "<input>") throws(LoadError) {
        let source = SourceFile(path: sourceName, text: text)
        let lexer = Lexer.tokenize(source, limits: limits)
        var parser = Parser(source, tokens: lexer.tokens, limits: limits)
        let statement = try? parser.parseFact()
        if statement != nil, parser.kind != .endOfInput {
            parser.report(.expectedToken, "unexpected \(parser.describe(parser.tok)) after the fact", at: parser.tok.range,
                          help: "one fact at a time; `:whatif` takes several separated by `;`")
        }
        var diagnostics = lexer.diagnostics + parser.diagnostics
        var checker = Checker(extending: self)
        let fact = statement.flatMap { checker.checkFact($0, source) }
        diagnostics += checker.diagnostics
        guard let fact, !diagnostics.hasErrors else { throw LoadError(diagnostics: diagnostics) }
        try apply(fact, to: &draft, today: today, location: SourceLocation(source, SourceRange(0, text.utf8.count)))
    }

    /// Applies a checked fact. Its value is computed against the draft as it stands.
    func apply(_ fact: Fact, to draft: inout DealDraft, today: Day?, location: SourceLocation?) throws(LoadError) {
        func fail(_ code: DiagnosticCode, _ message: String, help: String? = nil) -> LoadError {
            LoadError(diagnostics: [Diagnostic(code, message, at: location, help: help)])
        }
        let (current, _) = deal(from: draft)
        var ev = Evaluator(self, deal: current, today: draft.today ?? today ?? Day.localToday())
        // The field the fact changed: the deal must be able to hold its new value.
        var changed: String?
        let old = draft.fields
        ev.beginRule(bindings: 1, item: nil)
        func value(_ node: Node) throws(LoadError) -> Value {
            let v = ev.eval(node)
            switch v {
            case .unknown:
                var missing: Set<String> = [], errors: Set<EvalError> = []
                ev.collectUnknown(node, fieldNames, &missing, &errors)
                throw fail(.unknownFactValue, "the value is unknown: it needs \(missing.sorted().map { "`\($0)`" }.joined(separator: ", "))",
                           help: "give those facts first")
            case .failure(let e):
                throw fail(e.code, "the value cannot be computed: \(e.rawValue)")
            default:
                return v
            }
        }
        switch fact {
        case .set(let slot, let node):
            let field = fields[slot]
            let v = try value(node)
            defer { changed = field.name }
            if case .list(.item) = field.type {
                // Items by name; items already in the deal keep what was given for them.
                let existing = draft.fields[field.name]?.listItems ?? []
                var items: [DealValue] = []
                if case .list(let names) = v {
                    for case .text(let name) in names {
                        items.append(existing.first { $0.itemName == name } ?? .object(["name": .text(name)]))
                    }
                }
                draft.fields[field.name] = .list(items)
            } else {
                draft.fields[field.name] = dealValue(v, in: current)
            }
        case .unset(let slot):
            draft.fields[fields[slot].name] = nil
        case .today(let node):
            if case .date(let d) = try value(node) { draft.today = d }
        case .add(let k, let name, let assignments):
            let kind = itemKinds[k]
            let listName = fields[kind.listField!].name
            var items = draft.fields[listName]?.listItems ?? []
            var object = items.first { $0.itemName == name }?.objectMembers ?? ["name": .text(name)]
            for (f, node) in assignments {
                object[kind.fields[f].name] = dealValue(try value(node), in: current)
            }
            if let i = items.firstIndex(where: { $0.itemName == name }) {
                items[i] = .object(object)
            } else {
                items.append(.object(object))
            }
            draft.fields[listName] = .list(items)
            changed = listName
        case .remove(let k, let name):
            let kind = itemKinds[k]
            let listName = fields[kind.listField!].name
            var items = draft.fields[listName]?.listItems ?? []
            guard let i = items.firstIndex(where: { $0.itemName == name }) else {
                let names = items.compactMap(\.itemName)
                throw fail(.noSuchItem, "the deal has no \(kind.name) named \(ValueText.quoted(name))",
                           help: Suggestions.didYouMean(name, names).map { $0 }
                               ?? (names.isEmpty ? "the deal has no \(kind.name) yet" : "its \(listName) are \(names.map(ValueText.quoted).joined(separator: ", "))"))
            }
            items.remove(at: i)
            draft.fields[listName] = .list(items)
        }
        // A value the deal reader would refuse (an item listed twice) is refused here, with the
        // reader's words, so it never reaches the deal, `:save` or a scenario. A list that did
        // not fit before (kept aside after a reload) is not this fact's doing.
        if let changed, let value = draft.fields[changed] {
            do {
                _ = try deal([changed: value])
            } catch {
                if let before = old[changed], (try? deal([changed: before])) == nil { return }
                draft.fields = old
                throw fail(error.code, error.message, help: error.help)
            }
        }
    }
}

extension DealValue {
    var listItems: [DealValue]? {
        if case .list(let xs) = self { return xs }
        return nil
    }

    var itemName: String? {
        if case .object(let o) = self, case .text(let n)? = o["name"] { return n }
        return nil
    }
}
