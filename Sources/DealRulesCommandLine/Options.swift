import ArgumentParser
import DealRules

package enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// RULES…: rule files or folders, and the limits they are read under.
package struct RulesArguments: ParsableArguments {
    package init() {}

    @Argument(help: ArgumentHelp("Rule files or folders (every *.rules below a folder).", valueName: "RULES"),
              completion: .file(extensions: ["rules"]))
    package var paths: [String] = []

    @OptionGroup(title: "Limits")
    package var limitOptions: LimitOptions

    package var limits: Limits { limitOptions.limits }

    package func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one rule file or folder, e.g. `samples`") }
    }
}

package struct LimitOptions: ParsableArguments {
    package init() {}

    @Option(help: ArgumentHelp("Deepest nesting of an expression.", valueName: "N"))
    package var maxNesting: Int = Limits.default.maxNesting
    @Option(help: ArgumentHelp("Largest rule file or catalog CSV, in bytes.", valueName: "N"))
    package var maxFileBytes: Int = Limits.default.maxFileBytes
    @Option(help: ArgumentHelp("Longest token, in bytes.", valueName: "N"))
    package var maxTokenBytes: Int = Limits.default.maxTokenBytes
    @Option(help: ArgumentHelp("Most rules in a rule set.", valueName: "N"))
    package var maxRules: Int = Limits.default.maxRules
    @Option(help: ArgumentHelp("Largest deal (or line of a stream), in bytes.", valueName: "N"))
    package var maxDealBytes: Int = Limits.default.maxDealBytes
    @Option(help: ArgumentHelp("Longest list in a deal.", valueName: "N"))
    package var maxListLength: Int = Limits.default.maxListLength
    @Option(help: ArgumentHelp("Deepest JSON nesting in a deal.", valueName: "N"))
    package var maxJSONDepth: Int = Limits.default.maxJSONDepth

    package var limits: Limits {
        var l = Limits()
        l.maxNesting = maxNesting
        l.maxFileBytes = maxFileBytes
        l.maxTokenBytes = maxTokenBytes
        l.maxRules = maxRules
        l.maxDealBytes = maxDealBytes
        l.maxListLength = maxListLength
        l.maxJSONDepth = maxJSONDepth
        return l
    }

    package func validate() throws {
        for (name, v) in [("--max-nesting", maxNesting), ("--max-file-bytes", maxFileBytes), ("--max-token-bytes", maxTokenBytes),
                          ("--max-rules", maxRules), ("--max-deal-bytes", maxDealBytes), ("--max-list-length", maxListLength),
                          ("--max-json-depth", maxJSONDepth)] where v < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
        if maxNesting > 10_000 { throw ValidationError("--max-nesting above 10000 would risk the stack; split the expression instead") }
    }
}

extension Day: ExpressibleByArgument {
    public init?(argument: String) {
        guard let d = Day.parse(argument) else { return nil }
        self = d
    }
}

extension DecisionKind: ExpressibleByArgument {
    public static var allValueStrings: [String] { ["blocked", "incomplete", "needs_approval"] }
}

/// Loads rules for a command that needs them; on errors prints them to stderr and exits 1.
package func loadRules(_ arguments: RulesArguments, threads: Int? = nil) throws -> RuleSet {
    try loadRules(paths: arguments.paths, limits: arguments.limits, threads: threads) {
        "the rules have \(count($0, "error")); `dealrules check` shows them all"
    }
}

/// The same for any paths; `summary` says what the number of errors means, after them. The
/// rule set is kept until the process exits (`keepUntilExit`): these commands run once.
package func loadRules(paths: [String], limits: Limits, threads: Int? = nil, summary: (Int) -> String) throws -> RuleSet {
    let result = RuleSet.load(paths: paths, limits: limits, threads: threads)
    guard let rules = result.ruleSet else {
        let errors = result.diagnostics.filter(\.isError)
        Output.standardError(DiagnosticRenderer(color: Output.wantsColor(2)).render(errors))
        Output.standardError(summary(errors.count) + "\n")
        throw ExitCode(1)
    }
    keepUntilExit(rules)
    return rules
}

package func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
