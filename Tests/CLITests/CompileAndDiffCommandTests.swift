import Foundation
import Testing

/// `dealrules compile` and `dealrules diff`, end to end through the built binary.
@Suite struct CompileAndDiffCommandTests {
    /// A Python that has `jsonschema` (scripts/setup installs it when none has).
    static let schemaPython: String? = ["python3", "/usr/bin/python3"].first { p in
        (try? run(p, ["-c", "import jsonschema"]).status) == 0
    }

    /// Checks the schema, then validates the JSON file against it (draft 2020-12); prints `valid`.
    static func validate(_ file: String, against schema: String, python: String) throws -> Run {
        try run(python, ["-c", """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            jsonschema.validate(json.load(open(sys.argv[2])), schema, cls=jsonschema.Draft202012Validator)
            print("valid")
            """, schema, file])
    }

    @Test(arguments: ["samples/northwind", "Tests/DealRulesTests/Fixtures/compile/every-node.rules"])
    func theExportedDocumentValidatesAgainstTheSchema(rules: String) throws {
        let r = try dealrules(["compile", rules, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let python = try #require(Self.schemaPython, "no python3 with jsonschema; run scripts/setup (it installs python3-jsonschema)")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let doc = dir.appendingPathComponent("rules.json")
        try r.stdout.write(to: doc, atomically: true, encoding: .utf8)
        let check = try Self.validate(doc.path, against: "grammar/dealrules-rule-set.schema.json", python: python)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout == "valid\n")
    }

    /// Every advice form the tests record (`Tests/DealRulesTests/Fixtures/advice/`) fits the
    /// advice schema, and a form that breaks it does not.
    @Test func theAdviceFormsValidateAgainstTheirSchema() throws {
        let python = try #require(Self.schemaPython, "no python3 with jsonschema; run scripts/setup (it installs python3-jsonschema)")
        let check = try run(python, ["-c", """
            import glob, json, sys, jsonschema
            schema = json.load(open("grammar/dealrules-advice.schema.json"))
            jsonschema.Draft202012Validator.check_schema(schema)
            files = sorted(glob.glob("Tests/DealRulesTests/Fixtures/advice/*.json"))
            for f in files:
                jsonschema.validate(json.load(open(f)), schema, cls=jsonschema.Draft202012Validator)
            broken = json.load(open("Tests/DealRulesTests/Fixtures/advice/avoid-finance.json"))
            broken["suggestions"][0]["changes"][0]["edit"]["op"] = "rename"
            try:
                jsonschema.validate(broken, schema, cls=jsonschema.Draft202012Validator)
                print("the broken form validated")
            except jsonschema.ValidationError:
                print("valid", len(files))
            """])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout == "valid 8\n")
    }

    @Test func theSchemaRejectsADocumentThatBreaksIt() throws {
        let python = try #require(Self.schemaPython, "no python3 with jsonschema; run scripts/setup")
        let r = try dealrules(["compile", "samples/northwind"])
        #expect(r.status == 0)
        // A rule whose condition lost its type must not validate: the schema is not a formality.
        var doc = try #require(json(r.stdout) as? [String: Any])
        var rules = try #require(doc["rules"] as? [[String: Any]])
        var condition = try #require(rules[0]["condition"] as? [String: Any])
        condition.removeValue(forKey: "type")
        rules[0]["condition"] = condition
        doc["rules"] = rules
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("broken.json")
        try JSONSerialization.data(withJSONObject: doc).write(to: file)
        let check = try run(python, ["-c", "import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))",
                                     "grammar/dealrules-rule-set.schema.json", file.path])
        #expect(check.status != 0)
        #expect(check.stderr.contains("'type' is a required property"))
    }

    @Test func compileListsApprovalsAndRulesForPeopleAndFailsOnBadRules() throws {
        let text = try dealrules(["compile", "samples/northwind", "--format", "text"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("deep_discount: require finance_approval when discount > 20%"))
        let bad = try dealrules(["compile", "samples/bad/type-mismatch.rules"])
        #expect(bad.status == 1)
        #expect(bad.stdout.isEmpty)
        #expect(bad.stderr.contains("error:"))
    }

    // MARK: diff

    /// Two copies of the samples; `edit` changes the new one.
    func versions(_ edit: (URL) throws -> Void) throws -> URL {
        let dir = try temporaryDirectory()
        for side in ["old", "new"] {
            try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("samples/northwind"),
                                             to: dir.appendingPathComponent(side))
        }
        try edit(dir.appendingPathComponent("new"))
        let deals = try String(contentsOf: packageRoot.appendingPathComponent("samples/deals/stream.jsonl"), encoding: .utf8)
        // The samples' stream without its bad line (S-3).
        try deals.split(separator: "\n").filter { !$0.contains("\"S-3\"") }.joined(separator: "\n")
            .write(to: dir.appendingPathComponent("deals.jsonl"), atomically: true, encoding: .utf8)
        try deals.write(to: dir.appendingPathComponent("with-bad.jsonl"), atomically: true, encoding: .utf8)
        return dir
    }

    func loosenDeepDiscount(_ new: URL) throws {
        let file = new.appendingPathComponent("pricing.rules")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "require finance_approval when discount > 20%", with: "require finance_approval when discount > 40%")
            .write(to: file, atomically: true, encoding: .utf8)
    }

    @Test func diffReportsWhichDealsChangeAndWhatTheyGainAndLose() throws {
        let dir = try versions(loosenDeepDiscount)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try dealrules(["diff", "old", "new", "--deals", "deals.jsonl", "--format", "json"], directory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(json(r.stdout) as? [String: Any])
        #expect(report["deals"] as? Int == 3)
        #expect(report["unreadable"] as? Int == 0)
        let changes = try #require(report["changes"] as? [[String: Any]])
        let s2 = try #require(changes.first { $0["id"] as? String == "S-2" })
        let lost = try #require(s2["lost"] as? [[String: Any]])
        #expect(lost.map { $0["rule"] as? String } == ["deep_discount"])
        #expect(lost.first?["approval"] as? String == "finance_approval")
        #expect((s2["gained"] as? [Any])?.isEmpty == true)
        #expect(changes.allSatisfy { $0["id"] as? String != "S-1" })

        let text = try dealrules(["diff", "old", "new", "--deals", "deals.jsonl"], directory: dir)
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("3 deals decided under old and new:\n"))
        #expect(text.stdout.contains("S-2  "))
        #expect(text.stdout.contains("  - require finance_approval  (rule deep_discount, pricing.rules:4:3): Discounts above 20% eat the delivery margin"))
        #expect(!text.stdout.contains("\u{1B}["))
    }

    @Test func identicalRulesChangeNothingAndFailOnChangeExitsThreeOnlyWhenSomethingChanges() throws {
        let dir = try versions { _ in }
        defer { try? FileManager.default.removeItem(at: dir) }
        let same = try dealrules(["diff", "old", "new", "--deals", "deals.jsonl", "--fail-on-change"], directory: dir)
        #expect(same.status == 0, "\(same.stderr)")
        #expect(same.stdout.contains("  0 change decision\n"))
        #expect(same.stdout.contains("  3 unchanged\n"))
        try loosenDeepDiscount(dir.appendingPathComponent("new"))
        let changed = try dealrules(["diff", "old", "new", "--deals", "deals.jsonl", "--fail-on-change"], directory: dir)
        #expect(changed.status == 3)
    }

    @Test func aLineNeitherSideCanReadIsReportedAndExitsOne() throws {
        let dir = try versions(loosenDeepDiscount)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try dealrules(["diff", "old", "new", "--deals", "with-bad.jsonl", "--format", "json"], directory: dir)
        #expect(r.status == 1)
        let report = try #require(json(r.stdout) as? [String: Any])
        let bad = try #require((report["unreadable_lines"] as? [[String: Any]])?.first)
        #expect(bad["id"] as? String == "S-3")
        #expect((bad["error"] as? [String: Any])?["code"] as? String == "deal.unknown-choice")
        #expect(r.stderr.contains("1 line of 4 could not be read under either rule set"))
    }

    @Test func diffComparesAGitRevisionWithTheWorkingTree() throws {
        let dir = try versions { _ in }
        defer { try? FileManager.default.removeItem(at: dir) }
        let rules = dir.appendingPathComponent("rules")
        try FileManager.default.moveItem(at: dir.appendingPathComponent("old"), to: rules)
        for args in [["init", "-q"], ["add", "rules"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "rules"]] {
            let g = try run("git", args, directory: dir)
            #expect(g.status == 0, "\(g.stderr)")
        }
        try loosenDeepDiscount(rules)
        for old in ["HEAD:rules", "HEAD:rules/", "HEAD:./rules"] {
            let r = try dealrules(["diff", old, "rules", "--deals", "deals.jsonl", "--format", "json"], directory: dir)
            #expect(r.status == 0, "\(old): \(r.stderr)")
            let report = try #require(json(r.stdout) as? [String: Any])
            let changes = try #require(report["changes"] as? [[String: Any]])
            #expect(changes.contains { $0["id"] as? String == "S-2" }, "\(old)")
        }
        // One file at a revision brings its folder along (its includes and catalog).
        let file = try dealrules(["diff", "HEAD:rules/pricing.rules", "rules/pricing.rules", "--deals", "deals.jsonl"], directory: dir)
        #expect(file.status == 1)
        #expect(file.stderr.contains("OLD rules (`HEAD:rules/pricing.rules`) have"))

        let wrong = try dealrules(["diff", "NOPE:rules", "rules", "--deals", "deals.jsonl"], directory: dir)
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("error: OLD `NOPE:rules` is neither a file or folder here nor a git revision and path"))
        #expect(wrong.stderr.contains("help: give a path, or REV:PATH"))
        // The folders a revision was extracted to are gone afterwards.
        let left = try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("dealrules-old-") }
        #expect(left.isEmpty, "left behind: \(left)")
    }

    // MARK: diff --analyze

    /// The regions of a loosened threshold: the deals that lose Finance, a deal that shows it,
    /// and how many past deals are in it; the JSON fits `grammar/dealrules-diff.schema.json`.
    @Test func analyzeGivesTheRegionAWitnessAndThePastDealsInIt() throws {
        let dir = try versions(loosenDeepDiscount)
        defer { try? FileManager.default.removeItem(at: dir) }
        let alone = try dealrules(["diff", "old", "new", "--analyze"], directory: dir)
        #expect(alone.status == 0, "\(alone.stderr)")
        #expect(alone.stdout == """
            What the change does, read from the rules:
              changed: deep_discount

              `finance_approval` (Finance) loses where discount > 20% and discount <= 35%
                e.g. {"discount":"21%"}


            """)
        #expect(try dealrules(["diff", "old", "new", "--analyze", "--fail-on-change"], directory: dir).status == 3)
        let both = try dealrules(["diff", "old", "new", "--deals", "deals.jsonl", "--analyze"], directory: dir)
        #expect(both.stdout.contains("3 deals decided under old and new:\n"))
        #expect(both.stdout.contains("    1 past deal in it, 1 changed so\n"), "\(both.stdout)")
        let python = try #require(Self.schemaPython, "no python3 with jsonschema; run scripts/setup")
        for args in [["--analyze"], ["--deals", "deals.jsonl", "--analyze"], ["--deals", "deals.jsonl"]] {
            let r = try dealrules(["diff", "old", "new", "--format", "json"] + args, directory: dir)
            #expect(r.status == 0)
            let file = dir.appendingPathComponent("report.json")
            try r.stdout.write(to: file, atomically: true, encoding: .utf8)
            let check = try Self.validate(file.path, against: packageRoot.appendingPathComponent("grammar/dealrules-diff.schema.json").path,
                                          python: python)
            #expect(check.stdout == "valid\n", "\(args): \(check.stderr)")
        }
        let j = try dealrules(["diff", "old", "new", "--format", "json", "--deals", "deals.jsonl", "--analyze"], directory: dir)
        let analysis = try #require((json(j.stdout) as? [String: Any])?["analysis"] as? [String: Any])
        let region = try #require((analysis["regions"] as? [[String: Any]])?.first)
        #expect(region["direction"] as? String == "loses")
        #expect(region["where"] as? String == "discount > 20% and discount <= 35%")
        #expect(region["past_deals"] as? Int == 1)
        #expect((analysis["outside_regions"] as? [String: Any])?.isEmpty == true)
    }

    /// A rule renamed with the same condition (its scenarios follow it) is no change; neither
    /// --deals nor --analyze is a usage error.
    @Test func aRenameIsTheSameAndDiffNeedsSomethingToCompare() throws {
        let dir = try versions { new in
            for file in ["pricing.rules", "scenarios/pricing.rules"] {
                let url = new.appendingPathComponent(file)
                let text = try String(contentsOf: url, encoding: .utf8)
                try text.replacingOccurrences(of: "deep_discount", with: "large_discount").write(to: url, atomically: true, encoding: .utf8)
            }
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try dealrules(["diff", "old", "new", "--analyze", "--fail-on-change"], directory: dir)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("no rule changed\n  OLD and NEW decide every deal the same.\n"), "\(r.stdout)")
        let none = try dealrules(["diff", "old", "new"], directory: dir)
        #expect(none.status == 2)
        #expect(none.stderr.contains("give the deals to replay (--deals FILE.jsonl), or --analyze"))
    }

    /// A change the analysis cannot read is named, and never called "the same".
    @Test func aChangeOutsideTheAnalysisIsNamed() throws {
        let dir = try versions { new in
            let url = new.appendingPathComponent("pricing.rules")
            let text = try String(contentsOf: url, encoding: .utf8)
            try text.replacingOccurrences(of: "list_price * 50%", with: "list_price * 40%").write(to: url, atomically: true, encoding: .utf8)
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try dealrules(["diff", "old", "new", "--analyze"], directory: dir)
        #expect(r.stdout.contains("not analysed: rule `price_floor` (NEW): it computes with arithmetic on facts"))
        #expect(!r.stdout.contains("the same"))
    }
}
