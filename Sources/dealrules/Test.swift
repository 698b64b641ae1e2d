import ArgumentParser
import DealRules
import DealRulesCommandLine

struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the scenarios in the rule files: what each deal should get.",
        discussion: """
            A scenario builds a deal from facts and says what it should get:

              scenario "EU SIEM deal needs security review" {
                region = EU
                add service "SIEM" with seats = 20
                expect needs_approval
                expect require security_review
                expect no deny
              }

            Each failing scenario is shown with the expectation that failed and the decision it got. Ends with `N passed, N failed`. Exit status: 0 when every scenario passed; 1 when one failed, a rule file is bad, or no scenario ran.

            EXAMPLES
              dealrules test samples/northwind
              dealrules test samples/northwind --filter siem
              dealrules test samples/northwind --junit results.xml --coverage
            """
    )

    @OptionGroup var rules: RulesArguments

    @Option(help: ArgumentHelp("Run only the scenarios whose name contains TEXT (any case).", valueName: "TEXT"))
    var filter: String?

    @Option(help: ArgumentHelp("Also write the results as JUnit XML, for CI systems.", valueName: "FILE"),
            completion: .file(extensions: ["xml"]))
    var junit: String?

    @Flag(help: "List the rules no scenario made fire, and those no scenario reached at all.")
    var coverage = false

    @Flag(help: "List passing scenarios too.")
    var verbose = false

    @Option(help: ArgumentHelp("The date rules see as `today` when a scenario sets none (default: the local date).",
                               valueName: "YYYY-MM-DD"))
    var today: Day?

    func run() throws {
        let ruleSet = try loadRules(rules)
        let results = ruleSet.runScenarios(filter: filter, today: today)
        let color = Output.wantsColor(1)
        func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        for r in results where !r.passed || verbose {
            if r.passed {
                Output.standardOutput(paint("✓", "32") + " \(r.name)\n")
                continue
            }
            Output.standardOutput(paint("✗", "1;31") + " \(paint(r.name, "1"))   \(r.location)\n")
            for f in r.failures {
                Output.standardOutput("    \(f.statement)   \(paint(f.location.description, "2"))\n      \(paint("but", "33")) \(f.detail)\n")
            }
            if let d = r.decision { Output.standardOutput(describe(d, paint)) }
        }
        if let junit {
            do {
                try writeFile(JUnit.xml(results), to: junit)
            } catch {
                Output.standardError("error: \(error)\n")
                throw ExitCode(1)
            }
        }
        if coverage { Output.standardOutput(coverageReport(ruleSet, results)) }
        let failed = results.filter { !$0.passed }.count
        Output.standardOutput("\(results.count - failed) passed, \(failed) failed\n")
        if results.isEmpty {
            Output.standardError(ruleSet.scenarios.isEmpty
                ? "no scenario ran: the rules have none; add `scenario \"…\" { … }` blocks beside them\n"
                : "no scenario ran: none of the \(ruleSet.scenarios.count) scenario names contains `\(filter ?? "")`\n")
            throw ExitCode(1)
        }
        if failed > 0 { throw ExitCode(1) }
    }

    /// The decision a failing scenario got, with the rules behind it.
    func describe(_ d: Decision, _ paint: (String, String) -> String) -> String {
        var out = "    got \(paint(d.kind.rawValue, "1"))\n"
        for o in d.outcomes {
            let what = o.kind == .require ? "require \(o.approval ?? "")" : o.kind.rawValue
            out += "      \(what)  \(paint(o.rule + (o.item.map { " (\($0))" } ?? ""), "2"))\n"
        }
        var seen: Set<String> = []
        for u in d.undetermined where u.kind != .warn && seen.insert(u.rule + (u.item ?? "")).inserted {
            out += "      undecided \(u.rule)\(u.item.map { " (\($0))" } ?? ""): needs \(u.missing.joined(separator: ", "))\n"
        }
        return out
    }

    /// `deep_discount   pricing.rules:4:3`, `pricing.rules#1   pricing.rules:35:1`.
    static func named(_ r: Rule) -> String { "\(r.name)   \(r.location)" }

    func coverageReport(_ set: RuleSet, _ results: [ScenarioResult]) -> String {
        let fired = results.reduce(into: Set<String>()) { $0.formUnion($1.fired) }
        let reached = results.reduce(into: Set<String>()) { $0.formUnion($1.reached) }
        let neverFired = set.rules.filter { !fired.contains($0.name) }
        let neverReached = neverFired.filter { !reached.contains($0.name) }
        var out = "coverage: \(set.rules.count - neverFired.count) of \(set.rules.count) rules fired in some scenario\n"
        let notFiredButReached = neverFired.filter { reached.contains($0.name) }
        if !notFiredButReached.isEmpty {
            out += "  never fired (decided no in every scenario):\n"
            for r in notFiredButReached { out += "    " + Self.named(r) + "\n" }
        }
        if !neverReached.isEmpty {
            out += "  never reached (undecided, or no item to check, in every scenario):\n"
            for r in neverReached { out += "    " + Self.named(r) + "\n" }
        }
        return out
    }
}

/// JUnit XML, as CI systems read it: one test suite per rule file, one test case per scenario.
enum JUnit {
    static func xml(_ results: [ScenarioResult]) -> String {
        let failures = results.filter { !$0.passed }.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"dealrules\" tests=\"\(results.count)\" failures=\"\(failures)\">\n"
        var files: [String] = []
        for r in results where !files.contains(r.file) { files.append(r.file) }
        for file in files {
            let here = results.filter { $0.file == file }
            out += "  <testsuite name=\"\(escape(file))\" tests=\"\(here.count)\" failures=\"\(here.filter { !$0.passed }.count)\">\n"
            for r in here {
                out += "    <testcase name=\"\(escape(r.name))\" classname=\"\(escape(file))\""
                if r.passed {
                    out += "/>\n"
                    continue
                }
                out += ">\n"
                for f in r.failures {
                    out += "      <failure message=\"\(escape(f.statement))\" type=\"expectation\">"
                        + escape("\(f.location): \(f.statement): but \(f.detail)") + "</failure>\n"
                }
                out += "    </testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            default:
                // XML 1.0 allows no other control characters.
                if c.value < 0x20, c != "\t", c != "\r" { continue }
                out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
