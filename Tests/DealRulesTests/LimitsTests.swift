import Foundation
import Testing
@testable import DealRules

/// Every limit of docs/limits.md gives a clear error at the right place, never a crash.
@Suite struct LimitsTests {
    @Test func deepNestingStopsAtTheLimitWhereItIs() {
        var limits = Limits()
        limits.maxNesting = 50
        let text = "deal { a: number }\nwarn when " + String(repeating: "(", count: 60) + "a > 1" + String(repeating: ")", count: 60)
        let d = RuleSet.load(source: text, limits: limits).diagnostics
        #expect(d.first?.code == .tooDeep)
        #expect(d.first?.location?.line == 2)
        #expect(d.first?.location?.column == 61)
        // A hundred thousand open parentheses: an error, not a stack overflow.
        let huge = RuleSet.load(source: "warn when " + String(repeating: "(", count: 100_000)).diagnostics
        #expect(huge.contains { $0.code == .tooDeep })
        let nots = RuleSet.load(source: "deal { f: flag }\nwarn when " + String(repeating: "not ", count: 100_000) + "f").diagnostics
        #expect(nots.contains { $0.code == .tooDeep })
        let minus = RuleSet.load(source: "deal { n: number }\nwarn when " + String(repeating: "-", count: 100_000) + "n > 1").diagnostics
        #expect(minus.contains { $0.code == .tooDeep })
        let lists = RuleSet.load(source: "warn when " + String(repeating: "[", count: 100_000)).diagnostics
        #expect(lists.contains { $0.code == .tooDeep })
    }

    @Test func longChainsOfDefinesAreBounded() throws {
        func chain(_ n: Int) -> String {
            var text = "deal { a: number }\ndefine d0 = a > 1\n"
            for i in 1...n { text += "define d\(i) = d\(i - 1)\n" }
            return text + "warn when d\(n)\n"
        }
        // A long chain that is allowed evaluates (deep recursion, within bounds)…
        let rules = try RuleSet.load(source: chain(300)).get()
        #expect(rules.decide(try rules.deal(json: #"{"a": 2}"#)).warnings.count == 1)
        // …and a longer one is refused at load, not left to overflow the stack.
        let d = RuleSet.load(source: chain(2000)).diagnostics
        #expect(d.contains { $0.code == .tooDeep && $0.message.contains("through the defines it uses") })
    }

    @Test func longTokensAndBigFiles() throws {
        var limits = Limits()
        limits.maxTokenBytes = 100
        let d = RuleSet.load(source: "deal { t: text }\nwarn when t is \"" + String(repeating: "x", count: 200) + "\"", limits: limits).diagnostics
        #expect(d.first?.code == .limitExceeded)
        #expect(d.first?.message.contains("the limit is 100") == true)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try String(repeating: "# padding\n", count: 2000).write(to: dir.appendingPathComponent("big.rules"), atomically: true, encoding: .utf8)
        limits.maxFileBytes = 10_000
        let big = RuleSet.load(paths: [dir.path], limits: limits).diagnostics
        #expect(big.first?.code == .limitExceeded)
        #expect(big.first?.help?.contains("--max-file-bytes") == true)
    }

    @Test func ruleCount() {
        var limits = Limits()
        limits.maxRules = 3
        let text = "deal { a: number }\n" + (0..<5).map { "warn when a > \($0)" }.joined(separator: "\n")
        let d = RuleSet.load(source: text, limits: limits).diagnostics
        #expect(d.contains { $0.code == .limitExceeded && $0.message == "the rule set has 5 rules; the limit is 3" })
    }

    @Test func dealSizesAndDepth() throws {
        var limits = Limits()
        limits.maxDealBytes = 100
        limits.maxListLength = 3
        limits.maxJSONDepth = 4
        let rules = try RuleSet.load(source: "deal { tags: list of text, items: list of thing }\nitem thing { n: number }\nwarn when tags contains \"a\"",
                                     limits: limits).get()
        func code(_ json: String) -> DiagnosticCode? {
            do {
                _ = try rules.deal(json: json)
                return nil
            } catch { return error.code }
        }
        #expect(code(#"{"tags": ["a", "b", "c"]}"#) == nil)
        #expect(code(#"{"tags": ["a", "b", "c", "d"]}"#) == .dealLimit)
        #expect(code(#"{"items": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}]}"#) == .dealLimit)
        #expect(code(#"{"id": [[[[1]]]]}"#) == .dealLimit)
        #expect(code("{\"tags\": [\"" + String(repeating: "x", count: 200) + "\"]}") == .dealLimit)
    }
}
