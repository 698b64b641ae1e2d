/// Gives the parsed files meaning: collects the declarations, resolves every name, types every
/// expression, and builds the immutable `RuleSet`. Reports every problem it can find in one run.
struct Checker {
    /// A declaration and the file it came from, in load order.
    struct Unit {
        let declaration: Declaration
        let source: SourceFile
    }

    /// Reads a catalog CSV named by a declaration in `source`; the loader resolves and guards the path.
    typealias CSVReader = (_ path: String, _ range: SourceRange, _ source: SourceFile) -> Result<SourceFile, Diagnostic>

    /// Evaluates an expression that reads no fact (a default, a catalog value, a constant
    /// condition), given the defines checked so far: the engine's evaluator, handed in by
    /// whoever runs the checker (checking comes before the engine in the pipeline).
    typealias ConstantEvaluator = @Sendable (_ node: Node, _ defines: [Define?]) -> Value

    /// The declarations other than rules, in load order.
    private(set) var units: [Unit]
    /// Every file a declaration came from, for notes that point into one.
    let sources: [String: SourceFile]
    let readCSV: CSVReader
    let evaluateConstantNode: ConstantEvaluator
    let limits: Limits
    /// How many threads check the rules; nil: one per processor for a large rule set, else one.
    var threads: Int?
    var diagnostics: [Diagnostic] = []

    // Tables, filled in order.
    var choices: [ChoiceInfo] = []
    var choiceIndex: [String: Int] = [:]
    var choiceLocations: [SourceLocation] = []
    var fields: [FieldInfo] = []
    var fieldIndex: [String: Int] = [:]
    var itemKinds: [ItemKind] = []
    var itemKindIndex: [String: Int] = [:]
    var approvals: [Approval] = []
    var approvalIndex: [String: Int] = [:]
    var approvalLocations: [SourceLocation] = []
    var defines: [Define?] = []
    var defineIndex: [String: Int] = [:]
    var defineDecls: [(name: Name, value: Expr, source: SourceFile)] = []
    var defineState: [DefineState] = []
    var defineStack: [Int] = []
    var definesUsed: Set<Int> = []
    var rules: [Rule] = []
    var ruleIndex = NameIndex()
    /// The rules to check (see `checkRules`).
    private(set) var ruleRuns: [RuleRun]
    /// Per file, how many of its unnamed rules were added (see `addRule`).
    var unnamedSoFar: [String: Int] = [:]
    var scenarios: [Scenario] = []
    /// Which choice values are spelled how (a value may belong to several choices).
    var choiceValueOwners: [String: [Int]] = [:]
    var choicesUsed: Set<Int> = []
    /// The catalog spreadsheets read, so a REPL can watch them for changes.
    var csvFiles: [LoadedFile] = []
    var approvalsUsed: Set<Int> = []

    enum DefineState { case unchecked, checking, done, failed }

    init(units: [Unit], ruleRuns: [RuleRun] = [], limits: Limits, readCSV: @escaping CSVReader,
         evaluateConstant: @escaping ConstantEvaluator) {
        self.units = units
        self.ruleRuns = ruleRuns
        self.evaluateConstantNode = evaluateConstant
        var sources: [String: SourceFile] = [:]
        for src in units.map(\.source) + ruleRuns.map(\.source) where sources[src.path] == nil { sources[src.path] = src }
        self.sources = sources
        self.limits = limits
        self.readCSV = readCSV
    }

    // MARK: Diagnostics

    mutating func error(_ code: DiagnosticCode, _ message: String, _ source: SourceFile, _ range: SourceRange,
                        help: String? = nil, notes: [Diagnostic.Note] = []) {
        diagnostics.append(Diagnostic(code, message, at: SourceLocation(source, range), help: help, notes: notes))
    }

    var namer: TypeNamer { TypeNamer(choices: choices, items: itemKinds) }
    var valueText: ValueText { ValueText(choices: choices) }

    // MARK: The whole run

    mutating func run() -> CheckedRules? {
        collectNames()
        resolveFields()
        resolveCatalogs()
        for i in defineDecls.indices { _ = checkDefine(i) }
        checkRules()
        checkScenarios()
        if rules.count > limits.maxRules {
            diagnostics.append(Diagnostic(.limitExceeded, "the rule set has \(rules.count) rules; the limit is \(limits.maxRules)",
                                          help: "raise it with `--max-rules`"))
        }
        warnUnused()
        if diagnostics.hasErrors { return nil }
        return CheckedRules(
            choices: choices, fields: fields, fieldIndex: fieldIndex, itemKinds: itemKinds,
            itemKindIndex: itemKindIndex, approvals: approvals, approvalIndex: approvalIndex,
            defines: defines.map { $0! }, defineIndex: defineIndex, rules: rules, ruleIndex: ruleIndex,
            scenarios: scenarios, warnings: diagnostics, limits: limits)
    }

    // MARK: Pass 1: names

    /// Where each name of the shared namespace (fields, defines, item kinds, choice values) was declared.
    var namespace: [String: (what: String, location: SourceLocation?)] = [:]

    mutating func claim(_ name: Name, _ what: String, _ source: SourceFile) -> Bool {
        if let other = namespace[name.text] {
            error(.duplicateName, "`\(name.text)` is already declared as \(other.what)", source, name.range,
                  help: "fields, defines, item kinds and choice values share one namespace; rename one of them",
                  notes: [.init("the first declaration", at: other.location)])
            return false
        }
        namespace[name.text] = (what, SourceLocation(source, name.range))
        return true
    }

    mutating func collectNames() {
        for unit in units {
            let src = unit.source
            switch unit.declaration.kind {
            case .choice(let name, let values):
                if let first = choiceIndex[name.text] {
                    error(.duplicateName, "choice `\(name.text)` is already declared", src, name.range,
                          notes: [.init("the first declaration", at: choiceLocations[first])])
                    continue
                }
                if ValueType.builtinNames[name.text] != nil {
                    error(.reservedName, "`\(name.text)` is a built-in type and cannot name a choice", src, name.range,
                          help: "choose another name, such as `\(name.text)_kind`")
                    continue
                }
                var seen: [String: SourceRange] = [:]
                for v in values {
                    if let r = seen[v.text] {
                        error(.duplicateName, "`\(v.text)` is listed twice in choice `\(name.text)`", src, v.range,
                              notes: [.init("first listed here", at: SourceLocation(src, r))])
                    }
                    seen[v.text] = seen[v.text] ?? v.range
                }
                let index = choices.count
                choices.append(ChoiceInfo(name: name.text, values: values.map(\.text)))
                choiceIndex[name.text] = index
                choiceLocations.append(SourceLocation(src, name.range))
                var claimed: Set<String> = []
                for v in values where claimed.insert(v.text).inserted {
                    choiceValueOwners[v.text, default: []].append(index)
                    // A value shared by two choices is fine; a value that is also a field,
                    // define or item kind is not.
                    if let other = namespace[v.text], other.what.hasPrefix("a value of") { continue }
                    _ = claim(v, "a value of choice `\(name.text)`", src)
                }
            case .item(let name, _):
                guard claim(name, "an item kind", src) else { continue }
                itemKindIndex[name.text] = itemKindIndex.count
            case .approval(let name, let team, _):
                if let first = approvalIndex[name.text] {
                    error(.duplicateName, "approval `\(name.text)` is already declared", src, name.range,
                          notes: [.init("the first declaration", at: approvalLocations[first])])
                    continue
                }
                approvalIndex[name.text] = approvals.count
                approvals.append(Approval(name: name.text, team: team, location: SourceLocation(src, name.range)))
                approvalLocations.append(SourceLocation(src, name.range))
            case .define(let name, let value):
                guard claim(name, "a define", src) else { continue }
                defineIndex[name.text] = defineDecls.count
                defineDecls.append((name, value, src))
                defineState.append(.unchecked)
                defines.append(nil)
            case .deal, .catalog, .catalogFile, .include, .rule, .scenario:
                break
            }
        }
    }

    // MARK: Pass 2: fields

    mutating func resolveType(_ t: TypeRef, _ src: SourceFile, inItem: Bool) -> ValueType? {
        let n = t.name.text
        var base: ValueType
        if let b = ValueType.builtinNames[n] {
            base = b
        } else if let c = choiceIndex[n] {
            base = .choice(c)
            choicesUsed.insert(c)
        } else if let k = itemKindIndex[n] {
            if inItem {
                error(.typeMismatch, "an item cannot hold other items", src, t.range,
                      help: "list `\(n)` items in the deal: `\(n)s: list of \(n)`")
                return nil
            }
            if !t.isList {
                error(.typeMismatch, "a deal holds line items in a list", src, t.range, help: "write `list of \(n)`")
                return nil
            }
            base = .item(k)
        } else {
            let candidates = Array(ValueType.builtinNames.keys).sorted() + choices.map(\.name) + itemKinds.map(\.name)
            error(.unknownType, "unknown type `\(n)`", src, t.name.range,
                  help: Suggestions.didYouMean(n, candidates + itemKindIndex.keys.sorted())
                      ?? "a type is text, number, money, percent, duration, date, flag, a choice's name, or `list of` one of these")
            return nil
        }
        return t.isList ? .list(base) : base
    }

    mutating func resolveFields() {
        // Item kinds first: the deal's lists refer to them.
        var itemFieldDecls: [[(FieldDecl, SourceFile)]] = Array(repeating: [], count: itemKindIndex.count)
        var itemNames = Array(repeating: "", count: itemKindIndex.count)
        for unit in units {
            if case .item(let name, let fs) = unit.declaration.kind, let k = itemKindIndex[name.text], itemNames[k].isEmpty {
                itemNames[k] = name.text
                itemFieldDecls[k] = fs.map { ($0, unit.source) }
            }
        }
        // Deal fields.
        var dealFields: [(FieldDecl, SourceFile)] = []
        for unit in units {
            if case .deal(let fs) = unit.declaration.kind {
                dealFields += fs.map { ($0, unit.source) }
            }
        }
        // Placeholder kinds so types can be named while fields resolve.
        itemKinds = itemNames.map { ItemKind(name: $0, fields: [], fieldIndex: [:], listField: nil, catalog: nil) }

        var listFieldOf: [Int: Int] = [:]
        for (decl, src) in dealFields {
            let name = decl.name.text
            if name == "id" {
                error(.reservedName, "`id` cannot be a deal field", src, decl.name.range,
                      help: "every deal may carry an `id`, which is echoed in decisions; choose another name")
                continue
            }
            if let other = fieldIndex[name] {
                error(.duplicateField, "field `\(name)` is already declared", src, decl.name.range,
                      help: "several `deal` blocks merge; declare each field once",
                      notes: [.init("the first declaration", at: fields[other].location)])
                continue
            }
            guard claim(decl.name, "a deal field", src), let type = resolveType(decl.type, src, inItem: false) else { continue }
            if case .list(.item(let k)) = type {
                if let other = listFieldOf[k] {
                    error(.twoItemLists, "the deal already lists `\(itemNames[k])` items in `\(fields[other].name)`", src, decl.range,
                          help: "keep one list per item kind")
                    continue
                }
                listFieldOf[k] = fields.count
            }
            let def = decl.defaultValue.flatMap { constant($0, type, src, what: "a default") }
            fieldIndex[name] = fields.count
            fields.append(FieldInfo(name: name, type: type, defaultValue: def,
                                    location: SourceLocation(src, decl.name.range)))
        }

        for k in itemKinds.indices {
            var fs = [FieldInfo(name: "name", type: .text, defaultValue: nil, location: nil)]
            var index = ["name": 0]
            for (decl, src) in itemFieldDecls[k] {
                let name = decl.name.text
                if name == "name" {
                    error(.reservedName, "every item already has `name: text`", src, decl.name.range,
                          help: "an item's name is its identity; remove this field")
                    continue
                }
                if let other = index[name] {
                    error(.duplicateField, "field `\(name)` is already declared in item `\(itemNames[k])`", src, decl.name.range,
                          notes: [.init("the first declaration", at: fs[other].location)])
                    continue
                }
                guard let type = resolveType(decl.type, src, inItem: true) else { continue }
                let def = decl.defaultValue.flatMap { constant($0, type, src, what: "a default") }
                index[name] = fs.count
                fs.append(FieldInfo(name: name, type: type, defaultValue: def,
                                    location: SourceLocation(src, decl.name.range)))
            }
            itemKinds[k] = ItemKind(name: itemNames[k], fields: fs, fieldIndex: index, listField: listFieldOf[k], catalog: nil)
        }
    }

    /// A value that does not depend on the deal: defaults and catalog entries.
    mutating func constant(_ e: Expr, _ type: ValueType, _ src: SourceFile, what: String) -> Value? {
        var scope = Scope(source: src, allowsFreeItem: false)
        guard let typed = check(e, expecting: type, &scope) else { return nil }
        guard scope.readsFacts == false else {
            error(.notConstant, "\(what) must be a value, not depend on the deal", src, e.range)
            return nil
        }
        guard expectType(type, typed, e, src, "\(what) for a field of type \(namer.name(type))") else { return nil }
        let v = evaluateConstant(typed.node)
        guard v.isKnown else {
            let why = if case .failure(let e) = v { e.rawValue } else { valueText.text(v) }
            error(.notConstant, "\(what) could not be computed: \(why)", src, e.range)
            return nil
        }
        return v
    }

    /// Evaluates an expression that reads no fact (a default, a catalog value, a constant condition).
    func evaluateConstant(_ node: Node) -> Value {
        evaluateConstantNode(node, defines)
    }

    // MARK: Catalogs

    mutating func resolveCatalogs() {
        var catalogs: [Int: (Catalog, SourceLocation)] = [:]
        for unit in units {
            let src = unit.source
            let item: Name
            var entries: [CatalogEntryInfo]?
            switch unit.declaration.kind {
            case .catalog(let i, let es):
                item = i
                guard let k = itemKind(i, src) else { continue }
                entries = inlineCatalog(k, es, src)
            case .catalogFile(let i, let path, let range):
                item = i
                guard let k = itemKind(i, src) else { continue }
                switch readCSV(path, range, src) {
                case .failure(let d): diagnostics.append(d)
                case .success(let csv):
                    csvFiles.append(LoadedFile(path: csv.path, absolutePath: csv.absolutePath, isCatalog: true, bytes: csv.bytes))
                    entries = csvCatalog(k, csv)
                }
            case .choice, .deal, .item, .approval, .define, .include, .rule, .scenario:
                continue
            }
            guard let k = itemKindIndex[item.text] else { continue }
            // A catalog that failed to load still counts as declared: no cascade of
            // "has no catalog" errors.
            let here = SourceLocation(src, unit.declaration.range)
            if let (_, first) = catalogs[k] {
                error(.duplicateCatalog, "item `\(item.text)` already has a catalog", src, item.range,
                      help: "keep one catalog per item kind", notes: [.init("the first catalog", at: first)])
                continue
            }
            catalogs[k] = (Catalog(entries: entries ?? []), here)
        }
        for (k, (catalog, _)) in catalogs {
            let kind = itemKinds[k]
            itemKinds[k] = ItemKind(name: kind.name, fields: kind.fields, fieldIndex: kind.fieldIndex,
                                    listField: kind.listField, catalog: catalog)
        }
    }

    mutating func itemKind(_ name: Name, _ src: SourceFile) -> Int? {
        if let k = itemKindIndex[name.text] { return k }
        error(.unknownItemKind, "unknown item kind `\(name.text)`", src, name.range,
              help: Suggestions.didYouMean(name.text, itemKinds.map(\.name))
                  ?? "declare it first: `item \(name.text) { … }`")
        return nil
    }

    mutating func inlineCatalog(_ k: Int, _ entries: [CatalogEntry], _ src: SourceFile) -> [CatalogEntryInfo] {
        let kind = itemKinds[k]
        var out: [CatalogEntryInfo] = []
        var seen: [String: SourceRange] = [:]
        for e in entries {
            if let first = seen[e.name] {
                error(.duplicateEntry, "the catalog already lists \(ValueText.quoted(e.name))", src, e.nameRange,
                      notes: [.init("first listed here", at: SourceLocation(src, first))])
                continue
            }
            seen[e.name] = e.nameRange
            var values = Array(repeating: Value.unknown, count: kind.fields.count)
            values[0] = .text(e.name)
            var given: Set<Int> = []
            for (field, expr) in e.values {
                guard let f = kind.fieldIndex[field.text], f != 0 else {
                    error(.unknownField, "item `\(kind.name)` has no field `\(field.text)`", src, field.range,
                          help: Suggestions.didYouMean(field.text, kind.fields.dropFirst().map(\.name)))
                    continue
                }
                if !given.insert(f).inserted {
                    error(.duplicateField, "`\(field.text)` is given twice for \(ValueText.quoted(e.name))", src, field.range)
                    continue
                }
                if let v = constant(expr, kind.fields[f].type, src, what: "a catalog value") { values[f] = v }
            }
            out.append(CatalogEntryInfo(name: e.name, values: values))
        }
        return out
    }

    // MARK: Rules

    /// Rules to check, in load order: the rules among `declarations[range]` of `source` (the
    /// other declarations there are the checker's units). A large file's rules come in one run
    /// per piece it was parsed in, so they go to the threads that check them as they were parsed.
    struct RuleRun {
        let declarations: [Declaration]
        let range: Range<Int>
        let source: SourceFile

        var ruleCount: Int { declarations[range].count { if case .rule = $0.kind { true } else { false } } }

        /// The run cut into consecutive runs of about `size` rules each.
        func split(every size: Int) -> [RuleRun] {
            var runs: [RuleRun] = []
            var start = range.lowerBound, inRun = 0
            for i in range {
                guard case .rule = declarations[i].kind else { continue }
                inRun += 1
                if inRun == size {
                    runs.append(RuleRun(declarations: declarations, range: start..<(i + 1), source: source))
                    start = i + 1
                    inRun = 0
                }
            }
            if inRun > 0 { runs.append(RuleRun(declarations: declarations, range: start..<range.upperBound, source: source)) }
            return runs
        }
    }

    /// A rule checked on its own, waiting to be added in load order by `addRule`, which names
    /// it if it is unnamed and checks its name against the rules before it. (The rule itself,
    /// when it has no error, is kept apart: see `checkRules`.)
    struct CheckedRule {
        let source: SourceFile
        /// Empty for an unnamed rule, named when it is added.
        let name: String
        /// Where the rule's name is (nil: unnamed), and its outcome keyword.
        let nameRange: SourceRange?
        let outcomeRange: SourceRange
        /// That its condition reads no fact: said only if the rule is added.
        let constantWarning: Diagnostic?
        /// The approval its name is the name of, if any (looked up here, on the rule's
        /// thread, not where the rules are added one after another).
        let approvalNamed: Int?
        /// `name.hashValue`, worked out on the rule's thread too (see `NameIndex`).
        let nameHash: Int
    }

    /// Checks every rule; a large rule set is cut into parts checked at once (see
    /// `inParallel`), each part by its own copy of the checker (rules are checked independently
    /// of each other). Then the rules are added in load order, so the result and the
    /// diagnostics are the same as one thread's.
    ///
    /// Each checked rule is written straight into its place among the rules (`slots`, the
    /// rules in load order), by the thread that made it, and moved from there into `rules`
    /// when every one was added: added one by one, each was counted once more by this thread,
    /// on memory the other processor had just written (a tenth of a load of 10,000 rules).
    mutating func checkRules() {
        precondition(rules.isEmpty, "rules are checked once")
        var runs: [RuleRun] = []
        swap(&runs, &ruleRuns)
        let counts = runs.map(\.ruleCount)
        let total = counts.reduce(0, +)
        let slots = UnsafeMutableBufferPointer<Rule?>.allocate(capacity: total)
        defer { slots.deallocate() }
        ruleIndex.reserveCapacity(ruleIndex.count + total)
        let threads = self.threads ?? threadsFor(total, each: rulesPerThread)
        var checked: [[CheckedRule]] = []
        if threads <= 1 {
            var first = 0
            for (run, count) in zip(runs, counts) {
                checked.append(checkRules(of: run, into: slots.baseAddress! + first))
                first += count
            }
        } else {
            Allocator.beforeLoadingOnThreads()
            // A file parsed in pieces gives about as many runs as there are to be parts; smaller
            // files give one each, and a run too large to share well is cut.
            let size = max(1, (total + threads * partsPerThread - 1) / (threads * partsPerThread))
            // Each part with its own object for its file (see `SourceFile.copy`), and where its
            // first rule goes among the rules.
            var first = 0
            var parts = zip(runs, counts).flatMap { run, count in
                count == 0 ? [] : count > size * 3 / 2 ? run.split(every: size) : [run]
            }.map { run in
                defer { first += run.ruleCount }
                return (run: RuleRun(declarations: run.declarations, range: run.range, source: run.source.copy()), first: first)
            }
            runs = []
            var base = self
            base.diagnostics = []
            let worker = base
            let out = UncheckedSendable(slots)
            // Each part moves to the thread that checks it, which frees its syntax trees.
            let done = inParallel(emptying: &parts) { part in
                var checker = worker
                let mine = checker.checkRules(of: part.run, into: out.value.baseAddress! + part.first)
                return (mine, checker.diagnostics, checker.approvalsUsed, checker.definesUsed, checker.choicesUsed)
            }
            for (mine, diagnostics, approvals, defines, choices) in done {
                checked.append(mine)
                self.diagnostics += diagnostics
                approvalsUsed.formUnion(approvals)
                definesUsed.formUnion(defines)
                choicesUsed.formUnion(choices)
            }
        }
        var allAdded = true
        var k = 0
        for part in checked.indices {
            // Borrowed in place: copying each checked rule out of the array retained its parts.
            checked[part].withUnsafeBufferPointer { mine in
                for i in mine.indices {
                    if !addRule(mine[i], slots.baseAddress! + k, as: k) { allAdded = false }
                    k += 1
                }
            }
        }
        if allAdded {
            // Every slot holds a rule: moved, not copied (an optional reference is laid out as
            // the reference).
            rules = slots.withMemoryRebound(to: Rule.self) { moved in
                [Rule](unsafeUninitializedCapacity: total) { buffer, count in
                    if total > 0 { buffer.baseAddress!.moveInitialize(from: moved.baseAddress!, count: total) }
                    count = total
                }
            }
        } else {
            // Errors: the rule set will not load, but later checks (scenarios) name its rules,
            // those that were added (the others' slots are empty), by their places among them.
            rules = slots.compactMap { $0 }
            if total > 0 { slots.baseAddress!.deinitialize(count: total) }
            ruleIndex = NameIndex()
            for (i, rule) in rules.enumerated() { _ = ruleIndex.insert(rule.name, hash: rule.name.hashValue, value: i) }
        }
    }

    /// Checks the rules of `run`, putting each in its slot from `first` on.
    mutating func checkRules(of run: RuleRun, into first: UnsafeMutablePointer<Rule?>) -> [CheckedRule] {
        var checked: [CheckedRule] = []
        checked.reserveCapacity(run.range.count)
        for i in run.range {
            guard case .rule(let decl) = run.declarations[i].kind else { continue }
            checked.append(checkRule(decl, run.source, into: first + checked.count))
        }
        return checked
    }

    /// Checks one rule of `src`, and puts it in `slot` (nil when it has an error). An unnamed
    /// rule is named when it is added (`addRule`).
    mutating func checkRule(_ decl: RuleDecl, _ src: SourceFile, into slot: UnsafeMutablePointer<Rule?>) -> CheckedRule {
        let name = decl.name?.text ?? ""
        func failed() -> CheckedRule {
            slot.initialize(to: nil)
            return CheckedRule(source: src, name: name, nameRange: decl.name?.range, outcomeRange: decl.outcomeRange, constantWarning: nil,
                               approvalNamed: decl.name.flatMap { approvalIndex[$0.text] }, nameHash: name.hashValue)
        }
        var scope = Scope(source: src, allowsFreeItem: true)
        let condition = checkCondition(decl.condition, &scope, what: "a rule's `when`")
        let unless = decl.unless.flatMap { checkCondition($0, &scope, what: "`unless`") }
        var approvalIndices: [Int] = []
        for a in decl.approvals {
            if let i = approvalIndex[a.text] {
                approvalIndices.append(i)
                approvalsUsed.insert(i)
            } else {
                error(.unknownApproval, "unknown approval `\(a.text)`", src, a.range,
                      help: Suggestions.didYouMean(a.text, approvals.map(\.name))
                          ?? "declare it: `approval \(a.text): \"Team\"`")
            }
        }
        let freeKindBefore = scope.freeKind
        var message: [MessagePart]?
        if let because = decl.because, case .interpolated(let segments) = because.kind {
            var parts: [MessagePart] = []
            for s in segments {
                switch s {
                case .literal(let t): parts.append(.literal(t))
                case .expression(let e):
                    if let typed = check(e, expecting: nil, &scope) { parts.append(.value(typed.node, typed.type)) }
                }
            }
            if scope.freeKind != freeKindBefore, let k = scope.freeKind {
                error(.itemOutsideRule, "the message mentions `\(itemKinds[k].name)`, but the condition does not",
                      src, because.range, help: "a rule is about one \(itemKinds[k].name) only when its condition mentions it")
            }
            message = parts
        }
        if let k = scope.freeKind, itemKinds[k].listField == nil {
            error(.noItemList, "no deal field lists `\(itemKinds[k].name)` items, so this rule can never apply",
                  src, scope.freeItemRange ?? decl.outcomeRange,
                  help: "declare one in `deal`: `\(itemKinds[k].name)s: list of \(itemKinds[k].name)`")
        }
        guard let condition, decl.unless == nil || unless != nil, approvalIndices.count == decl.approvals.count else {
            return failed()
        }
        // The generated message is the condition as written with places for values, so the
        // condition's text is the message's text when there is no `because`.
        let template = message.map { MessageTemplate(parts: $0) } ?? MessageTemplate(condition: condition, unless: unless)
        let text: String
        if message == nil {
            text = String(decoding: template.text, as: UTF8.self)
        } else {
            let printer = NodePrinter(valueText: valueText)
            text = printer.text(condition) + (unless.map { " unless " + printer.text($0) } ?? "")
        }
        var warning: Diagnostic?
        if !scope.readsFacts {
            var v = evaluateConstant(condition)
            if let unless, case .flag(true) = v, case .flag(let u) = evaluateConstant(unless) { v = .flag(!u) }
            let (message, help) = switch v {
            case .yes: ("this condition reads no fact, so it is always yes", "the rule fires on every deal")
            case .failure(let e): ("this condition reads no fact and cannot be computed: \(e.rawValue)",
                                   "the rule is undetermined on every deal")
            default: ("this condition reads no fact, so it is always no", "the rule never fires")
            }
            warning = Diagnostic(.constantCondition, message, at: SourceLocation(src, decl.condition.range), help: help)
        }
        slot.initialize(to: Rule(name: name, isNamed: decl.name != nil, outcome: decl.outcome, approvals: approvalIndices,
                                 condition: condition, unless: unless, message: message, template: template,
                                 location: SourceLocation(src, at: decl.outcomeRange.start),
                                 itemKind: scope.freeKind, bindingCount: scope.maxBinding, conditionText: text))
        return CheckedRule(source: src, name: name, nameRange: decl.name?.range, outcomeRange: decl.outcomeRange,
                           constantWarning: warning, approvalNamed: decl.name.flatMap { approvalIndex[$0.text] },
                           nameHash: name.hashValue)
    }

    /// The name of the `ordinal`th unnamed rule of `file`: `pricing.rules#2`. It does not
    /// depend on the rule's line, so formatting a file, or editing above a rule, keeps it.
    static func unnamedRuleName(file: String, ordinal: Int) -> String { "\(file)#\(ordinal)" }

    /// Adds checked rule `index` (in load order; its rule is in `slot`, nil when it has an
    /// error) unless its name is taken; a rule with an error is only checked for that. Returns
    /// whether it was added; if not, `slot` is emptied. `slot - index` is where the rules are.
    mutating func addRule(_ c: borrowing CheckedRule, _ slot: UnsafeMutablePointer<Rule?>, as index: Int) -> Bool {
        var name = c.name, nameHash = c.nameHash
        if c.nameRange == nil {
            // An unnamed rule is called `FILE#N`, the Nth unnamed rule of its file.
            let ordinal = unnamedSoFar[c.source.path, default: 0] + 1
            unnamedSoFar[c.source.path] = ordinal
            name = Checker.unnamedRuleName(file: c.source.path, ordinal: ordinal)
            nameHash = name.hashValue
            slot.pointee = slot.pointee?.named(name)
        }
        func duplicate(_ first: Int) -> Bool {
            error(.duplicateRule, "a rule named `\(name)` already exists", c.source, c.nameRange ?? c.outcomeRange,
                  help: "rule names are unique; rename one", notes: [.init("the first rule", at: (slot - index + first).pointee!.location)])
            slot.pointee = nil
            return false
        }
        if let nameRange = c.nameRange, let a = c.approvalNamed {
            if let first = ruleIndex[name] { return duplicate(first) }
            error(.duplicateRule, "`\(name)` is already the name of an approval", c.source, nameRange,
                  help: "rules and approvals share one namespace; rename the rule",
                  notes: [.init("the approval", at: approvalLocations[a])])
            slot.pointee = nil
            return false
        }
        guard slot.pointee != nil else {
            if let first = ruleIndex[name] { _ = duplicate(first) }
            return false
        }
        // One lookup finds a rule of the same name or claims the name.
        if let first = ruleIndex.insert(name, hash: nameHash, value: index) { return duplicate(first) }
        if let warning = c.constantWarning { diagnostics.append(warning) }
        return true
    }

    mutating func checkCondition(_ e: Expr, _ scope: inout Scope, what: String) -> Node? {
        guard let typed = check(e, expecting: .flag, &scope) else { return nil }
        guard typed.type == .flag else {
            let shown = scope.source.text(of: e.range)
            error(.notACondition, "\(what) needs a condition, but `\(shown)` is \(namer.article(typed.type))",
                  scope.source, e.range, help: conditionHelp(typed.type, shown))
            return nil
        }
        return typed.node
    }

    func conditionHelp(_ t: ValueType, _ shown: String) -> String {
        switch t {
        case .percent: "compare it: `\(shown) > 20%`"
        case .money: "compare it: `\(shown) > $100,000`"
        case .number: "compare it: `\(shown) > 10`"
        case .date: "compare it: `\(shown) < today`"
        case .duration: "compare it: `\(shown) < 12 months`"
        case .text: "compare it: `\(shown) is \"…\"`"
        case .choice(let c): "compare it: `\(shown) is \(choices[c].values.first ?? "…")`"
        case .item: "ask about it: `\(shown) in catalog`"
        case .list(.item(let k)): "ask about the items: `any \(itemKinds[k].name) …` or `count of \(shown) > 0`"
        case .list: "ask about it: `\(shown) contains …`"
        default: "a condition is a comparison, a flag field, or conditions joined with `and`, `or`, `not`"
        }
    }

    // MARK: Warnings

    mutating func warnUnused() {
        for (i, d) in defineDecls.enumerated() where !definesUsed.contains(i) {
            diagnostics.append(Diagnostic(.unusedDefine, "define `\(d.name.text)` is never used",
                                          at: SourceLocation(d.source, d.name.range),
                                          help: "use it in a rule, or remove it"))
        }
        for (i, a) in approvals.enumerated() where !approvalsUsed.contains(i) {
            diagnostics.append(Diagnostic(.unusedApproval, "approval `\(a.name)` is never required",
                                          at: approvalLocations[i], help: "require it in a rule, or remove it"))
        }
        for (i, c) in choices.enumerated() where !choicesUsed.contains(i) {
            diagnostics.append(Diagnostic(.unusedChoice, "choice `\(c.name)` is not the type of any field",
                                          at: choiceLocations[i], help: "use it as a field's type, or remove it"))
        }
        if rules.isEmpty, !diagnostics.hasErrors {
            diagnostics.append(Diagnostic(.emptyRuleSet, "the rule set has no rules",
                                          help: "every deal will be approved; add `require`, `deny` or `warn` rules"))
        }
    }
}
