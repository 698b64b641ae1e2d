import ArgumentParser
import DealRules
import DealRulesCommandLine

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load and type-check rule files; report every problem with where it is and what to do.",
        discussion: """
            Exit status: 0 when the rules load (warnings allowed), 1 when they have errors.

            EXAMPLES
              dealrules check samples/northwind
              dealrules check northwind.rules extra.rules
              dealrules check samples/northwind --format json | jq '.[].code'
            """
    )

    @OptionGroup var rules: RulesArguments

    @Option(help: "text for people, json for tools (a list of diagnostics).")
    var format: OutputFormat = .text

    @Flag(help: "Print each file's tokens, one a line (where, kind, text), instead of checking.")
    var dumpTokens = false

    @Flag(help: "Print each file's declarations as parsed, one a line, instead of checking.")
    var dumpAst = false

    func validate() throws {
        if dumpTokens && dumpAst { throw ValidationError("--dump-tokens and --dump-ast print different stages; give one") }
    }

    func run() throws {
        if dumpTokens || dumpAst { return try dump() }
        // Scenarios are checked too: a fact that no deal can hold is an error here, not a
        // surprise in `dealrules test`.
        let loaded = RuleSet.load(paths: rules.paths, limits: rules.limits)
        let result = loaded.adding(loaded.ruleSet?.scenarioFactErrors() ?? [])
        switch format {
        case .json:
            Output.standardOutput(result.diagnostics.json() + "\n")
        case .text:
            Output.standardOutput(DiagnosticRenderer(color: Output.wantsColor(1)).render(result.diagnostics))
            Output.standardOutput(result.summary + "\n")
        }
        if result.ruleSet == nil { throw ExitCode(1) }
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
