import Foundation
import Testing
import DealRulesTestSupport
@testable import DealRules

/// Every input that once crashed (or could crash) a fuzz target, replayed through the same
/// harness the fuzzer calls. Passing means: it runs to the end.
@Suite struct FuzzRegressionTests {
    static let root = packageRoot.appendingPathComponent("Tests/DealRulesTests/Fixtures/fuzz")

    static let cases: [String] = ["FuzzLoad", "FuzzDecide", "FuzzREPL", "FuzzDeal", "FuzzLSP", "FuzzService"].flatMap { target in
        ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(target).path)) ?? []).sorted().map { "\(target)/\($0)" }
    }

    @Test func everyTargetHasCases() {
        for target in ["FuzzLoad", "FuzzDecide", "FuzzREPL", "FuzzDeal", "FuzzLSP", "FuzzService"] {
            #expect(Self.cases.contains { $0.hasPrefix(target + "/") }, "\(target)")
        }
    }

    @Test(arguments: cases)
    func replays(_ name: String) throws {
        let bytes = try Array(Data(contentsOf: Self.root.appendingPathComponent(name)))
        let rules = try RuleSet.load(paths: [path("samples/northwind")]).get()
        bytes.withUnsafeBufferPointer { input in
            switch name.split(separator: "/")[0] {
            case "FuzzLoad": FuzzHarness.load(input)
            case "FuzzDecide": FuzzHarness.decide(input)
            case "FuzzREPL": FuzzHarness.repl(input, rules: rules)
            case "FuzzLSP": FuzzHarness.languageServer(input)
            case "FuzzService": FuzzHarness.service(input)
            default: FuzzHarness.deal(input, rules: rules)
            }
        }
    }
}
