import DealRules

/// The requests about what is written: hover, definition, references, symbols, formatting,
/// quick fixes and the scenarios' code lenses.
extension LanguageServer {
    static let runScenarioCommand = "dealrules.runScenario"

    func key(_ doc: Document) -> String { doc.path ?? doc.uri }

    func offset(_ params: JSON, in doc: Document) throws(RequestError) -> Int {
        guard let offset = doc.map.offset(params["position"]) else { throw .invalidParams("`position` is missing") }
        return offset
    }

    /// `{"uri": …, "range": …}` of a range in an indexed file.
    func location(_ file: FileIndex, _ range: SourceRange) -> JSON {
        location(path: file.source.absolutePath ?? file.source.path, bytes: file.source.bytes, Int(range.start), Int(range.end))
    }

    // MARK: Hover

    func hover(_ params: JSON) throws(RequestError) -> JSON {
        let doc = try document(params)
        let at = try offset(params, in: doc)
        guard let (symbol, range) = workspace.symbol(in: key(doc), at: at) else { return .null }
        let text = describe(symbol)
        guard !text.isEmpty else { return .null }
        return object(("contents", object(("kind", "markdown"), ("value", .string(text)))),
                      ("range", doc.map.json(Int(range.start), Int(range.end))))
    }

    /// Where a symbol is declared, as `file:line`.
    func place(_ symbol: Symbol) -> String? {
        guard let (file, d) = workspace.definition(of: symbol) else { return nil }
        return "`\(file.source.path):\(file.source.position(of: Int(d.nameRange.start)).line)`"
    }

    /// The hover's text for a symbol, in Markdown.
    func describe(_ symbol: Symbol) -> String {
        let found = workspace.definition(of: symbol)
        let detail = found?.1.detail ?? Detail.none
        let declared = place(symbol).map { "\n\ndeclared at \($0)" } ?? ""
        func code(_ s: String) -> String { "```dealrules\n\(s)\n```" }
        switch symbol.kind {
        case .field:
            guard case .type(let t, let d) = detail else { return "" }
            return code("\(symbol.name): \(t)\(d.map { " = \($0)" } ?? "")") + "\n\na fact of the deal" + declared
        case .itemField:
            if symbol.name == "name", found == nil {
                return code("\(symbol.container).name: text") + "\n\nevery item's implicit name (a catalog entry's name)"
            }
            guard case .type(let t, let d) = detail else { return "" }
            return code("\(symbol.container).\(symbol.name): \(t)\(d.map { " = \($0)" } ?? "")")
                + "\n\na field of item `\(symbol.container)`" + declared
        case .itemKind:
            var lines = [code("item \(symbol.name)")]
            let fields = workspace.fieldsOf(itemKind: symbol.name).map { "`\($0.name)`: \($0.type)" }
            if !fields.isEmpty { lines.append("fields: " + fields.joined(separator: ", ")) }
            let listed = workspace.fieldNames.filter { $0.type == "list of \(symbol.name)" }.map { "`\($0.name)`" }
            if !listed.isEmpty { lines.append("listed by the deal's " + listed.joined(separator: ", ")) }
            let entries = workspace.catalogNames(symbol.name)
            if !entries.isEmpty { lines.append("catalog: \(entries.count) \(entries.count == 1 ? "entry" : "entries")") }
            return lines.joined(separator: "\n\n") + declared
        case .choice:
            guard case .values(let v) = detail else { return "" }
            return code("choice \(symbol.name): \(v.joined(separator: ", "))") + declared
        case .value:
            return code(symbol.name) + "\n\na value of choice `\(symbol.container)`: "
                + workspace.choiceValues(symbol.container).joined(separator: ", ") + declared
        case .define:
            guard case .text(let body) = detail else { return "" }
            return code("define \(symbol.name) = \(body)") + declared
        case .approval:
            guard case .text(let team) = detail else { return "" }
            let rules = workspace.rules(requiring: symbol.name)
            let required = rules.isEmpty ? "no rule requires it"
                : "required by " + rules.prefix(20).map { "`\($0)`" }.joined(separator: ", ") + (rules.count > 20 ? " and \(rules.count - 20) more" : "")
            return code("approval \(symbol.name): \"\(team)\"") + "\n\ngiven by \(team); \(required)" + declared
        case .catalogEntry:
            guard case .text(let row) = detail else { return "" }
            return code("\"\(symbol.name)\"  \(row)") + "\n\nan entry of the `\(symbol.container)` catalog" + declared
        case .rule:
            guard case .rule(let outcome, let approvals, let condition) = detail else { return "" }
            let head = outcome == .require ? "require \(approvals.joined(separator: ", "))" : outcome.rawValue
            return code("\(head) when \(condition)") + "\n\n" + coverage(of: symbol.name) + declared
        case .scenario:
            return code("scenario \"\(symbol.name)\"") + "\n\n" + scenarioSummary(symbol.name) + declared
        case .file:
            return code(symbol.name)
        }
    }

    /// The scenarios that make a rule fire.
    func coverage(of rule: String) -> String {
        guard let check = lastCheckResult, !check.ruleSets.isEmpty else {
            return "scenarios not run: the rules do not load"
        }
        let firing = check.scenarios.filter { $0.fired.contains(rule) }.map(\.name)
        if firing.isEmpty { return "no scenario covers it: no scenario makes it fire" }
        return "fires in " + (firing.count == 1 ? "scenario " : "scenarios ") + firing.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    func scenarioSummary(_ name: String) -> String {
        guard let result = lastCheckResult?.scenarios.first(where: { $0.name == name }) else {
            return "not run: the rules do not load"
        }
        if result.passed { return "passes" + (result.decision.map { ": the deal is \($0.kind.rawValue)" } ?? "") }
        return "fails:\n" + result.failures.map { "- `\($0.statement)`: \($0.detail)" }.joined(separator: "\n")
    }

    // MARK: Definition and references

    func definition(_ params: JSON) throws(RequestError) -> JSON {
        let doc = try document(params)
        guard let (symbol, _) = workspace.symbol(in: key(doc), at: try offset(params, in: doc)) else { return .null }
        if symbol.kind == .file {
            guard readFile(symbol.name) != nil else { return .null }
            return .array([object(("uri", .string(uri(of: symbol.name))), ("range", LineMap([]).json(0, 0)))])
        }
        return .array(workspace.definitions(of: symbol).map { location($0.0, $0.1) })
    }

    func references(_ params: JSON) throws(RequestError) -> JSON {
        let doc = try document(params)
        guard let (symbol, _) = workspace.symbol(in: key(doc), at: try offset(params, in: doc)) else { return .null }
        let withDeclaration = params["context"]?["includeDeclaration"]?.bool ?? true
        return .array(workspace.references(to: symbol, includeDeclaration: withDeclaration).map { location($0.0, $0.1) })
    }

    // MARK: Symbols

    static func symbolKind(_ kind: Symbol.Kind) -> Int {
        switch kind {
        case .choice: 10        // Enum
        case .value: 22         // EnumMember
        case .field, .itemField: 8  // Field
        case .itemKind: 5       // Class
        case .catalogEntry: 14  // Constant
        case .approval: 20      // Key
        case .define: 12        // Function
        case .rule: 6           // Method
        case .scenario: 24      // Event
        case .file: 1           // File
        }
    }

    func documentSymbols(_ params: JSON) throws(RequestError) -> JSON {
        let doc = try document(params)
        let file = workspace.files[key(doc)] ?? doc.index
        func json(_ e: OutlineEntry) -> JSON {
            object(("name", .string(e.name)),
                   ("kind", JSON(e.name == "deal" ? 23 : Self.symbolKind(e.symbol.kind))),
                   ("range", doc.map.json(Int(e.range.start), Int(e.range.end))),
                   ("selectionRange", doc.map.json(Int(e.nameRange.start), Int(e.nameRange.end))),
                   ("children", e.children.isEmpty ? nil : .array(e.children.map(json))))
        }
        return .array(file.outline.map(json))
    }

    func workspaceSymbols(_ params: JSON) -> JSON {
        let query = (params["query"]?.string ?? "").lowercased()
        var out: [JSON] = []
        for key in workspace.files.keys.sorted() {
            let file = workspace.files[key]!
            for d in file.definitions where query.isEmpty || d.symbol.name.lowercased().contains(query) {
                out.append(object(("name", .string(d.symbol.name)), ("kind", JSON(Self.symbolKind(d.symbol.kind))),
                                  ("location", location(file, d.nameRange)),
                                  ("containerName", d.symbol.container.isEmpty ? nil : .string(d.symbol.container))))
                if out.count >= 1000 { return .array(out) }
            }
        }
        return .array(out)
    }

    // MARK: Formatting

    func formatting(_ params: JSON) throws(RequestError) -> JSON {
        let doc = try document(params)
        switch Formatter.format(text: doc.text, name: doc.source.path) {
        case .failure(let e):
            let first = e.diagnostics.first(where: \.isError).map { ": \($0.location.map { "\($0) " } ?? "")\($0.message)" } ?? ""
            throw RequestError(code: -32803, message: "not formatted: the file does not parse\(first)")
        case .success(let text):
            guard text != doc.text else { return .array([]) }
            return .array([object(("range", doc.map.json(0, doc.bytes.count)), ("newText", .string(text)))])
        }
    }

    // MARK: Quick fixes

    func codeActions(_ params: JSON) throws(RequestError) -> JSON {
        let doc = try document(params)
        var actions: [JSON] = []
        for diagnostic in params["context"]?["diagnostics"]?.array ?? [] {
            guard let replacement = diagnostic["data"]?["replacement"]?.string,
                  let start = doc.map.offset(diagnostic["range"]?["start"]),
                  let end = doc.map.offset(diagnostic["range"]?["end"]),
                  let word = closestWord(in: doc.bytes, start..<max(start, end), to: replacement) else { continue }
            let wrong = String(decoding: doc.bytes[word], as: UTF8.self)
            let edit = object(("changes", .object([(doc.uri, .array([object(
                ("range", doc.map.json(word.lowerBound, word.upperBound)), ("newText", .string(replacement)))]))])))
            actions.append(object(("title", .string("Change `\(wrong)` to `\(replacement)`")), ("kind", "quickfix"),
                                  ("diagnostics", [diagnostic]), ("isPreferred", true), ("edit", edit)))
        }
        return .array(actions)
    }

    /// The word in a range (names, possibly in quotes) nearest to `target`.
    func closestWord(in bytes: [UInt8], _ range: Range<Int>, to target: String) -> Range<Int>? {
        func isWord(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b >= 0x80
        }
        var best: (Range<Int>, Int)?
        var i = range.lowerBound
        let end = min(range.upperBound, bytes.count)
        while i < end {
            guard isWord(bytes[i]) else {
                i += 1
                continue
            }
            var j = i
            while j < end, isWord(bytes[j]) { j += 1 }
            let word = String(decoding: bytes[i..<j], as: UTF8.self)
            let d = Suggestions.editDistance(word, target)
            if word != target, d < (best?.1 ?? Int.max) { best = (i..<j, d) }
            i = j
        }
        return best?.0
    }

    // MARK: Scenarios

    func codeLenses(_ params: JSON) throws(RequestError) -> JSON {
        let doc = try document(params)
        var lenses: [JSON] = []
        for entry in doc.index.outline where entry.symbol.kind == .scenario {
            let result = lastCheckResult?.scenarios.first { $0.name == entry.symbol.name && $0.location.file.absolutePath == doc.path }
            let title = result.map { $0.passed ? "▶ run · passed" : "▶ run · failed (\($0.failures.count))" }
                ?? "▶ run · not run: the rules do not load"
            lenses.append(object(("range", doc.map.json(Int(entry.nameRange.start), Int(entry.nameRange.end))),
                                 ("command", object(("title", .string(title)), ("command", .string(Self.runScenarioCommand)),
                                                    ("arguments", [.string(doc.uri), .string(entry.symbol.name)])))))
        }
        return .array(lenses)
    }

    /// `dealrules.runScenario URI NAME`: runs one scenario with the rules as they are now and
    /// shows the result (the answer carries it too).
    func executeCommand(_ params: JSON) throws(RequestError) -> JSON {
        guard params["command"]?.string == Self.runScenarioCommand else {
            throw .invalidParams("unknown command `\(params["command"]?.string ?? "")`; the server has `\(Self.runScenarioCommand)`")
        }
        guard let arguments = params["arguments"]?.array, arguments.count == 2, let uri = arguments[0].string,
              let name = arguments[1].string else {
            throw .invalidParams("`\(Self.runScenarioCommand)` takes a file's URI and a scenario's name")
        }
        let path = documents[uri]?.path ?? FileURI.path(uri).map(realPath)
        guard let set = lastCheckResult?.ruleSets.values.first(where: { set in set.files.contains { $0.absolutePath == path } }) else {
            throw RequestError(code: -32803, message: "the rules do not load: fix their errors, then run the scenario")
        }
        guard let result = set.runScenarios(filter: name).first(where: { $0.name == name }) else {
            throw .invalidParams("no scenario \"\(name)\" in `\(uri)`")
        }
        let summary = result.passed ? "scenario \"\(name)\" passed"
            : "scenario \"\(name)\" failed: " + result.failures.map { "\($0.statement): \($0.detail)" }.joined(separator: "; ")
        notify("window/showMessage", object(("type", JSON(result.passed ? 3 : 1)), ("message", .string(summary))))
        return object(("name", .string(name)), ("passed", .bool(result.passed)),
                      ("decision", result.decision.map { .string($0.kind.rawValue) }),
                      ("failures", .array(result.failures.map { object(("statement", .string($0.statement)), ("detail", .string($0.detail)),
                                                                      ("line", JSON($0.location.line))) })))
    }
}
