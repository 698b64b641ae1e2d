/// A loaded, checked rule set: immutable and `Sendable`, so one instance decides any number of
/// deals from any number of threads. Load it once (`RuleSet.load`), then `decide` deals.
public final class RuleSet: Sendable {
    package let choices: [ChoiceInfo]
    /// The deal's fields; a field's index is its slot.
    package let fields: [FieldInfo]
    let fieldIndex: [String: Int]
    package let itemKinds: [ItemKind]
    let itemKindIndex: [String: Int]
    /// The approvals its rules may require, in declaration order.
    public let approvals: [Approval]
    let approvalIndex: [String: Int]
    package let defines: [Define]
    let defineIndex: [String: Int]
    /// Its rules in load order: files in bytewise path order, includes in place.
    public let rules: [Rule]
    let ruleIndex: NameIndex
    package let scenarios: [Scenario]
    /// Warnings found while checking (unused declarations, constant conditions).
    public let warnings: [Diagnostic]
    package let limits: Limits
    /// The files it was loaded from, in load order (catalog spreadsheets last).
    package let files: [LoadedFile]
    /// How it was loaded (to load a copy for another thread).
    let origin: LoadOrigin?
    /// The largest frame any rule needs for its item bindings.
    let maxBindings: Int
    /// Names looked up from a deal's JSON bytes: fields, each kind's item fields, each
    /// choice's values, each catalog's entry names.
    let fieldKeys: ByteKeyTable
    let itemFieldKeys: [ByteKeyTable]
    let choiceKeys: [ByteKeyTable]
    let catalogKeys: [ByteKeyTable]
    /// How deciding goes fast: threshold groups, item indexes, encoded outcome heads.
    let plan: Plan
    /// Whether it was compiled for deciding (`plan`); only `dealrules check` loads a rule set
    /// that was not (`load(…, compile: false)`).
    package let isCompiled: Bool
    /// Approval indices in the order of their names (how `required` lists them).
    let approvalsByName: [Int]
    /// The deal fields that have a default.
    let defaultSlots: [Int]
    /// What every evaluator reads, made once: the fields' names, the defines.
    let fieldNames: [String]
    let evaluatorDefines: [Define?]
    /// What the deal reader reads most, made once: each field's type; per item kind, each item
    /// field's type, and what an item reads where it gives nothing (per catalog entry: the
    /// entry's value, else the field's default; off the catalog: the default).
    let fieldTypes: [ValueType]
    let itemFieldTypes: [[ValueType]]
    let itemFieldNames: [[String]]
    /// What the reader looks up for every deal, as plain data (`ReadTables`; freed in `deinit`).
    let readTables: ReadTables
    let itemFill: ItemFill

    /// Compiles checked rules for deciding: the plan (on up to `threads` threads for a large
    /// rule set; nil: one per processor), and the tables the deal reader looks names up in.
    /// With `compile` false the plan is left empty: the rule set can be read, not decide with.
    init(_ checked: CheckedRules, threads: Int? = nil, origin: LoadOrigin? = nil, compile: Bool = true) {
        self.origin = origin
        isCompiled = compile
        choices = checked.choices
        fields = checked.fields
        fieldIndex = checked.fieldIndex
        itemKinds = checked.itemKinds
        itemKindIndex = checked.itemKindIndex
        approvals = checked.approvals
        approvalIndex = checked.approvalIndex
        defines = checked.defines
        defineIndex = checked.defineIndex
        rules = checked.rules
        ruleIndex = checked.ruleIndex
        scenarios = checked.scenarios
        warnings = checked.warnings
        limits = checked.limits
        files = checked.files
        maxBindings = max(1, (rules.map(\.bindingCount) + defines.map(\.bindingCount)).max() ?? 1)
        fieldKeys = ByteKeyTable(fields.enumerated().map { ($1.name, $0) })
        itemFieldKeys = itemKinds.map { k in ByteKeyTable(k.fields.enumerated().map { ($1.name, $0) }) }
        choiceKeys = choices.map { c in ByteKeyTable(c.values.enumerated().map { ($1, $0) }) }
        catalogKeys = itemKinds.map { k in ByteKeyTable((k.catalog?.entries ?? []).enumerated().map { ($1.name, $0) }) }
        let approvals = checked.approvals, fields = checked.fields
        approvalsByName = approvals.indices.sorted { approvals[$0].name < approvals[$1].name }
        defaultSlots = fields.indices.filter { fields[$0].defaultValue != nil }
        fieldNames = fields.map(\.name)
        evaluatorDefines = defines.map { $0 }
        fieldTypes = fields.map(\.type)
        itemFieldTypes = itemKinds.map { $0.fields.map(\.type) }
        itemFieldNames = itemKinds.map { $0.fields.map(\.name) }
        readTables = ReadTables(fieldKeys: fieldKeys, fieldTypes: fieldTypes, itemFieldKeys: itemFieldKeys,
                                itemFieldTypes: itemFieldTypes, catalogKeys: catalogKeys, choiceKeys: choiceKeys)
        itemFill = ItemFill(itemKinds)
        plan = Plan(rules: compile ? rules : [], defines: defines, itemKinds: itemKinds, approvals: approvals, fill: itemFill,
                    threads: threads)
    }

    deinit { readTables.deallocate() }

    /// What the checker made, again: to check more text (a fact, an expression) against it.
    var checked: CheckedRules {
        CheckedRules(choices: choices, fields: fields, fieldIndex: fieldIndex, itemKinds: itemKinds, itemKindIndex: itemKindIndex,
                     approvals: approvals, approvalIndex: approvalIndex, defines: defines, defineIndex: defineIndex, rules: rules,
                     ruleIndex: ruleIndex, scenarios: scenarios, warnings: warnings, limits: limits, files: files)
    }

    package func field(named name: String) -> FieldInfo? { fieldIndex[name].map { fields[$0] } }
    package func itemKind(named name: String) -> ItemKind? { itemKindIndex[name].map { itemKinds[$0] } }
    package func approval(named name: String) -> Approval? { approvalIndex[name].map { approvals[$0] } }
    package func rule(named name: String) -> Rule? { ruleIndex[name].map { rules[$0] } }

    /// The rule whose outcome keyword is on the line that `FILE:LINE` (or `FILE:LINE:COL`)
    /// names, as locations are shown: `pricing.rules:35`.
    package func rule(at location: String) -> Rule? { Rule.at(location, in: rules, unnamedOnly: false) }

    /// Names a type the way messages spell it (`percent`, `list of region`).
    package func typeName(_ t: ValueType) -> String { TypeNamer(choices: choices, items: itemKinds).name(t) }

    /// Spells a value the way the language writes it (`$1,200`, `25%`, `[US, EU]`).
    package func text(of value: Value, in deal: Deal? = nil, itemKind: Int? = nil) -> String {
        (deal.map { valueText(for: $0) } ?? ValueText(choices: choices)).text(value, kind: itemKind)
    }
}


/// What loading gives: the rule set when it checked clean (warnings allowed), and every
/// diagnostic, sorted by file and position.
public struct LoadResult: Sendable {
    /// The rule set, when it has no error.
    public let ruleSet: RuleSet?
    /// Every error and warning, sorted by file and position (`DiagnosticRenderer` shows them
    /// as `dealrules check` does).
    public let diagnostics: [Diagnostic]

    /// What the loader found, compiled when it checked clean.
    init(_ loaded: (CheckedRules?, [Diagnostic]), threads: Int?, origin: LoadOrigin, compile: Bool = true) {
        ruleSet = loaded.0.map { RuleSet($0, threads: threads, origin: origin, compile: compile) }
        diagnostics = loaded.1
    }

    private init(ruleSet: RuleSet?, diagnostics: [Diagnostic]) {
        self.ruleSet = ruleSet
        self.diagnostics = diagnostics
    }

    /// The result with more diagnostics (found by a later check), in file order; any error
    /// among them means the rules do not load.
    package func adding(_ more: [Diagnostic]) -> LoadResult {
        guard !more.isEmpty else { return self }
        let all = (diagnostics + more).enumerated().sorted { a, b in
            let x = a.element.location, y = b.element.location
            if x?.path != y?.path { return (x?.path ?? "") < (y?.path ?? "") }
            if x?.range.start != y?.range.start { return (x?.range.start ?? 0) < (y?.range.start ?? 0) }
            return a.offset < b.offset
        }.map(\.element)
        return LoadResult(ruleSet: more.hasErrors ? nil : ruleSet, diagnostics: all)
    }

    /// One line for people: `ok: 30 rules, 5 approvals, 1 catalog (14 entries) in 5 files`,
    /// or `2 errors, 1 warning`.
    package var summary: String {
        func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        let warned = warnings > 0 ? count(warnings, "warning", "warnings") : nil
        guard let set = ruleSet else {
            let errors = diagnostics.filter(\.isError).count
            return ([count(errors, "error", "errors")] + [warned].compactMap { $0 }).joined(separator: ", ")
        }
        var parts = [count(set.rules.count, "rule", "rules"), count(set.approvals.count, "approval", "approvals")]
        let catalogs = set.itemKinds.compactMap(\.catalog)
        if !catalogs.isEmpty {
            parts.append(count(catalogs.count, "catalog", "catalogs")
                + " (\(count(catalogs.map(\.entries.count).reduce(0, +), "entry", "entries")))")
        }
        if !set.scenarios.isEmpty { parts.append(count(set.scenarios.count, "scenario", "scenarios")) }
        let ruleFiles = set.files.filter { !$0.isCatalog }.count
        let skipped = diagnostics.filter { $0.code == .notAnalysed }.count
        let notes = [warned, skipped > 0 ? count(skipped, "rule", "rules") + " not analysed" : nil].compactMap { $0 }
        return "ok: \(parts.joined(separator: ", ")) in \(count(ruleFiles, "file", "files"))"
            + (notes.isEmpty ? "" : "; " + notes.joined(separator: ", "))
    }

    /// The rule set, or an error carrying every diagnostic.
    public func get() throws(LoadError) -> RuleSet {
        guard let ruleSet else { throw LoadError(diagnostics: diagnostics) }
        return ruleSet
    }
}

