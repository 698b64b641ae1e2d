import ArgumentParser
import DealRules
import DealRulesCommandLine

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Load and type-check rule files; report every problem with where it is and what to do.",
        discussion: """
            Exit status: 0 when the rules load (warnings allowed), 1 when they have errors
            (or, with --strict, warnings).

            --analyze adds the rule-set analysis (docs/analysis.md): rules that never or
            always fire, `unless` clauses that remove all or nothing, redundant rules,
            overlapping or gapped approval tiers, requirements a `deny` makes moot, fields
            no rule reads. Each finding comes with a deal that shows it (checked with the
            evaluator) or the comparisons that prove it.

            EXAMPLES
              dealrules check samples/northwind
              dealrules check northwind.rules extra.rules
              dealrules check samples/northwind --format json | jq '.[].code'
              dealrules check samples/analysis --analyze
              dealrules check rules/ --analyze --strict      # in CI: any warning fails
            """
    )

    @OptionGroup var rules: RulesArguments

    @Option(help: "text for people, json for tools (a list of diagnostics).")
    var format: OutputFormat = .text

    @Flag(help: "Also analyse the rule set: dead, redundant, overlapping, gapped and conflicting rules, each with a deal that shows it.")
    var analyze = false

    @Flag(help: "Exit 1 when there is any warning, not only on errors.")
    var strict = false

    @Flag(help: "Print each file's tokens, one a line (where, kind, text), instead of checking.")
    var dumpTokens = false

    @Flag(help: "Print each file's declarations as parsed, one a line, instead of checking.")
    var dumpAst = false

    func validate() throws {
        if dumpTokens && dumpAst { throw ValidationError("--dump-tokens and --dump-ast print different stages; give one") }
        if (dumpTokens || dumpAst) && (analyze || strict) {
            throw ValidationError("--\(dumpTokens ? "dump-tokens" : "dump-ast") prints the files as read; it cannot be combined with --analyze or --strict")
        }
    }

    func run() throws {
        if dumpTokens || dumpAst { return try dump() }
        // Scenarios are checked too: a fact that no deal can hold is an error here, not a
        // surprise in `dealrules test`.
        // Compiled for deciding only when the analysis decides deals.
        let loaded = RuleSet.load(paths: rules.paths, limits: rules.limits, compile: analyze)
        if let ruleSet = loaded.ruleSet { keepUntilExit(ruleSet) }
        var result = loaded.adding(loaded.ruleSet?.scenarioFactErrors() ?? [])
        if analyze, let ruleSet = result.ruleSet { result = result.adding(ruleSet.analyze()) }
        switch format {
        case .json:
            Output.standardOutput(result.diagnostics.json() + "\n")
        case .text:
            Output.standardOutput(DiagnosticRenderer(color: Output.wantsColor(1)).render(result.diagnostics))
            Output.standardOutput(result.summary + "\n")
        }
        if result.ruleSet == nil { throw ExitCode(1) }
        if strict, result.diagnostics.contains(where: { $0.severity == .warning }) { throw ExitCode(1) }
    }

    /// `--dump-tokens` / `--dump-ast`: every file named (or found in a folder named), as written;
    /// includes are not followed. What the lexer or parser found wrong goes to stderr (exit 1).
    private func dump() throws {
        let (files, missing) = RuleFiles.list(rules.paths)
        var diagnostics = missing.map { Diagnostic(.fileNotFound, "`\($0)` does not exist") }
        for file in files {
            let bytes: [UInt8]
            do { bytes = try readInput(file, limit: rules.limits.maxFileBytes) } catch let e as InputError {
                diagnostics.append(Diagnostic(.fileUnreadable, e.message))
                continue
            }
            let source = SourceFile(path: file, bytes: bytes)
            let (text, found) = dumpTokens ? SyntaxDump.tokens(source, limits: rules.limits) : SyntaxDump.tree(source, limits: rules.limits)
            Output.standardOutput(text)
            diagnostics += found
        }
        if !diagnostics.isEmpty { Output.standardError(DiagnosticRenderer(color: Output.wantsColor(2)).render(diagnostics)) }
        if diagnostics.hasErrors { throw ExitCode(1) }
    }
}
