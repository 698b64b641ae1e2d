import Foundation
import Testing

@Suite struct CheckCommandTests {
    @Test func samplesCheckClean() throws {
        let r = try dealrules(["check", "samples/northwind"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("ok: 30 rules, 5 approvals, 1 catalog (14 entries), 33 scenarios in 8 files"))
        #expect(!r.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
    }

    @Test(arguments: ["unknown-field", "type-mismatch", "syntax-recovery", "include-cycle", "catalog-cells", "warnings"])
    func badSamplesPrintTheirGoldenFile(name: String) throws {
        let dir = "samples/bad/"
        let target = FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent(dir + name + ".rules").path)
            ? dir + name + ".rules" : dir + name
        let r = try dealrules(["check", target])
        let expected = try String(contentsOf: packageRoot.appendingPathComponent(dir + name + ".expected"), encoding: .utf8)
        #expect(r.stdout == expected)
        #expect(r.status == (name == "warnings" ? 0 : 1))
    }

    /// `--analyze` prints the analysis's findings (the sample's golden file); they are warnings,
    /// so the exit is 0 unless `--strict`; in JSON each has `rules` and `witness`.
    @Test func analyzePrintsFindingsWithDeals() throws {
        let r = try dealrules(["check", "samples/analysis", "--analyze"])
        let expected = try String(contentsOf: packageRoot.appendingPathComponent("samples/analysis/analysis.expected"), encoding: .utf8)
        #expect(r.stdout == expected)
        #expect(r.status == 0)
        #expect(try dealrules(["check", "samples/analysis", "--analyze", "--strict"]).status == 1)
        #expect(try dealrules(["check", "samples/analysis", "--strict"]).status == 0, "without --analyze the sample has no warning")
        let j = try dealrules(["check", "samples/analysis", "--analyze", "--format", "json"])
        let entries = json(j.stdout) as? [[String: Any]] ?? []
        let overlap = entries.first { $0["code"] as? String == "analysis.overlap" }
        #expect(overlap?["rules"] as? [String] == ["finance_high", "finance_mid"])
        #expect((overlap?["witness"] as? [String: Any])?["discount"] as? String == "16%")
        #expect(entries.filter { ($0["code"] as? String)?.hasPrefix("analysis.") == true }.allSatisfy { $0["witness"] != nil && $0["rules"] != nil })
        let mixed = try dealrules(["check", "samples/analysis", "--analyze", "--dump-ast"])
        #expect(mixed.status == 2)
        #expect(mixed.stderr.contains("cannot be combined with --analyze"))
    }

    /// A rule set with errors is not analysed: the errors are what `check` says.
    @Test func brokenRulesAreNotAnalysed() throws {
        let r = try dealrules(["check", "samples/bad/unknown-field.rules", "--analyze"])
        #expect(r.status == 1)
        #expect(!r.stdout.contains("analysis."))
    }

    /// One stage of the pipeline at a time: the lexer's tokens, the parser's declarations.
    /// A rule file that exists but cannot be read (a folder where a file was named) is
    /// `load.unreadable`, with its path.
    @Test func anUnreadableFileIsSaidToBe() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("x.rules"), withIntermediateDirectories: true)
        try "include \"x.rules\"\n".write(to: dir.appendingPathComponent("main.rules"), atomically: true, encoding: .utf8)
        let r = try dealrules(["check", dir.appendingPathComponent("main.rules").path, "--format", "json"])
        #expect(r.status == 1)
        let codes = (json(r.stdout) as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(codes == ["load.unreadable"], "\(r.stdout)")
    }

    @Test func dumpsTokensAndTheTree() throws {
        let tokens = try dealrules(["check", "samples/northwind/pricing.rules", "--dump-tokens"])
        #expect(tokens.status == 0)
        #expect(tokens.stdout.hasPrefix("""
            samples/northwind/pricing.rules:3:1\trule\trule
            samples/northwind/pricing.rules:3:6\tname\tdeep_discount
            samples/northwind/pricing.rules:3:19\t:\t:
            samples/northwind/pricing.rules:4:3\trequire\trequire

            """))
        #expect(tokens.stdout.contains("\tpercent\t20%\n"))
        let tree = try dealrules(["check", "samples/northwind/pricing.rules", "--dump-ast"])
        #expect(tree.status == 0)
        #expect(tree.stdout.hasPrefix("samples/northwind/pricing.rules:3:1\trule deep_discount: require finance_approval when (> discount 20%) because (message \"Discounts above 20% eat the delivery margin\")\n"))
        let broken = try dealrules(["check", "samples/bad/syntax-recovery.rules", "--dump-ast"])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("error:"))
        let both = try dealrules(["check", "samples/northwind", "--dump-ast", "--dump-tokens"])
        #expect(both.status == 2)
    }

    @Test func jsonDiagnosticsForTools() throws {
        let r = try dealrules(["check", "samples/bad/unknown-field.rules", "--format", "json"])
        #expect(r.status == 1)
        let list = try #require(json(r.stdout) as? [[String: Any]])
        #expect(list.count == 3)
        let first = try #require(list.first)
        #expect(first["code"] as? String == "check.unknown-field")
        #expect(first["severity"] as? String == "error")
        #expect(first["file"] as? String == "unknown-field.rules")
        #expect(first["line"] as? Int == 12)
        #expect(first["column"] as? Int == 33)
        #expect(first["end_line"] as? Int == 12)
        #expect(first["end_column"] as? Int == 40)
        #expect(first["help"] as? String == "did you mean `discount`?")
    }

    @Test func missingPathsAreClearErrors() throws {
        let r = try dealrules(["check", "no/such/folder"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("error: `no/such/folder` does not exist"))
        let empty = try temporaryDirectory()
        let e = try dealrules(["check", empty.path])
        #expect(e.status == 1)
        #expect(e.stdout.contains("no `*.rules` file"))
    }

    @Test func usageErrorsExit2() throws {
        let r = try dealrules(["check"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("give at least one rule file or folder"))
        #expect(try dealrules(["check", "samples/northwind", "--format", "xml"]).status == 2)
        #expect(try dealrules(["frobnicate"]).status == 2)
    }

    @Test func versionHelpAndCompletion() throws {
        let v = try dealrules(["--version"])
        #expect(v.status == 0)
        // A plain build does not know its commit; scripts/package writes it in (Tests/package/).
        #expect(v.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.2.0 (commit unknown)")
        for command in ["check", "eval"] {
            let h = try dealrules([command, "--help"])
            #expect(h.status == 0)
            #expect(h.stdout.contains("EXAMPLES"), "\(command) --help shows examples")
        }
        let c = try dealrules(["--generate-completion-script", "bash"])
        #expect(c.status == 0)
        #expect(c.stdout.contains("complete"))
    }
}
