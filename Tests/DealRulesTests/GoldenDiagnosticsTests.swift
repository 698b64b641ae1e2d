import Foundation
import Testing
@testable import DealRules

/// Every `samples/bad/NAME.rules` (or folder `NAME/`) renders exactly `samples/bad/NAME.expected`:
/// the diagnostics as `dealrules check` prints them, then its summary line.
@Suite struct GoldenDiagnosticsTests {
    static let cases: [String] = {
        let dir = packageRoot.appendingPathComponent("samples/bad")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { name in
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path, isDirectory: &isDir)
            return name.hasSuffix(".rules") || isDir.boolValue
        }.map { $0.hasSuffix(".rules") ? String($0.dropLast(6)) : $0 }.sorted()
    }()

    @Test func thereAreCases() {
        #expect(Self.cases.count >= 15)
    }

    @Test(arguments: cases)
    func rendersExactly(name: String) {
        let dir = packageRoot.appendingPathComponent("samples/bad")
        let target = FileManager.default.fileExists(atPath: dir.appendingPathComponent(name + ".rules").path)
            ? dir.appendingPathComponent(name + ".rules").path : dir.appendingPathComponent(name).path
        let result = RuleSet.load(paths: [target])
        #expect(!result.diagnostics.isEmpty)
        let text = DiagnosticRenderer().render(result.diagnostics) + result.summary + "\n"
        golden("samples/bad/\(name).expected", text)
    }

    @Test func everySampleChecksClean() {
        let result = RuleSet.load(paths: [path("samples/northwind")])
        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer().render(result.diagnostics))")
        #expect((result.ruleSet?.rules.count ?? 0) >= 20)
    }
}
