import Foundation
import Testing
import DealRulesTestSupport
@testable import DealRules

/// `diff --analyze` (docs/analysis.md, "What a rule change does"): a corpus of rule changes with
/// the regions they expect, and a property that the evaluator agrees with every region.
@Suite struct DiffAnalysisTests {
    static let corpus = packageRoot.appendingPathComponent("Tests/DealRulesTests/Fixtures/diff")

    static let cases: [String] = {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).sorted()
    }()

    static func load(_ name: String) throws -> (old: RuleSet, new: RuleSet, expected: Set<String>) {
        let declarations = try String(contentsOf: AnalysisTests.corpus.appendingPathComponent("declarations.txt"), encoding: .utf8)
        let dir = corpus.appendingPathComponent(name)
        let oldText = try String(contentsOf: dir.appendingPathComponent("old.rules"), encoding: .utf8)
        let newText = try String(contentsOf: dir.appendingPathComponent("new.rules"), encoding: .utf8)
        let expected = Set(newText.split(separator: "\n").filter { $0.hasPrefix("# expect: ") }.map { String($0.dropFirst(10)) })
        return (try RuleSet.load(source: declarations + oldText, name: "old.rules").get(),
                try RuleSet.load(source: declarations + newText, name: "new.rules").get(), expected)
    }

    static let today = Day.parse("2026-01-01")!

    @Test func theCorpusHasItsCases() {
        for name in ["widened-threshold", "new-unless", "choice-added", "rule-removed", "renamed", "outside"] {
            #expect(Self.cases.contains(name), "\(name)")
        }
    }

    /// Each change gives exactly the regions (or `same`, or the skipped rules) it expects.
    @Test(arguments: cases)
    func findsTheRegionsTheChangeExpects(name: String) throws {
        let (old, new, expected) = try Self.load(name)
        let regions = ChangeRegions(old: old, new: new, today: Self.today)
        var found = Set(regions.regions.map { "\($0.outcome.name) \($0.direction.rawValue) \($0.text)" })
        found.formUnion(regions.skipped.map { "skipped \($0.rule) \($0.side)" })
        if regions.same { found.insert("same") }
        #expect(found == expected, "\(regions.text(withDeals: false))")
        #expect(regions.notes == [])
    }

    /// Deals in and out of every region, decided under OLD and NEW: a deal with at most one item
    /// lies in a region exactly when its outcome changes that way; any deal whose outcome
    /// changes lies in a region; and the counts of past deals agree with the replay.
    @Test(arguments: cases)
    func theEvaluatorAgreesWithEveryRegion(name: String) throws {
        let (old, new, _) = try Self.load(name)
        var regions = ChangeRegions(old: old, new: new, today: Self.today)
        guard regions.skipped.isEmpty else { return }
        var generator = AnalysisRefutationTests.Generator(random: SeededRandom(seed: 2026_12_06 &+ UInt64(name.utf8.count)))
        var deals = (0..<2_000).map { _ in generator.deal(AnalysisRefutationTests.fields) }
        deals += regions.regions.map { r in
            guard case .object(let o) = try! DealValue.parse(json: Array(r.witness.utf8)) else { return [:] }
            return o
        }
        var disagreements: [String] = []
        for values in deals {
            var w = JSONWriter()
            DealValue.object(values).writeJSON(&w)
            let line = Array(w.string.utf8)
            regions.count(line: line)
            let before = old.decide(try old.deal(json: line), today: Self.today)
            let after = new.decide(try new.deal(json: line), today: Self.today)
            let deal = try new.deal(json: line)
            let oneItem = deal.items.allSatisfy { $0.count <= 1 }
            for outcome in [ChangeRegions.Outcome.approval("finance"), .approval("cto"), .approval("delivery"), .approval("legal"), .deny] {
                let b = ChangeRegions.has(outcome, before), a = ChangeRegions.has(outcome, after)
                let lying = regions.regions.filter { $0.outcome == outcome && regions.lies(deal, in: $0) }
                if a != b, !lying.contains(where: { $0.direction.isGain == a }) {
                    disagreements.append("\(w.string): \(outcome.name) \(a ? "gained" : "lost") outside every region")
                }
                if oneItem, a == b, let r = lying.first {
                    disagreements.append("\(w.string): in the region `\(r.outcome.name) \(r.direction.rawValue) \(r.text)` but unchanged")
                }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count): \(disagreements.prefix(3).joined(separator: "\n"))")
        #expect(regions.outside.isEmpty, "\(regions.outside)")
        #expect(regions.pastDeals == deals.count)
        for r in regions.regions { #expect(r.changedDeals >= 1, "the witness at least: \(r.text)") }
    }
}
