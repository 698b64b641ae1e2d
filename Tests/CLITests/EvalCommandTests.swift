import Foundation
import Testing
import DealRulesTestSupport

@Suite struct EvalCommandTests {
    @Test(arguments: [("approved", "approved"), ("needs-approval", "needs_approval"), ("blocked", "blocked"),
                      ("incomplete", "incomplete")])
    func sampleDealsShowEachDecision(file: String, decision: String) throws {
        let r = try dealrules(["eval", "samples/northwind", "--deal", "samples/deals/\(file).json", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(json(r.stdout) as? [String: Any])
        #expect(object["decision"] as? String == decision)
        #expect(object["id"] != nil)
    }

    @Test func textIsWrittenForASalesperson() throws {
        let r = try dealrules(["eval", "samples/northwind", "--deal", "samples/deals/needs-approval.json"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "NEEDS APPROVAL — from Service Delivery, Finance and Security")
        #expect(r.stdout.contains("Approvals needed\n  ● Service Delivery (delivery_approval)\n      service (Dark Web Monitoring) not in catalog\n"))
        #expect(r.stdout.contains("Discounts above 20% eat the delivery margin"))
        #expect(!r.stdout.contains("\u{1B}["))
        let incomplete = try dealrules(["eval", "samples/northwind", "--deal", "samples/deals/incomplete.json"])
        #expect(incomplete.stdout.hasPrefix("INCOMPLETE — 4 facts are missing to decide"))
        #expect(incomplete.stdout.contains("Still missing\n  ? start — start_in_past; too_soon for Endpoint Protection, Email Filtering (warning)\n"))
        // What holds whatever the missing facts are comes first.
        let certain = try dealrules(["eval", "samples/northwind", "--deal", "-", "--today", "2026-12-01"],
                                    stdin: #"{"discount": "40%", "region": "EU"}"#)
        #expect(certain.stdout.hasPrefix("INCOMPLETE — needs Finance and Executive Committee already; 7 facts are missing to decide\n"))
        let blocked = try dealrules(["eval", "samples/northwind", "--deal", "-", "--today", "2026-12-01"],
                                    stdin: #"{"discount": "40%", "term": "6 months"}"#)
        #expect(blocked.stdout.hasPrefix("BLOCKED — a rule denies this deal as it stands; it needs Finance and Executive Committee already; 7 facts are missing\n"))
    }

    /// The samples' story: the approved `needs-approval` deal plus one service that Service
    /// Delivery cannot deliver in the EU. Service Delivery must be asked again, and why; Finance
    /// and Security still stand; exit 3.
    @Test func sinceSaysWhomToAskAgainAndWhy() throws {
        let args = ["eval", "samples/northwind", "--deal", "samples/deals/needs-approval-plus-helpdesk.json",
                    "--since", "samples/deals/needs-approval.json"]
        let text = try dealrules(args)
        #expect(text.status == 3)
        if let why = Golden.mismatch(packageRoot.appendingPathComponent("Tests/CLITests/Fixtures/since-story.txt").path, text.stdout) { Issue.record(Comment(rawValue: why)) }
        let json = try dealrules(args + ["--format", "json"])
        #expect(json.status == 3)
        let object = try #require(CLITests.json(json.stdout) as? [String: Any])
        let since = try #require(object["since"] as? [String: Any])
        #expect(since["must_ask"] as? Bool == true)
        let statuses = (since["approvals"] as? [[String: Any]] ?? []).map { "\($0["approval"]!) \($0["status"]!)" }
        #expect(statuses == ["delivery_approval ask_again", "finance_approval still_covered", "security_review still_covered"])
        // Nothing changed: every approval stands, exit 0; --fail-on still applies.
        let same = ["eval", "samples/northwind", "--deal", "samples/deals/needs-approval.json", "--since", "samples/deals/needs-approval.json"]
        let unchanged = try dealrules(same)
        #expect(unchanged.status == 0)
        #expect(unchanged.stdout.contains("still approved: Service Delivery (delivery_approval), Finance (finance_approval), Security (security_review)\n  changed: nothing\n"))
        #expect(try dealrules(same + ["--fail-on", "needs_approval"]).status == 3)
        // One deal only.
        let stream = try dealrules(["eval", "samples/northwind", "--deals", "samples/deals/stream.jsonl", "--since", "samples/deals/needs-approval.json"])
        #expect(stream.status == 2)
        #expect(stream.stderr.contains("--since compares one deal with its approved version; give it with --deal, not --deals"))
        // An approved version that cannot be read is reported like any bad deal.
        let bad = try dealrules(["eval", "samples/northwind", "--deal", "samples/deals/needs-approval.json", "--since", "-"], stdin: "{\"discount\": \"lots\"}")
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("<stdin>:1:"))
    }

    @Test func failOnExits3() throws {
        let args = ["eval", "samples/northwind", "--deal", "samples/deals/blocked.json"]
        #expect(try dealrules(args + ["--fail-on", "blocked"]).status == 3)
        #expect(try dealrules(args + ["--fail-on", "needs_approval"]).status == 3)
        let approved = ["eval", "samples/northwind", "--deal", "samples/deals/approved.json"]
        #expect(try dealrules(approved + ["--fail-on", "needs_approval"]).status == 0)
        #expect(try dealrules(approved + ["--fail-on", "approved"]).status == 2)
    }

    /// A rule set large enough to load on several threads (a file over 128 KiB, over 1,000
    /// rules) decides a stream the same with `--jobs 1` (one thread for everything) as with
    /// `--jobs 2`.
    @Test func aLargeRuleSetDecidesTheSameOnOneThreadAsOnTwo() throws {
        let dir = try temporaryDirectory()
        var text = "deal {\n  discount: percent\n  total: money\n}\napproval finance: \"Finance\"\n"
        for i in 0..<2_500 { text += "\nrule r\(i):\n  require finance when discount > \(i % 90)% and total > $\(i * 10)\n" }
        #expect(text.utf8.count > 128 * 1024)
        let rules = dir.appendingPathComponent("big.rules"), deals = dir.appendingPathComponent("deals.jsonl")
        try text.write(to: rules, atomically: true, encoding: .utf8)
        try (0..<50).map { #"{"id":"d\#($0)","discount":\#($0 % 60),"total":\#($0 * 997)}"# }.joined(separator: "\n")
            .write(to: deals, atomically: true, encoding: .utf8)
        let args = ["eval", rules.path, "--deals", deals.path, "--today", "2026-12-01"]
        let one = try dealrules(args + ["--jobs", "1"]), two = try dealrules(args + ["--jobs", "2"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.split(separator: "\n").count == 50)
        #expect(one.stdout.contains(#""required":["finance"]"#) && one.stdout.contains(#""decision":"approved""#))
        #expect(two.stdout == one.stdout)
    }

    @Test func usageErrorsExit2() throws {
        #expect(try dealrules(["eval", "samples/northwind"]).status == 2)
        let both = try dealrules(["eval", "samples/northwind", "--deal", "a.json", "--deals", "b.jsonl"])
        #expect(both.status == 2)
        #expect(both.stderr.contains("--deal and --deals cannot be used together"))
        #expect(try dealrules(["eval", "samples/northwind", "--deals", "-", "--format", "text"]).status == 2)
        #expect(try dealrules(["eval", "samples/northwind", "--deal", "-", "--today", "2026-13-01"]).status == 2)
    }

    @Test func badRulesExit1() throws {
        let r = try dealrules(["eval", "samples/bad/unknown-field.rules", "--deal", "samples/deals/approved.json"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("unknown field `discont`"))
    }

    @Test(arguments: [
        ("", "deal.empty", "the deal is empty"),
        ("[1, 2]", "deal.not-an-object", "a deal must be a JSON object"),
        ("{\"discount\": 25,}", "deal.invalid-json", "invalid JSON at line 1, column 17"),
        ("{\"discont\": 25}", "deal.unknown-field", "`discont` is not a field of the deal"),
        ("{\"discount\": \"lots\"}", "deal.wrong-type", "`discount`"),
        ("{\"region\": \"EUR\"}", "deal.unknown-choice", "`EUR` is not a value of `region`"),
        ("{\"start\": \"2026-02-30\"}", "deal.invalid-date", "`2026-02-30` is not a date"),
        ("{\"services\": [{\"name\": \"SIEM\"}, {\"name\": \"SIEM\"}]}", "deal.duplicate-item", "lists \"SIEM\" twice"),
        ("{\"services\": [{\"seats\": 2}]}", "deal.item-without-name", "`services[0]` has no \"name\""),
        ("{\"total\": true}", "deal.wrong-type", "`total` must be money, not `true`"),
    ])
    func badDealsAreClearErrors(deal: String, code: String, message: String) throws {
        let text = try dealrules(["eval", "samples/northwind", "--deal", "-"], stdin: deal)
        #expect(text.status == 1)
        #expect(text.stderr.contains(message), "\(text.stderr)")
        #expect(text.stderr.contains("<stdin>:"))
        let j = try dealrules(["eval", "samples/northwind", "--deal", "-", "--format", "json"], stdin: deal)
        #expect(j.status == 1)
        let object = try #require(json(j.stdout) as? [String: Any])
        let error = try #require(object["error"] as? [String: Any])
        #expect(error["code"] as? String == code)
    }

    @Test func streamAnswersEveryLineInOrder() throws {
        let r = try dealrules(["eval", "samples/northwind", "--deals", "samples/deals/stream.jsonl"])
        #expect(r.status == 1, "one line is bad")
        let lines = r.stdout.split(separator: "\n").map { json(String($0)) as? [String: Any] }
        #expect(lines.count == 4)
        #expect(lines.map { $0?["index"] as? Int } == [0, 1, 2, 3])
        #expect(lines.map { $0?["id"] as? String } == ["S-1", "S-2", "S-3", "S-4"])
        let bad = try #require(lines[2]?["error"] as? [String: Any])
        #expect(bad["code"] as? String == "deal.unknown-choice")
        #expect(lines[3]?["decision"] as? String == "incomplete")
        #expect(r.stderr.contains("1 line of 4 could not be read"))
    }

    /// Values at the ends of their types, in a deal and in a rule's message, on some lines of a
    /// long stream decided on two threads: every line is answered, in order, and the process
    /// lives (a duration of −2³¹ days once killed it before any line was written).
    @Test func linesAtTheEndsOfTheNumbersAreAnsweredWithEveryOther() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rules = dir.appendingPathComponent("edge.rules")
        try """
            deal { start: date, term: duration, n: number, m: money }
            rule ends: warn when term > 0 days because "ends {(today - start) - term} from now"
            rule wrap: deny when n > 0 and 0 days - (0 days - 2,147,483,647 days - 1 day) > 0 days
            rule low: warn when m < $0 because "{m - $0.000001} is below"
            """.write(to: rules, atomically: true, encoding: .utf8)
        var lines: [String] = []
        for i in 0..<300 {
            switch i % 4 {
            case 0: lines.append(#"{"id": \#(i), "start": "2026-12-02", "term": "2147483647 days"}"#)
            case 1: lines.append(#"{"id": \#(i), "n": 1}"#)
            case 2: lines.append(#"{"id": \#(i), "m": -9223372036854.775807}"#)
            default: lines.append(#"{"id": \#(i), "start": "2026-12-03", "term": "2147483647 days"}"#)
            }
        }
        let r = try dealrules(["eval", rules.path, "--deals", "-", "--today", "2026-12-01", "--jobs", "2"],
                              stdin: lines.joined(separator: "\n"))
        #expect(r.status == 0, "\(r.stderr)")
        let out = r.stdout.split(separator: "\n").map { json(String($0)) as? [String: Any] }
        #expect(out.count == 300)
        #expect(out.map { $0?["id"] as? Int } == Array(0..<300))
        let messages = out.map { line in ((line?["outcomes"] as? [[String: Any]]) ?? []).compactMap { $0["message"] as? String } }
        #expect(messages[0] == ["ends -2147483648 days from now"])
        #expect(messages[2] == ["-$9,223,372,036,854.775808 is below"])
        // A day later the same subtraction leaves 32 bits: an overflow, not a wrapped value.
        #expect(messages[3] == ["ends error (overflow) from now"])
        let wrapped = try #require((out[1]?["undetermined"] as? [[String: Any]])?.first { $0["rule"] as? String == "wrap" })
        #expect(wrapped["errors"] as? [String] == ["overflow"])
        #expect(out[1]?["decision"] as? String == "incomplete", "never approved on a wrapped value")
    }

    /// A stream that cannot be read says which and why, and exits 1 with nothing on stdout.
    @Test func aStreamThatCannotBeReadIsNamed() throws {
        for (path, why) in [("samples", "Is a directory"), ("samples/no-such.jsonl", "No such file or directory")] {
            let r = try dealrules(["eval", "samples/northwind", "--deals", path])
            #expect(r.status == 1)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr == "error: cannot read `\(path)`: \(why)\n", "\(r.stderr)")
        }
    }

    @Test func streamAcceptsBOMCRLFAndBlankLinesOnStdin() throws {
        let input = "\u{FEFF}{\"id\": 1, \"region\": \"US\"}\r\n\r\n   \n{\"id\": \"two\", \"region\": \"EU\"}\r\n{not json\n{\"id\": [3]}"
        let r = try dealrules(["eval", "samples/northwind", "--deals", "-"], stdin: input)
        let lines = r.stdout.split(separator: "\n").map { json(String($0)) as? [String: Any] }
        #expect(lines.count == 4)
        #expect(lines.map { $0?["index"] as? Int } == [0, 1, 2, 3])
        #expect(lines[0]?["id"] as? Int == 1)
        #expect(lines[1]?["id"] as? String == "two")
        #expect((lines[2]?["error"] as? [String: Any])?["code"] as? String == "deal.invalid-json")
        #expect(lines[3]?["id"] as? [Int] == [3])
        #expect(r.status == 1)
    }

    @Test func todayComesFromTheOptionUnlessTheDealHasOne() throws {
        let deal = "{\"start\": \"2026-12-10\", \"services\": []}"
        let before = try dealrules(["eval", "samples/northwind", "--deal", "-", "--format", "json", "--today", "2026-12-01"], stdin: deal)
        let after = try dealrules(["eval", "samples/northwind", "--deal", "-", "--format", "json", "--today", "2026-12-20"], stdin: deal)
        func denied(_ r: Run) -> Bool { r.stdout.contains("\"rule\": \"start_in_past\"") }
        #expect(!denied(before))
        #expect(denied(after))
        let own = "{\"today\": \"2026-12-01\", \"start\": \"2026-12-10\", \"services\": []}"
        let kept = try dealrules(["eval", "samples/northwind", "--deal", "-", "--format", "json", "--today", "2026-12-20"], stdin: own)
        #expect(!denied(kept))
    }
}

@Suite struct TerminalOutputTests {
    @Test func colourOnATerminalOnly() throws {
        let args = ["eval", "samples/northwind", "--deal", "samples/deals/blocked.json"]
        let tty = try PseudoTerminal(args)
        #expect(tty.waitForExit() == 0)
        #expect(tty.output.contains("\u{1B}[1;31mBLOCKED\u{1B}[0m"))
        let plain = try PseudoTerminal(args, environment: ["NO_COLOR": "1"])
        #expect(plain.waitForExit() == 0)
        #expect(plain.output.contains("BLOCKED — 4 rules deny"))
        #expect(!plain.output.contains("\u{1B}["))
        let check = try PseudoTerminal(["check", "samples/bad/unknown-field.rules"])
        #expect(check.waitForExit() == 1)
        #expect(check.output.contains("\u{1B}[1;31merror\u{1B}[0m"))
    }
}

@Suite struct EvalStreamMistakeTests {
    @Test func aPrettyPrintedDealGivenAsAStreamGetsAHintToUseDeal() throws {
        let r = try dealrules(["eval", "samples/northwind", "--deals", "samples/deals/approved.json"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("help: --deals takes JSON lines, one whole deal per line; a deal written over several lines is read with --deal FILE"))
        let diff = try dealrules(["diff", "samples/northwind", "samples/northwind", "--deals", "samples/deals/approved.json"])
        #expect(diff.status == 1)
        #expect(diff.stderr.contains("help: --deals takes JSON lines, one whole deal per line"))
    }
}

/// A tool that keeps `eval --deals -` running writes one deal and waits: its answer must come
/// at once, not when the stream ends or a batch fills.
@Suite struct EvalStreamConversationTests {
    @Test func eachDealIsAnsweredBeforeTheNextIsWritten() throws {
        let p = Process()
        p.executableURL = binary
        p.arguments = ["eval", "samples/northwind", "--deals", "-", "--today", "2026-12-01"]
        p.currentDirectoryURL = packageRoot
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        let fd = output.fileHandleForReading.fileDescriptor
        for (i, deal) in [#"{"id": "a", "discount": 5}"#, #"{"id": "b", "discount": 30}"#, #"{"id": "c", "region": "Mars"}"#].enumerated() {
            input.fileHandleForWriting.write(Data((deal + "\n").utf8))
            // The answer arrives within 10 seconds while stdin stays open.
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            #expect(poll(&ready, 1, 10_000) == 1, "no answer to deal \(i) while the stream is open")
            var line: [UInt8] = []
            var byte: UInt8 = 0
            while read(fd, &byte, 1) == 1, byte != 0x0A { line.append(byte) }
            let answer = try #require(json(String(decoding: line, as: UTF8.self)) as? [String: Any])
            #expect(answer["index"] as? Int == i)
            #expect(answer["id"] as? String == ["a", "b", "c"][i])
        }
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        #expect(p.terminationStatus == 1)  // the third deal was bad
    }
}
