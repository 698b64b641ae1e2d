import DealRules
import DealRulesREPL

/// What each fuzz target does with one input. The libFuzzer executables in `Fuzz/` call these,
/// and `FuzzRegressionTests` replays every input that ever crashed one through the same code.
public enum FuzzHarness {
    /// Rule source → load, check, render the diagnostics, decide an empty deal, format. Checks
    /// that formatting is idempotent and that formatted rules load to the same rules.
    public static func load(_ bytes: UnsafeBufferPointer<UInt8>) {
        let source = SourceFile(path: "fuzz.rules", bytes: Array(bytes))
        let text = String(decoding: bytes, as: UTF8.self)
        let result = RuleSet.load(source: text, name: "fuzz.rules")
        _ = DiagnosticRenderer().render(result.diagnostics)
        _ = result.diagnostics.json()
        if let rules = result.ruleSet {
            _ = rules.decide(rules.emptyDeal(), today: Day(number: 20_000), explain: true).json()
            _ = rules.runScenarios(today: Day(number: 20_000))
        }
        guard case .success(let formatted) = Formatter.format(source) else { return }
        if case .success(let again) = Formatter.format(text: formatted, name: "fuzz.rules"), again != formatted {
            violated("formatting is not idempotent:\n\(formatted)\n---\n\(again)")
        }
        guard let rules = result.ruleSet else { return }
        guard let reloaded = RuleSet.load(source: formatted, name: "fuzz.rules").ruleSet else {
            violated("the rules load, but not once formatted:\n\(formatted)")
        }
        if meaning(of: rules) != meaning(of: reloaded) {
            violated("formatting changed the rules:\n\(meaning(of: rules))\n---\n\(meaning(of: reloaded))")
        }
    }

    /// What a rule set says, without where: its approvals and each rule as printed.
    static func meaning(of rules: RuleSet) -> [String] {
        rules.approvals.map { "approval \($0.name): \($0.team)" }
            + rules.rules.map { "\($0.name): \($0.outcome.rawValue) \($0.approvals.map { rules.approvals[$0].name }) when \($0.conditionText)" }
    }

    /// A broken invariant: the fuzzer keeps the input as a crash, and the regression tests
    /// replay it.
    static func violated(_ what: String) -> Never {
        fatalError("invariant broken: " + what)
    }

    /// Rule source and a deal, separated by a line `---`: load, read the deal, decide, explain.
    public static func decide(_ bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: "\n---\n", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let rules = RuleSet.load(source: String(parts[0]), name: "fuzz.rules").ruleSet else { return }
        guard let deal = try? rules.deal(json: Array(parts[1].utf8)) else { return }
        let d = rules.decide(deal, today: Day(number: 20_000), explain: true)
        _ = d.json(index: 0)
        _ = DecisionRenderer().render(d)
        _ = rules.nearMisses(deal, today: Day(number: 20_000))
        let draft = rules.draft(of: deal)
        for a in rules.approvals.prefix(2) { _ = rules.avoid(.approval(a.name), in: draft, today: Day(number: 20_000)) }
        _ = rules.avoid(.deny, in: draft, today: Day(number: 20_000))
    }

    /// Lines typed at the REPL, against the sample rules: each run, and completed at every length.
    /// Checks that `:undo` takes back each change to the deal.
    public static func repl(_ bytes: UnsafeBufferPointer<UInt8>, rules: RuleSet) {
        let text = String(decoding: bytes, as: UTF8.self)
        let session = Session(rules: rules, options: Session.Options(today: Day(number: 20_000)))
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(12) {
            let input = String(line)
            // Commands that touch files are left out: a fuzzer must not write to the disk.
            let command = input.drop { $0 == " " }
            if ["save", "write", "load", "open", "reload"].contains(where: { command.hasPrefix(":" + $0) }) { continue }
            _ = session.complete(input)
            _ = session.needsMore(input)
            let before = session.draft
            _ = session.run(input)
            // A change to the deal is taken back by `:undo` (not after `:undo` itself).
            if session.draft != before, !command.hasPrefix(":undo") {
                _ = session.run(":undo")
                if session.draft != before { violated("`:undo` after `\(input)` did not restore the deal") }
                _ = session.run(input)
            }
        }
    }

    /// A deal's JSON against the sample rules: read, decide, the stream's error line.
    public static func deal(_ bytes: UnsafeBufferPointer<UInt8>, rules: RuleSet) {
        do {
            let deal = try rules.deal(json: bytes)
            _ = rules.decide(deal, today: Day(number: 20_000)).json(index: 0)
            _ = rules.deal(from: rules.draft(of: deal))
        } catch {
            _ = error.errorJSON(index: 0, id: rules.dealID(json: bytes))
        }
        _ = try? DealValue.parse(json: bytes)
    }

    // MARK: Seeds

    /// Seed inputs for each target, from the samples and the grammar (random rule sets).
    /// `root` is the package's folder.
    public static func seeds(target: String, root: String, count: Int = 60) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var g = RuleSetGenerator(seed: 1)
        switch target {
        case "FuzzLoad":
            for dir in ["samples/northwind", "samples/bad", "Tests/DealRulesTests/Fixtures/format", "Tests/DealRulesTests/Fixtures/language"] {
                out += RuleFiles.list([root + "/" + dir]).files.map { (try? readWhole($0)) ?? [] }
            }
            for _ in 0..<count { out.append(Array(g.ruleSet(rules: 8).utf8)) }
        case "FuzzDecide":
            for _ in 0..<count { out.append(Array((g.ruleSet(rules: 8) + "\n---\n" + g.deal()).utf8)) }
        case "FuzzREPL":
            let lines = ["region = EU", "discount = 25%", "add service \"SIEM\" with seats = 30", "remove service \"SIEM\"",
                         "unset discount", "today = 2026-12-01", "services = []", "discount is 25%", ":why", ":missing",
                         ":whatif discount = 15%; region = US", ":avoid finance_approval", ":avoid deny", ":deal", ":undo",
                         ":reset", ":rules siem", ":help why", "require legal_review when discount > 10%",
                         "rule r:\n  warn when discount > 1%", "count of services where service in catalog", "(discount > 1%",
                         "sla in [gold, platinum]", "any service is \"SIEM\"",
                         // Values at the ends of their types.
                         "-(2,147,483,647 days) - 1 day", "term = -2,147,483,648 days", "total = -$9,223,372,036,854.775808",
                         "discount = 9,223,372,036,854.775807%", "start = 0001-01-01", "start - 1 day", "today = 9999-12-31",
                         "total - $0.000001", "term = 1 month - 3 days"]
            for i in 0..<lines.count { out.append(Array(lines[i..<min(lines.count, i + 4)].joined(separator: "\n").utf8)) }
        default:
            let deals = root + "/samples/deals"
            for name in entries(deals) where name.hasSuffix(".json") || name.hasSuffix(".jsonl") {
                let bytes = (try? readWhole(deals + "/" + name)) ?? []
                out += bytes.split(separator: UInt8(ascii: "\n")).map(Array.init)
                out.append(bytes)
            }
            // Values at the ends of their types.
            out += [#"{"total": -9223372036854.775808, "discount": 9223372036854.775807, "term": "2147483647 days"}"#,
                    #"{"total": "-$9,223,372,036,854.775808", "term": "-2147483648 days", "start": "0001-01-01"}"#,
                    #"{"term": "1 month - 2147483648 days", "start": "9999-12-31", "list_price": 0.000001}"#,
                    #"{"discount": -9223372036854.775809, "total": 1e400, "term": "2147483648 days"}"#].map { Array($0.utf8) }
        }
        return out
    }

    static func entries(_ dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            out.append(withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        }
        return out.sorted()
    }

    static func readWhole(_ path: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        guard let f = fopen(path, "rb") else { return [] }
        defer { fclose(f) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return bytes
    }
}

import Glibc

extension FuzzHarness {
    /// Writes the seeds of `target` as files in `dir` (for `Fuzz/run`).
    public static func writeSeeds(target: String, root: String, to dir: String) -> Int32 {
        mkdir(dir, 0o755)
        for (i, seed) in seeds(target: target, root: root).enumerated() {
            guard let f = fopen(dir + "/seed-\(i)", "wb") else {
                let message = Array("cannot write seeds to \(dir)\n".utf8)
                _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                return 1
            }
            _ = seed.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            fclose(f)
        }
        return 0
    }

    /// The sample rule set, loaded once: `$DEALRULES_SAMPLES`, else `samples/northwind`.
    public static let samples: RuleSet = {
        let path = getenv("DEALRULES_SAMPLES").map { String(cString: $0) } ?? "samples/northwind"
        guard let rules = RuleSet.load(paths: [path]).ruleSet else { fatalError("the samples at \(path) do not load") }
        return rules
    }()
}
