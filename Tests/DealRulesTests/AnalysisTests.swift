import Foundation
import Testing
@testable import DealRules

/// The rule-set analysis (docs/analysis.md): a corpus of small rule sets that say what they
/// expect, every witness decided, and the sample that shows every code.
@Suite struct AnalysisTests {
    static let corpus = packageRoot.appendingPathComponent("Tests/DealRulesTests/Fixtures/analysis")

    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
        return names.filter { $0.hasSuffix(".rules") }.map { String($0.dropLast(6)) }.sorted()
    }()

    /// A finding as a case's comments name it: `analysis.redundant r1 r_base`, or for an unused
    /// field `analysis.unused FIELD`.
    static func identity(_ d: Diagnostic) -> String {
        let names = d.finding?.rules ?? []
        guard names.isEmpty else { return ([d.code.rawValue] + names).joined(separator: " ") }
        let quoted = d.message.split(separator: "`", omittingEmptySubsequences: false)
        return d.code.rawValue + " " + (quoted.count > 1 ? String(quoted[1]) : "")
    }

    /// Whether a decision shows the finding its witness was made for: the rules it names fire
    /// (for a gap: none of them); for a redundant rule, every approval it requires is also
    /// required by another rule (or, for a `deny`, another rule denies); for a conflict, a
    /// `deny` fires beside it.
    static func shows(_ d: Diagnostic, _ decision: Decision, _ rules: RuleSet) -> Bool {
        guard let names = d.finding?.rules, let first = names.first else { return false }
        let fired = Set(decision.outcomes.map(\.rule))
        let others = decision.outcomes.filter { $0.rule != first }
        switch d.code {
        case .tierGap:
            return names.allSatisfy { !fired.contains($0) }
        case .redundantRule:
            guard fired.contains(first), let rule = rules.rules.first(where: { $0.name == first }) else { return false }
            if rule.outcome == .deny { return others.contains { $0.kind == .deny } }
            return rule.approvals.allSatisfy { a in others.contains { $0.approval == rules.approvals[a].name } }
        case .conflictingRule:
            return fired.contains(first) && others.contains { $0.kind == .deny }
        default:
            return names.allSatisfy(fired.contains)
        }
    }

    @Test func theCorpusHasThreeCasesOfEveryCode() throws {
        var counts: [String: Int] = [:]
        for name in Self.cases {
            let text = try String(contentsOf: Self.corpus.appendingPathComponent(name + ".rules"), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("# expect: ") {
                counts[String(line.dropFirst(10).split(separator: " ")[0]), default: 0] += 1
            }
        }
        for code in DiagnosticCode.allCases where code.rawValue.hasPrefix("analysis.") {
            let wanted = code == .unusedField ? 2 : 3
            #expect(counts[code.rawValue, default: 0] >= wanted, "\(code.rawValue): \(counts[code.rawValue, default: 0]) cases")
        }
    }

    /// Each case's findings are exactly those its `# expect:` comments list (unused fields are
    /// compared only in cases that expect some: the shared declarations hold fields a case does
    /// not read), and every witness showed its finding when decided.
    @Test(arguments: cases)
    func findsExactlyWhatTheCaseExpects(name: String) throws {
        let declarations = try String(contentsOf: Self.corpus.appendingPathComponent("declarations.txt"), encoding: .utf8)
        let text = try String(contentsOf: Self.corpus.appendingPathComponent(name + ".rules"), encoding: .utf8)
        let rules = try load(declarations + text, name: name + ".rules")
        let expected = Set(text.split(separator: "\n").filter { $0.hasPrefix("# expect: ") }.map { String($0.dropFirst(10)) })
        let report = rules.analysis()
        let checksUnused = expected.contains { $0.hasPrefix("analysis.unused") }
        let found = Set(report.diagnostics.filter { checksUnused || $0.code != .unusedField }.map(Self.identity))
        #expect(found.subtracting(expected).sorted() == [], "reported but not expected")
        #expect(expected.subtracting(found).sorted() == [], "expected but not reported")
        #expect(report.unconfirmed == [])
    }

    /// A witness is a deal the evaluator decides as the finding says; a finding without one
    /// lists its evidence.
    @Test func everyFindingHasAWitnessOrEvidence() throws {
        let rules = try RuleSet.load(paths: [path("samples/analysis")]).get()
        let findings = rules.analyze().filter { $0.severity == .warning && $0.code != .unusedField }
        #expect(findings.count >= 8)
        for d in findings {
            let f = try #require(d.finding)
            if let w = f.witness {
                #expect(Self.shows(d, try rules.decide(json: Array(w.utf8)), rules), "\(d.message): \(w)")
            } else {
                #expect(!f.evidence.isEmpty, "\(d.message)")
                #expect(f.evidence.allSatisfy { $0.location != nil })
            }
        }
    }

    /// `samples/analysis` shows every code; its text output is the golden file beside it.
    @Test func theSampleShowsEveryCode() throws {
        let result = RuleSet.load(paths: [path("samples/analysis")])
        let rules = try result.get()
        let findings = rules.analyze()
        let codes = Set(findings.map(\.code))
        for code in DiagnosticCode.allCases where code.rawValue.hasPrefix("analysis.") {
            #expect(codes.contains(code), "samples/analysis does not show \(code.rawValue)")
        }
        let all = result.adding(findings)
        golden("samples/analysis/analysis.expected", DiagnosticRenderer().render(all.diagnostics) + all.summary + "\n")
    }

    /// Evidence points at the comparison as written, not only at its rule.
    @Test func evidencePointsAtTheComparisons() throws {
        let rules = try load(northwindDeclarations + """
            define deep = discount > 40%
            rule r: warn when deep and
              discount < 10%
            """)
        let d = try #require(rules.analyze().first { $0.code == .neverFires })
        let places = d.finding?.evidence.map { "\($0.message) \($0.location?.description ?? "")" }
        #expect(places == ["discount > 40% test.rules:35:15", "discount < 10% test.rules:37:3"])
    }

    /// A rule the analysis cannot read gets one note, and a finding `check` already makes is
    /// not made twice.
    @Test func skipsWhatItCannotReadAndRepeatsNothing() throws {
        let rules = try load(northwindDeclarations + """
            rule seat_sum: warn when sum of services.seats > 10 and sum of services.seats < 5
            rule constant: warn when 1 > 2
            """)
        let found = rules.analyze().filter { $0.code != .unusedField }
        #expect(found.map(\.code) == [.notAnalysed])
        #expect(found.first?.severity == .note)
        #expect(rules.warnings.filter { $0.code != .unusedApproval }.map(\.code) == [.constantCondition])
    }

    /// Past the bound on cases, a rule is skipped with a note that says why.
    @Test func aConditionWithTooManyCasesIsSkipped() throws {
        let ors = (1...7).map { "(discount > \($0)% or total > $\($0))" }.joined(separator: " and ")
        let rules = try load(northwindDeclarations + "rule wide: warn when \(ors)\n")
        let note = try #require(rules.analyze().first { $0.code == .notAnalysed })
        #expect(note.message.contains("more than \(ConditionReader.maxBoxes) cases"))
    }

    /// Findings in JSON: `rules`, `witness` (a deal, or null) and, with no witness, `evidence`.
    @Test func findingsInJSON() throws {
        let rules = try RuleSet.load(paths: [path("samples/analysis")]).get()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(rules.analyze().json().utf8)) as? [[String: Any]])
        let redundant = try #require(json.first { $0["code"] as? String == "analysis.redundant" })
        #expect(redundant["rules"] as? [String] == ["cto_deeper", "cto_deep"])
        #expect((redundant["witness"] as? [String: Any])?["discount"] as? String == "46%")
        let never = try #require(json.first { $0["code"] as? String == "analysis.never-fires" })
        #expect(never["witness"] is NSNull)
        #expect((never["evidence"] as? [[String: Any]])?.count == 2)
    }
}

/// A tripwire. `Diagnostic` is thrown (inside `ServiceError`) through the service's generic,
/// typed-throws async code; when the analysis's finding was stored inline (a diagnostic then held a whole `Finding`), that
/// code overran its task frame in Swift 6.3 (AddressSanitizer: heap-buffer-overflow in
/// `HTTPService.batch`; the service aborted with "malloc(): invalid size"). The finding is kept
/// out of line since. Growing `Diagnostic` needs the service tests run from a clean build.
@Suite struct DiagnosticSizeTests {
    @Test func aDiagnosticStaysAsSmallAsTheServiceWasTestedWith() {
        #expect(MemoryLayout<Diagnostic>.size <= 72, "\(MemoryLayout<Diagnostic>.size) bytes")
    }
}
