import ArgumentParser
import DealRules
import DealRulesCommandLine

struct DealRulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dealrules",
        abstract: "Check what a deal needs before it is signed.",
        discussion: """
            Ops write rule files; a salesperson checks a deal against them; other tools read the JSON.

            EXAMPLES
              dealrules repl samples/northwind
              dealrules check samples/northwind
              dealrules eval samples/northwind --deal samples/deals/needs-approval.json
              dealrules eval samples/northwind --deals deals.jsonl --today 2026-12-01 > decisions.jsonl
              dealrules diff HEAD~1:samples/northwind samples/northwind --deals deals.jsonl
              dealrules serve samples/northwind --port 8080
            """,
        version: Build.versionLine,
        subcommands: [Check.self, Eval.self, Test.self, Fmt.self, Repl.self, Compile.self, Diff.self, Serve.self, Lsp.self]
    )
}
