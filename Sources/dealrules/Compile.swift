import ArgumentParser
import DealRules
import DealRulesCommandLine

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Export the checked rule set as a JSON document for other tools.",
        discussion: """
            The document lists the choices, fields, items with their catalogs, approvals, defines, rules (each condition as a typed expression tree, with its location) and scenarios. Its shape: grammar/dealrules-rule-set.schema.json, described in docs/tools.md.
            --format text lists the approvals and rules for people.
            --deal-schema prints instead a JSON Schema (draft 2020-12) of a deal these rules read: each field's JSON types, a choice's values, item kinds with their catalog's names as examples (docs/tools.md, "A deal's schema").

            Exit status: 0; 1 when the rules have errors (shown on stderr).

            EXAMPLES
              dealrules compile samples/northwind --format json > rules.json
              dealrules compile samples/northwind --format json | jq '.approvals[].name'
              dealrules compile samples/northwind --format json | jq '.rules[] | select(.outcome == "deny") | .name'
              dealrules compile samples/northwind --deal-schema > deal.schema.json
            """
    )

    @OptionGroup var rules: RulesArguments

    @Option(help: "json for tools (the default), text for people.")
    var format: OutputFormat = .json

    @Flag(help: "Print a JSON Schema of a deal these rules read, instead of the rule set.")
    var dealSchema = false

    func validate() throws {
        if dealSchema, format == .text { throw ValidationError("--deal-schema is JSON; leave out --format text") }
    }

    func run() throws {
        let ruleSet = try loadRules(rules)
        if dealSchema {
            Output.standardOutput(ruleSet.dealSchemaJSON() + "\n")
            return
        }
        switch format {
        case .json:
            Output.standardOutput(ruleSet.exportJSON() + "\n")
        case .text:
            Output.standardOutput(listing(ruleSet))
        }
    }

    private func listing(_ set: RuleSet) -> String {
        var out = "\(count(set.approvals.count, "approval")):\n"
        for a in set.approvals { out += "  \(a.name) (\(a.team))\n" }
        out += "\(count(set.rules.count, "rule")):\n"
        for r in set.rules {
            var head = r.outcome.rawValue
            if !r.approvals.isEmpty { head += " " + r.approvals.map { set.approvals[$0].name }.joined(separator: ", ") }
            out += "  \(r.name): \(head) when \(r.conditionText)    [\(r.location)]\n"
        }
        return out
    }
}
