import Foundation
import Testing
import DealRulesTestSupport
@testable import DealRules

@Suite struct FormatterTests {
    static let fixtures = packageRoot.appendingPathComponent("Tests/DealRulesTests/Fixtures/format")

    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? [])
        .filter { $0.hasSuffix(".rules") }.map { String($0.dropLast(6)) }.sorted()

    func format(_ text: String, path: String = "t.rules") -> String? {
        try? Formatter.format(SourceFile(path: path, text: text)).get()
    }

    @Test(arguments: cases)
    func messyInputGivesTheExpectedLayout(name: String) throws {
        let input = try String(contentsOf: Self.fixtures.appendingPathComponent(name + ".rules"), encoding: .utf8)
        let output = try #require(format(input, path: name + ".rules"))
        golden("Tests/DealRulesTests/Fixtures/format/\(name).formatted", output)
        #expect(format(output, path: name + ".rules") == output, "formatting is idempotent")
    }

    @Test func thereAreGoldenCases() {
        #expect(Self.cases.count >= 4)
    }

    @Test func aFileThatDoesNotParseIsRefused() {
        let r = Formatter.format(SourceFile(path: "t.rules", text: "deny when (a\nwarn when b"))
        guard case .failure(let e) = r else {
            Issue.record("it formatted")
            return
        }
        #expect(e.diagnostics.first?.code == .unclosed)
    }

    @Test func emptyAndCommentOnlyFiles() {
        #expect(format("") == "")
        #expect(format("\n\n\n") == "")
        #expect(format("# just a note\n\n\n# and another   \n") == "# just a note\n\n# and another\n")
    }

    /// Everything a decision says that formatting must keep: rule names as they are (an
    /// unnamed rule's too), messages, missing facts, errors. Only locations may move.
    func comparable(_ d: Decision, _ rules: RuleSet) -> String {
        let outcomes = d.outcomes.map { "\($0.kind) \($0.approval ?? "") \($0.rule) \($0.item ?? "") \($0.message)" }
        let undetermined = d.undetermined.map { "\($0.kind) \($0.rule) \($0.item ?? "") \($0.missing) \($0.errors)" }
        return "\(d.kind) \(d.required) \(outcomes) \(undetermined)"
    }

    /// What running the scenarios says, but where they are.
    func comparable(_ results: [ScenarioResult]) -> [String] {
        results.map { r in
            "\(r.name): \(r.passed) \(r.failures.map { "\($0.statement) — \($0.detail)" }) fired \(r.fired.sorted())"
        }
    }

    @Test func everySampleIsFormattedAndKeepsItsMeaning() throws {
        let dir = packageRoot.appendingPathComponent("samples/northwind")
        let (files, _) = RuleFiles.list([dir.path])
        #expect(files.count >= 8)
        let formatted = try temporaryCopy(of: dir)
        defer { try? FileManager.default.removeItem(at: formatted) }
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let once = try #require(format(text, path: file))
            #expect(once == text, "\(file) is in canonical form (run `dealrules fmt samples/northwind --write`)")
            #expect(format(once, path: file) == once)
        }
        let original = try RuleSet.load(paths: [dir.path]).get()
        let copy = try RuleSet.load(paths: [formatted.path]).get()
        for deal in try sampleDeals() {
            let a = original.decide(try original.deal(json: deal)), b = copy.decide(try copy.deal(json: deal))
            #expect(comparable(a, original) == comparable(b, copy))
        }
    }

    /// Generated rule sets, laid out messily, with unnamed rules and scenarios that name them:
    /// formatted, every decision (rule names included) and every scenario result stays the same.
    @Test(arguments: 0..<40)
    func randomRuleSetsFormatIdempotentlyAndKeepTheirDecisions(seed: Int) throws {
        var g = RuleSetGenerator(seed: UInt64(seed) &* 7919 &+ 11)
        for _ in 0..<10 {
            let text = g.ruleSet(rules: 10, scenarios: 3)
            let loaded = RuleSet.load(source: text, name: "gen.rules")
            let original = try #require(loaded.ruleSet, "the generator made a set that does not load:\n\(text)\n\(DiagnosticRenderer().render(loaded.diagnostics))")
            let once = try #require(format(text, path: "gen.rules"), "\(text)")
            #expect(format(once, path: "gen.rules") == once, "not idempotent:\n\(text)")
            let copy = try RuleSet.load(source: once, name: "gen.rules").get()
            let today = Day(year: 2026, month: 12, day: 1)!
            #expect(copy.rules.map(\.name) == original.rules.map(\.name))
            #expect(comparable(copy.runScenarios(today: today)) == comparable(original.runScenarios(today: today)), "\(text)")
            for _ in 0..<5 {
                let json = g.deal()
                let a = original.decide(try original.deal(json: json), today: today)
                let b = copy.decide(try copy.deal(json: json), today: today)
                #expect(comparable(a, original) == comparable(b, copy), "\(text)\n\(json)")
            }
        }
    }

    func sampleDeals() throws -> [String] {
        let deals = packageRoot.appendingPathComponent("samples/deals")
        return try FileManager.default.contentsOfDirectory(atPath: deals.path).filter { $0.hasSuffix(".json") }.map {
            try String(contentsOf: deals.appendingPathComponent($0), encoding: .utf8)
        }
    }

    /// The folder copied, each rule file formatted.
    func temporaryCopy(of dir: URL) throws -> URL {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("fmt-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: dir, to: copy)
        for file in RuleFiles.list([copy.path]).files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            try #require(format(text, path: file)).write(toFile: file, atomically: true, encoding: .utf8)
        }
        return copy
    }
}
