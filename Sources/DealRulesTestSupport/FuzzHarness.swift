import DealRules
import DealRulesLSP
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
    /// Checks that the decision is the reference evaluator's (the whole decision; for a deal
    /// that cannot be read, its code).
    public static func decide(_ bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: "\n---\n", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let rules = RuleSet.load(source: String(parts[0]), name: "fuzz.rules").ruleSet else { return }
        let json = String(parts[1])
        let real = ReferenceEvaluator.summary(rules, json: json, today: Day(year: 2026, month: 12, day: 1)!)
        // A deal over the size limits (docs/limits.md) is the reader's alone to refuse.
        if real.error?.hasPrefix("deal.limit") != true {
            let reference = ReferenceEvaluator(source: String(parts[0]), name: "fuzz.rules").decide(dealJSON: json, today: (2026, 12, 1))
            if !agree(real, reference) {
                violated("the evaluator and the reference disagree on\n\(text)\nreal: \(real)\nreference: \(reference)")
            }
        }
        guard let deal = try? rules.deal(json: Array(parts[1].utf8)) else { return }
        let d = rules.decide(deal, today: Day(number: 20_000), explain: true)
        _ = d.json(index: 0)
        _ = DecisionRenderer().render(d)
        _ = rules.nearMisses(deal, today: Day(number: 20_000))
        let draft = rules.draft(of: deal)
        for a in rules.approvals.prefix(2) { _ = rules.avoid(.approval(a.name), in: draft, today: Day(number: 20_000)) }
        _ = rules.avoid(.deny, in: draft, today: Day(number: 20_000))
    }

    /// The same decision; for a deal neither can read, the same code (the messages of deal
    /// errors are compared by the property tests, on the mistakes the generator makes). A text
    /// that is not JSON and also gives, before the place it breaks, a field the rules do not
    /// have, is refused by the library for whichever comes first, and by the reference (which
    /// parses the whole text first) as not JSON: both refuse it, and that is what is compared.
    static func agree(_ a: ReferenceEvaluator.Result, _ b: ReferenceEvaluator.Result) -> Bool {
        guard let e1 = a.error, let e2 = b.error else { return a == b }
        let (c1, c2) = (e1.prefix { $0 != ":" }, e2.prefix { $0 != ":" })
        return c1 == c2 || c1 == "deal.invalid-json" || c2 == "deal.invalid-json"
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

    /// A deal's JSON against the sample rules: read, decide, the stream's error line. Checks that
    /// the deal reader agrees with `JSONSerialization` on which texts are JSON and what they say
    /// (`JSONAgreement`: numbers as decimal text, the documented differences left out).
    public static func deal(_ bytes: UnsafeBufferPointer<UInt8>, rules: RuleSet) {
        // The deal reader's JSON is Foundation's, apart from the documented differences.
        if let why = JSONAgreement.disagreement(Array(bytes)) {
            violated("the deal reader and JSONSerialization disagree: \(why): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
        // The reader's usual path reads a deal only as the full reader does.
        let (usual, full) = rules.dealBothWays(json: Array(bytes))
        if let usual, (try? full.get()) != usual {
            violated("the deal reader's usual path and the full reader read different deals: \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
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
            for _ in 0..<count { out.append(Array((g.ruleSet(rules: 8) + "\n---\n" + g.deal(errors: true)).utf8)) }
        case "FuzzLSP":
            out += languageServerSeeds
        case "FuzzService":
            out += serviceSeeds(root: root)
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

// MARK: The language server

extension FuzzHarness {
    /// One message to the language server (`dealrules lsp`), as an editor might send it, or
    /// not: the JSON reader reads back what it writes (the same value, the same text), and the
    /// server answers or ignores the message without crashing. The server is one for every input,
    /// started on the samples with `pricing.rules` open, and put back in that state after each
    /// (so an input that fails, fails again alone); `file:///fuzz/` in an input stands for the
    /// samples' folder. `initialize`, `shutdown` and `exit` are not passed on: they would change
    /// what every later input meets.
    public static func languageServer(_ bytes: UnsafeBufferPointer<UInt8>) {
        var input = Array(bytes)
        var changes = false
        if let value = try? JSON.parse(input) {
            guard let again = try? JSON.parse(value.text), again == value, again.text == value.text else {
                violated("the JSON reader reads back differently what it wrote: \(value.text)")
            }
            if let method = value["method"]?.string, ["initialize", "shutdown", "exit"].contains(method) { return }
            changes = value["method"]?.string.map { $0.hasPrefix("textDocument/did") || $0.hasPrefix("workspace/didChange") } ?? false
            input = Array(value.text.replacing("file:///fuzz/", with: FileURI.uri(samplesPath) + "/").utf8)
        }
        _ = editor.handle(input)
        editor.settle()
        guard changes else { return }
        // Back to the samples' `pricing.rules` as it is on disk, alone.
        editor.closeAll(except: pricingURI)
        _ = editor.handle(Array(object(("jsonrpc", "2.0"), ("method", "textDocument/didChange"), ("params", object(
            ("textDocument", object(("uri", .string(pricingURI)), ("version", 1))),
            ("contentChanges", [object(("text", .string(pricingText)))])))).text.utf8))
        editor.settle()
    }

    static let pricingURI = FileURI.uri(samplesPath + "/pricing.rules")
    static let pricingText = String(decoding: (try? readWhole(samplesPath + "/pricing.rules")) ?? [], as: UTF8.self)

    /// Where the sample rule set is: `$DEALRULES_SAMPLES`, else `samples/northwind`.
    static var samplesPath: String {
        let path = getenv("DEALRULES_SAMPLES").map { String(cString: $0) } ?? "samples/northwind"
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    nonisolated(unsafe) static let editor: LanguageServer = {
        let server = LanguageServer(input: -1, output: open("/dev/null", O_WRONLY))
        let root = JSON.string(FileURI.uri(samplesPath))
        for message in [
            object(("jsonrpc", "2.0"), ("id", 1), ("method", "initialize"), ("params", object(("capabilities", .object([])), ("rootUri", root)))),
            object(("jsonrpc", "2.0"), ("method", "initialized"), ("params", .object([]))),
            object(("jsonrpc", "2.0"), ("method", "textDocument/didOpen"), ("params", object(("textDocument", object(
                ("uri", .string(pricingURI)), ("languageId", "dealrules"), ("version", 1), ("text", .string(pricingText))))))),
        ] {
            _ = server.handle(Array(message.text.utf8))
        }
        server.settle()
        return server
    }()

    /// Messages an editor sends, about `file:///fuzz/pricing.rules` (the samples' file).
    static var languageServerSeeds: [[UInt8]] {
        let doc = #"{"uri":"file:///fuzz/pricing.rules"}"#
        func request(_ method: String, _ params: String) -> String { #"{"jsonrpc":"2.0","id":7,"method":"\#(method)","params":\#(params)}"# }
        func at(_ line: Int, _ character: Int) -> String { #"{"textDocument":\#(doc),"position":{"line":\#(line),"character":\#(character)}}"# }
        var out: [String] = []
        for (line, character) in [(3, 12), (3, 33), (7, 30), (0, 0), (12, 14), (999, 999), (-1, -5)] {
            for method in ["textDocument/completion", "textDocument/hover", "textDocument/definition"] {
                out.append(request(method, at(line, character)))
            }
        }
        out += [
            request("textDocument/references", #"{"textDocument":\#(doc),"position":{"line":3,"character":14},"context":{"includeDeclaration":true}}"#),
            request("textDocument/documentSymbol", #"{"textDocument":\#(doc)}"#),
            request("workspace/symbol", #"{"query":"disc"}"#),
            request("textDocument/formatting", #"{"textDocument":\#(doc),"options":{"tabSize":2,"insertSpaces":true}}"#),
            request("textDocument/codeLens", #"{"textDocument":\#(doc)}"#),
            request("textDocument/codeAction", #"{"textDocument":\#(doc),"range":{"start":{"line":3,"character":10},"end":{"line":3,"character":25}},"context":{"diagnostics":[{"range":{"start":{"line":3,"character":10},"end":{"line":3,"character":25}},"message":"x","data":{"replacement":"finance_approval"}}]}}"#),
            request("workspace/executeCommand", #"{"command":"dealrules.runScenario","arguments":["file:///fuzz/scenarios/pricing.rules","a deep discount needs Finance"]}"#),
            #"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///fuzz/pricing.rules","version":2},"contentChanges":[{"range":{"start":{"line":3,"character":10},"end":{"line":3,"character":12}},"text":"fi\u00e9😀\n(["}]}}"#,
            #"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///fuzz/pricing.rules","version":3},"contentChanges":[{"text":"rule a:\n  deny when service is \""}]}}"#,
            #"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///fuzz/new.rules","languageId":"dealrules","version":1,"text":"include \"pricing.rules\"\nscenario \"s\" {\n  add service \""}}}"#,
            #"{"jsonrpc":"2.0","method":"textDocument/didClose","params":{"textDocument":{"uri":"file:///fuzz/new.rules"}}}"#,
            #"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":7}}"#,
            #"{"jsonrpc":"2.0","id":"x","method":"unknown/method"}"#,
            #"[1, 2.5e-3, "\ud83d\ude00", {"a": null, "b": [true, false]}]"#,
            #"{"jsonrpc":"2.0","id":"x","method":"textDocument/hover","params":{"textDocument":{"uri":"file:///fuzz/missing.rules"},"position":{"line":0}}}"#,
        ]
        return out.map { Array($0.utf8) }
    }
}
