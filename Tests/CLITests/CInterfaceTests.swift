import Foundation
import Testing

/// The C interface (include/dealrules.h, libDealRulesC.so), driven from C and from Python.
/// scripts/test builds the library before the tests (`swift build --product DealRulesC`).
@Suite(.serialized) struct CInterfaceTests {
    static var libraryFolder: URL { binary.deletingLastPathComponent() }

    static func library() throws -> URL {
        let lib = libraryFolder.appendingPathComponent("libDealRulesC.so")
        try #require(FileManager.default.fileExists(atPath: lib.path),
                     "\(lib.path) is missing: build it with `swift build --product DealRulesC` (scripts/test does)")
        return lib
    }

    /// Compiles a C program against the header and the library.
    static func compile(_ source: String, _ output: URL, extra: [String] = []) throws {
        _ = try library()
        // scripts/tsan builds the library with ThreadSanitizer and says so here; the program is
        // then built by the toolchain's clang, whose sanitizer runtime the library was built for.
        let env = ProcessInfo.processInfo.environment
        let sanitizer = (env["DEALRULES_C_SANITIZE"].map { ["-fsanitize=" + $0] } ?? [])
            + (env["DEALRULES_C_LDFLAGS"]?.split(separator: " ").map(String.init) ?? [])
        let cc = sanitizer.isEmpty && (try? run("cc", ["--version"]).status) == 0 ? "cc" : "clang"
        let r = try run(cc, ["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-I", "include", source,
                             "-L", libraryFolder.path, "-lDealRulesC", "-Wl,-rpath," + libraryFolder.path, "-o", output.path]
                            + sanitizer + extra)
        try #require(r.status == 0, "\(cc) failed: \(r.stderr)")
    }

    /// A C program's environment: under scripts/asan, `DEALRULES_C_ASAN_OPTIONS` (leak
    /// checking on, which the test runner itself cannot have).
    static var cEnvironment: [String: String] {
        ProcessInfo.processInfo.environment["DEALRULES_C_ASAN_OPTIONS"].map { ["ASAN_OPTIONS": $0] } ?? [:]
    }

    /// Python's environment for the library at `lib`. Under scripts/asan the library is built
    /// with AddressSanitizer, whose runtime Python (not built with it) must load first:
    /// `DEALRULES_PY_PRELOAD` names it.
    static func python(_ lib: URL) -> [String: String] {
        var env = ["DEALRULES_LIB": lib.path]
        if let preload = ProcessInfo.processInfo.environment["DEALRULES_PY_PRELOAD"] {
            env["LD_PRELOAD"] = preload
            // Python's own allocations are not ours to judge.
            env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1"
        }
        return env
    }

    @Test(arguments: ["approved", "blocked", "incomplete", "needs-approval"])
    func theCSampleDecidesEachSampleDealAsEvalDoes(deal: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exe = dir.appendingPathComponent("decide")
        try Self.compile("samples/c/decide.c", exe)
        let file = "samples/deals/\(deal).json"
        let c = try run(exe, ["samples/northwind", file, "2026-12-01"], environment: Self.cEnvironment)
        #expect(c.status == 0, "\(c.stderr)")
        let cli = try dealrules(["eval", "samples/northwind", "--deal", file, "--format", "json", "--today", "2026-12-01"])
        #expect(cli.status == 0)
        let a = try #require(json(c.stdout) as? NSDictionary), b = try #require(json(cli.stdout) as? NSDictionary)
        #expect(a == b)
        #expect(a["decision"] as? String == deal.replacingOccurrences(of: "-", with: "_"))
    }

    @Test func manyThreadsDecidingWithOneHandleAgreeWithOneThread() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exe = dir.appendingPathComponent("threads")
        try Self.compile("Tests/CLITests/Fixtures/threads.c", exe, extra: ["-pthread"])
        let r = try run(exe, ["samples/northwind", "samples/deals/stream.jsonl", "2026-12-01", "4", "50"], environment: Self.cEnvironment)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "agree: 4 lines x 4 threads x 50 rounds\n")
    }

    @Test func thePythonSampleGivesTheSameLinesAsEvalDeals() throws {
        let lib = try Self.library()
        let args = ["samples/northwind", "--deals", "samples/deals/stream.jsonl", "--today", "2026-12-01"]
        let py = try run("python3", ["samples/python/dealrules.py"] + args, environment: Self.python(lib))
        let cli = try dealrules(["eval"] + args)
        #expect(py.stdout == cli.stdout)
        #expect(py.stdout.split(separator: "\n").count == 4)
        // The stream has one bad line: both exit 1.
        #expect(py.status == 1)
        #expect(cli.status == 1)
    }

    @Test func pythonSeesDiagnosticsBadDealsMisusesAndExplanations() throws {
        let lib = try Self.library()
        let script = """
            import sys
            sys.path.insert(0, "samples/python")
            import dealrules as dr
            print("version", dr.version())
            try:
                dr.RuleSet.from_string("deal {\\n  discount: percent\\n}\\nwarn when discont > 5%\\n", name="typo.rules")
            except dr.DealRulesError as e:
                d = [x for x in e.diagnostics if x["severity"] == "error"][0]
                print("load", d["code"], d["file"], d["line"], d["help"])
            rules = dr.RuleSet.from_string("deal {\\n  discount: percent\\n}\\nrule big:\\n  warn when discount > 5%\\n")
            print("decide", rules.decide({"discount": 7})["outcomes"][0]["rule"])
            print("explain", rules.decide({"discount": 7}, explain=True)["outcomes"][0]["values"])
            print("bad", rules.decide_json('{"discount": "seven"}')[0], rules.decide({"discount": "seven"})["error"]["code"])
            try:
                rules.decide({}, today="next tuesday")
            except dr.DealRulesError as e:
                print("misuse", e)
            bad, lines = rules.decide_batch('{"discount": 7}\\n\\n{"discount": true}\\r\\n')
            print("batch", bad, len(lines.splitlines()))
            """
        let r = try run("python3", ["-c", script], environment: Self.python(lib))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            version 0.2.0
            load check.unknown-field typo.rules 4 did you mean `discount`?
            decide big
            explain {'discount': '7%'}
            bad 1 deal.wrong-type
            misuse today `next tuesday` is not a date; write it as YYYY-MM-DD, or pass NULL for the local date
            batch 1 2

            """)
    }

    /// `dealrules_decide_batch` over more than one chunk of 64 lines (bad lines in the first, a
    /// middle and the last chunk, a chunk of only bad lines) answers as `eval --deals` does.
    @Test(arguments: [65, 1_000])
    func aBatchOfManyChunksAnswersAsTheStream(lines n: Int) throws {
        let lib = try Self.library()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("deals.jsonl")
        let lines = ThreadedStreamTests.stream(n).filter { $0 != ThreadedStreamTests.tooLong }
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let eval = try dealrules(["eval", "samples/northwind", "--deals", file.path, "--today", "2026-12-01"])
        let script = """
            import sys
            sys.path.insert(0, "samples/python")
            import dealrules as dr
            rules = dr.RuleSet.load(["samples/northwind"])
            bad, out = rules.decide_batch(open(sys.argv[1]).read(), today="2026-12-01")
            sys.stdout.write(out)
            sys.stderr.write(str(bad))
            """
        let r = try run("python3", ["-c", script, file.path], environment: Self.python(lib))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == eval.stdout)
        #expect(Int(r.stderr) == eval.stdout.split(separator: "\n").filter { $0.contains(#""error":"#) }.count)
    }

    /// Each piece of advice through the C interface is the library's JSON, byte for byte (the
    /// golden files of `AdviceTests`), and an avoid suggestion's edit, applied to the deal by a
    /// program, removes what it says.
    @Test func pythonGetsEachPieceOfAdviceAsTheLibraryWritesIt() throws {
        let lib = try Self.library()
        let script = """
            import json, sys
            sys.path.insert(0, "samples/python")
            import dealrules as dr
            rules = dr.RuleSet.load(["samples/northwind"])
            deal = json.load(open("samples/deals/needs-approval.json"))
            blocked = json.load(open("samples/deals/blocked.json"))
            fixtures = "Tests/DealRulesTests/Fixtures/advice/"
            def same(name, got):
                print(name, got == json.load(open(fixtures + name + ".json")))
            same("why-needs-approval", rules.why(deal, today="2026-12-01"))
            same("whatif-needs-approval", rules.whatif(deal, ["region = US", "discount = 20%"], today="2026-12-01"))
            same("avoid-finance", rules.avoid(deal, "finance_approval", today="2026-12-01"))
            same("avoid-blocked", rules.avoid(blocked, "deny", today="2026-12-01"))
            same("scenario-blocked", rules.scenario(blocked, "the blocked sample", today="2026-12-01"))
            same("missing-incomplete", rules.missing(json.load(open("samples/deals/incomplete.json")), today="2026-12-01"))
            for s in rules.avoid(deal, "delivery_approval", today="2026-12-01")["suggestions"]:
                changed = json.loads(json.dumps(deal))
                for c in s["changes"]:
                    dr.apply_edit(changed, c["edit"])
                print("applied", "delivery_approval" in rules.decide(changed)["required"])
            changed = json.load(open("samples/deals/needs-approval-plus-helpdesk.json"))
            must, answer = rules.since(deal, changed, today="2026-12-01")
            print("since", must, [(a["approval"], a["status"]) for a in answer["since"]["approvals"]])
            print("since same", rules.since(deal, deal)[0])
            print("unknown", rules.avoid(deal, "finance")["error"]["code"])
            print("bad fact", rules.whatif(deal, ["discont = 5%"])["error"]["code"])
            print("bad deal", rules.missing('{"region": "Mars"}')["error"]["code"])
            try:
                rules.whatif(deal, [";"])
            except dr.DealRulesError as e:
                print("misuse", e)
            """
        let r = try run("python3", ["-c", script], environment: Self.python(lib))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            why-needs-approval True
            whatif-needs-approval True
            avoid-finance True
            avoid-blocked True
            scenario-blocked True
            missing-incomplete True
            applied False
            since True [('delivery_approval', 'ask_again'), ('finance_approval', 'still_covered'), ('security_review', 'still_covered')]
            since same False
            unknown check.unknown-approval
            bad fact check.unknown-field
            bad deal deal.unknown-choice
            misuse no fact was given; give one or more, such as "discount = 15%"

            """)
    }
}
