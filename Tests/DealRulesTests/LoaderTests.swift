import Foundation
import Testing
@testable import DealRules

/// Loading from disk as docs/language.md ("Files") says: a folder means every `*.rules` below
/// it, recursively, in bytewise order of the paths, skipping files and folders whose name starts
/// with `.`; an `include` or a catalog spreadsheet may not leave the root, even through a
/// symbolic link.
@Suite struct LoaderTests {
    /// A file is read whole: one larger than a read's 64 KiB, an empty one, and one that tells
    /// no size (`/proc`); over the limit it is too large, whatever size it tells.
    @Test func filesAreReadWhole() throws {
        let dir = try Self.folder(["big.rules": String(repeating: "# a comment line of forty bytes or so\n", count: 4_000),
                                   "empty.rules": ""])
        defer { try? FileManager.default.removeItem(at: dir) }
        let big = dir.appendingPathComponent("big.rules").path
        guard case .success(let bytes) = FileSystem.read(big, maxBytes: 1 << 20) else { Issue.record("not read"); return }
        #expect(bytes == Array(try Data(contentsOf: URL(fileURLWithPath: big))))
        #expect(bytes.count > 100_000)
        guard case .success(let empty) = FileSystem.read(dir.appendingPathComponent("empty.rules").path, maxBytes: 10) else {
            Issue.record("not read")
            return
        }
        #expect(empty.isEmpty)
        guard case .success(let status) = FileSystem.read("/proc/self/status", maxBytes: 1 << 20) else {
            Issue.record("not read")
            return
        }
        #expect(String(decoding: status, as: UTF8.self).contains("Name:"))
        guard case .failure(.tooLarge) = FileSystem.read(big, maxBytes: 1_000) else { Issue.record("not too large"); return }
        guard case .failure(.tooLarge) = FileSystem.read("/proc/self/status", maxBytes: 10) else { Issue.record("not too large"); return }
    }

    static func folder(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dealrules-loader-\(UUID().uuidString)")
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test func aFolderIsEveryRulesFileBelowItInBytewiseOrderSkippingDotNames() throws {
        let broken = "this is not a rule file (\n"
        let dir = try Self.folder([
            "b.rules": "rule in_b: warn when discount > 2%\n",
            "a.rules": "deal { discount: percent }\nrule in_a: warn when discount > 1%\n",
            "Z.rules": "rule in_Z: warn when discount > 3%\n",
            "é.rules": "rule in_e: warn when discount > 4%\n",
            "sub/c.rules": "rule in_sub: warn when discount > 5%\n",
            "sub/deeper/d.rules": "rule in_deeper: warn when discount > 6%\n",
            ".hidden.rules": broken,
            ".git/x.rules": broken,
            "sub/.cache/y.rules": broken,
            "notes.txt": broken,
            "rules.rules.bak": broken,
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = RuleSet.load(paths: [dir.path])
        let rules = try #require(result.ruleSet, "\(DiagnosticRenderer().render(result.diagnostics))")
        // Bytewise: `Z` (0x5A) before `a`, `sub/` before `é` (0xC3).
        #expect(rules.files.map(\.path) == ["Z.rules", "a.rules", "b.rules", "sub/c.rules", "sub/deeper/d.rules", "é.rules"])
        #expect(rules.rules.map(\.name) == ["in_Z", "in_a", "in_b", "in_sub", "in_deeper", "in_e"])
    }

    /// A file open in an editor and not saved yet (an override with no file on disk) is loaded,
    /// named on its own or by an include, as if it were saved.
    @Test func anUnsavedFileInTheEditorIsLoadedNamedOrIncluded() throws {
        let dir = try Self.folder(["main.rules": "include \"shared/new.rules\"\ndeal { discount: percent }\n"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let main = dir.appendingPathComponent("main.rules").path
        let new = dir.appendingPathComponent("shared/new.rules").path
        let rule = "rule fresh: warn when discount > 5%\n"
        let included = RuleSet.loadForEditor(paths: [main], overrides: [new: rule])
        #expect(included.diagnostics.filter { $0.severity == .error }.isEmpty, "\(included.diagnostics.map(\.message))")
        #expect(included.ruleSet()?.rules.map(\.name) == ["fresh"])
        let alone = dir.appendingPathComponent("unsaved.rules").path
        let named = RuleSet.loadForEditor(paths: [alone], overrides: [alone: "deal { discount: percent }\n" + rule])
        #expect(named.diagnostics.filter { $0.severity == .error }.isEmpty, "\(named.diagnostics.map(\.message))")
        #expect(named.ruleSet()?.rules.map(\.name) == ["fresh"])
        // Without the override, both are missing files, as before.
        #expect(RuleSet.loadForEditor(paths: [main], overrides: [:]).diagnostics.contains { $0.code == .fileNotFound })
        #expect(RuleSet.loadForEditor(paths: [alone], overrides: [:]).diagnostics.contains { $0.code == .fileNotFound })
    }

    @Test func aFolderWithNoRulesFileSaysSo() throws {
        let dir = try Self.folder([".only-hidden.rules": "deal { a: number }\n", "readme.txt": "x"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = RuleSet.load(paths: [dir.path])
        #expect(result.ruleSet == nil)
        #expect(result.diagnostics.map(\.code) == [.noRuleFiles])
    }

    /// A symbolic link inside the root that points outside it is outside the root.
    @Test func anIncludeOrACatalogThroughASymbolicLinkOutOfTheRootIsRefused() throws {
        let outside = try Self.folder([
            "shared.rules": "deal { discount: percent }\n",
            "catalog.csv": "name,seats\nSIEM,10\n",
        ])
        defer { try? FileManager.default.removeItem(at: outside) }
        let root = try Self.folder([
            "main.rules": "include \"linked.rules\"\nrule r: warn when discount > 1%\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("linked.rules"),
                                                   withDestinationURL: outside.appendingPathComponent("shared.rules"))
        let viaInclude = RuleSet.load(paths: [root.appendingPathComponent("main.rules").path])
        #expect(viaInclude.ruleSet == nil)
        #expect(viaInclude.diagnostics.map(\.code).contains(.pathOutsideRoot), "\(viaInclude.diagnostics.map(\.message))")

        try """
            deal { services: list of service }
            item service { seats: number }
            catalog service from "linked.csv"
            rule r: warn when service.seats > 1
            """.write(to: root.appendingPathComponent("main.rules"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("linked.csv"),
                                                   withDestinationURL: outside.appendingPathComponent("catalog.csv"))
        let viaCatalog = RuleSet.load(paths: [root.appendingPathComponent("main.rules").path])
        #expect(viaCatalog.ruleSet == nil)
        #expect(viaCatalog.diagnostics.map(\.code).contains(.pathOutsideRoot), "\(viaCatalog.diagnostics.map(\.message))")

        // The same files, linked from inside the root to inside it, load.
        try FileManager.default.removeItem(at: root.appendingPathComponent("linked.csv"))
        try "name,seats\nSIEM,10\n".write(to: root.appendingPathComponent("real.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("linked.csv"),
                                                   withDestinationURL: root.appendingPathComponent("real.csv"))
        #expect(RuleSet.load(paths: [root.appendingPathComponent("main.rules").path]).ruleSet != nil)
    }
}
