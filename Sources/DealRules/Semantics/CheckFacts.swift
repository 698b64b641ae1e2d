/// Fact statements and scenarios: what a salesperson types, resolved against the declarations.
extension Checker {
    mutating func checkScenarios() {
        var seen: [String: SourceLocation] = [:]
        for unit in units {
            guard case .scenario(let name, let nameRange, let statements) = unit.declaration.kind else { continue }
            let src = unit.source
            if let first = seen[name] {
                error(.duplicateName, "a scenario named \(ValueText.quoted(name)) already exists", src, nameRange,
                      help: "scenario names are unique, so a failure names one scenario",
                      notes: [.init("the first scenario", at: first)])
                continue
            }
            seen[name] = SourceLocation(src, nameRange)
            var facts: [(fact: Fact, text: String, location: SourceLocation)] = []
            var expectations: [ScenarioExpectation] = []
            for statement in statements {
                switch statement {
                case .fact(let f, let range):
                    if let fact = checkFact(f, src) {
                        facts.append((fact, src.text(of: range), SourceLocation(src, range)))
                    }
                case .expect(let e):
                    if let x = checkExpectation(e, src) { expectations.append(x) }
                }
            }
            scenarios.append(Scenario(name: name, location: SourceLocation(src, nameRange), facts: facts, expectations: expectations))
        }
    }

    mutating func checkExpectation(_ e: Expectation, _ src: SourceFile) -> ScenarioExpectation? {
        let what: ScenarioExpectation.What
        switch e.what {
        case .decision(let d): what = .decision(d)
        case .deny: what = .deny
        case .warn: what = .warn
        case .require(let name):
            guard let a = approvalIndex[name.text] else {
                error(.unknownApproval, "unknown approval `\(name.text)`", src, name.range,
                      help: Suggestions.didYouMean(name.text, approvals.map(\.name)))
                return nil
            }
            what = .require(approval: a)
        case .rule(let name):
            guard let r = ruleIndex[name.text] else {
                if let byLine = Rule.at(name.text, in: rules, unnamedOnly: true) {
                    // Unnamed rules were once named by their line (`pricing.rules:35`).
                    error(.unknownRule, "rules are not named by their line any more: `\(name.text)` is the rule `\(byLine.name)`",
                          src, name.range,
                          help: "write `expect rule \(ValueText.quoted(byLine.name))`, or name the rule (`rule NAME:`) and expect that name")
                    return nil
                }
                error(.unknownRule, "no rule is named `\(name.text)`", src, name.range,
                      help: Suggestions.didYouMean(name.text, rules.map(\.name))
                          ?? "name the rule with `rule NAME:`, or write an unnamed rule's name in quotes: \"file.rules#1\"")
                return nil
            }
            what = .rule(index: r)
        }
        return ScenarioExpectation(negated: e.negated, what: what, text: src.text(of: e.range),
                                   location: SourceLocation(src, e.range))
    }


    /// Resolves one fact statement; the REPL and scenarios share it.
    mutating func checkFact(_ f: FactStatement, _ src: SourceFile) -> Fact? {
        var scope = Scope(source: src, allowsFreeItem: false)
        switch f {
        case .set(let path, let value):
            guard let field = dealField(path, src, verb: "set") else { return nil }
            let type = fields[field].type
            if case .list(.item(let k)) = type {
                // `services = []` or `services = ["SIEM", "EDR"]`: items by name.
                guard let typed = check(value, expecting: .list(.text), &scope) else { return nil }
                guard typed.type == .emptyList || typed.type == .list(.text) else {
                    error(.typeMismatch, "`\(fields[field].name)` lists \(itemKinds[k].name) items; give their names", src, value.range,
                          help: "write `\(fields[field].name) = []`, or `add \(itemKinds[k].name) \"NAME\"` for each")
                    return nil
                }
                return .set(field: field, typed.node)
            }
            guard let typed = check(value, expecting: type, &scope),
                  expectType(type, typed, value, src, "`\(fields[field].name)`") else { return nil }
            return .set(field: field, typed.node)
        case .unset(let path):
            guard let field = dealField(path, src, verb: "unset") else { return nil }
            return .unset(field: field)
        case .today(let value):
            guard let typed = check(value, expecting: .date, &scope),
                  expectType(.date, typed, value, src, "`today`") else { return nil }
            return .today(typed.node)
        case .add(let kindName, let name, _, let assignments):
            guard let (k, _) = listedKind(kindName, &scope) else { return nil }
            var out: [(Int, Node)] = []
            for a in assignments {
                guard let fi = itemKinds[k].fieldIndex[a.field.text], fi != 0 else {
                    let help = a.field.text == "name" ? "the name comes after the kind: `add \(kindName.text) \"NAME\"`"
                        : Suggestions.didYouMean(a.field.text, itemKinds[k].fields.dropFirst().map(\.name))
                    error(.unknownField, "item `\(itemKinds[k].name)` has no field `\(a.field.text)`", src, a.field.range, help: help)
                    return nil
                }
                let type = itemKinds[k].fields[fi].type
                guard let typed = check(a.value, expecting: type, &scope),
                      expectType(type, typed, a.value, src, "`\(a.field.text)`") else { return nil }
                out.append((fi, typed.node))
            }
            _ = name
            return .add(kind: k, name: name, fields: out)
        case .remove(let kindName, let name, _):
            guard let (k, _) = listedKind(kindName, &scope) else { return nil }
            return .remove(kind: k, name: name)
        }
    }

    mutating func dealField(_ path: [Name], _ src: SourceFile, verb: String) -> Int? {
        let display = path.map(\.text).joined(separator: ".")
        if path.count > 1, let k = itemKindIndex[path[0].text] {
            error(.unknownField, "`\(display)` is a field of one \(path[0].text); say which", src,
                  path[0].range.union(path[path.count - 1].range),
                  help: "write `add \(itemKinds[k].name) \"NAME\" with \(path[1].text) = …`")
            return nil
        }
        guard path.count == 1, let f = fieldIndex[path[0].text] else {
            let help = defineIndex[path[0].text] != nil ? "`\(path[0].text)` is a define, computed from the facts; \(verb) the facts it reads"
                : Suggestions.didYouMean(path[0].text, fields.map(\.name))
            error(.unknownField, "unknown field `\(display)`", src, path[0].range.union(path[path.count - 1].range),
                  help: help ?? "the deal's fields are \(fields.map { "`\($0.name)`" }.joined(separator: ", "))")
            return nil
        }
        return f
    }
}
