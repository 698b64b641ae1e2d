import ArgumentParser
import DealRules

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

    func run() throws {
        let result = RuleSet.load(paths: rules.paths, limits: rules.limits)
        switch format {
        case .json:
            Output.standardOutput(result.diagnostics.json() + "\n")
        case .text:
            Output.standardOutput(DiagnosticRenderer(color: Output.wantsColor(1)).render(result.diagnostics))
            Output.standardOutput(result.summary + "\n")
        }
        if result.ruleSet == nil { throw ExitCode(1) }
    }
}
