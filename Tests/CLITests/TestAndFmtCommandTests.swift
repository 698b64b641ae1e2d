import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite struct TestCommandTests {
    @Test func theSampleScenariosPass() throws {
        let r = try dealrules(["test", "samples/northwind"])
        #expect(r.status == 0)
        #expect(r.stdout == "33 passed, 0 failed\n")
    }

    @Test func aFailingScenarioSaysWhereWhatAndWhatItGot() throws {
        let dir = try temporaryDirectory()
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("samples/northwind"), to: dir.appendingPathComponent("nw"))
        let file = dir.appendingPathComponent("nw/scenarios/pricing.rules")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "  expect rule deep_discount\n", with: "  expect rule deep_discount\n  expect blocked\n  expect no require finance_approval\n")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let r = try dealrules(["test", dir.appendingPathComponent("nw").path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("✗ a deep discount needs Finance   scenarios/pricing.rules:23:10\n"))
        #expect(r.stdout.contains("    expect blocked   scenarios/pricing.rules:39:3\n      but the decision is needs_approval\n"))
        #expect(r.stdout.contains("    expect no require finance_approval   scenarios/pricing.rules:40:3\n      but required: finance_approval\n"))
        #expect(r.stdout.contains("    got needs_approval\n      require finance_approval  deep_discount\n"))
        #expect(r.stdout.hasSuffix("32 passed, 1 failed\n"))
    }

    @Test func filterJUnitAndCoverage() throws {
        let dir = try temporaryDirectory()
        let xml = dir.appendingPathComponent("results.xml")
        let r = try dealrules(["test", "samples/northwind", "--filter", "PLATINUM", "--junit", xml.path, "--coverage"])
        #expect(r.status == 0)
        #expect(r.stdout.hasSuffix("3 passed, 0 failed\n"))
        #expect(r.stdout.hasPrefix("coverage: 5 of 30 rules fired in some scenario\n  never fired (decided no in every scenario):\n"))
        #expect(r.stdout.contains("\n    delivery.rules#1   delivery.rules:5:1\n    start_in_past   delivery.rules:8:3\n"))
        let doc = try XMLDocument(contentsOf: xml)
        let cases = try doc.nodes(forXPath: "//testcase")
        #expect(cases.count == 3)
        #expect(try doc.nodes(forXPath: "//testsuites/@tests").first?.stringValue == "3")
    }

    @Test func coverageOverEveryScenario() throws {
        let r = try dealrules(["test", "samples/northwind", "--coverage"])
        #expect(r.stdout.hasPrefix("coverage: 30 of 30 rules fired in some scenario\n"))
    }

    @Test func noScenarioIsAFailure() throws {
        let none = try dealrules(["test", "samples/northwind", "--filter", "no such scenario"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no scenario ran: none of the 33 scenario names contains `no such scenario`"))
        let empty = try dealrules(["test", "samples/bad/warnings.rules"])
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("no scenario ran: the rules have none"))
        #expect(try dealrules(["test", "samples/bad/unknown-field.rules"]).status == 1)
    }
}

@Suite struct FmtCommandTests {
    func messyCopy() throws -> URL {
        let dir = try temporaryDirectory()
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Tests/DealRulesTests/Fixtures/format/messy.rules"),
                                         to: dir.appendingPathComponent("messy.rules"))
        return dir
    }

    @Test func oneFilePrintsFormatted() throws {
        let r = try dealrules(["fmt", "Tests/DealRulesTests/Fixtures/format/messy.rules"])
        #expect(r.status == 0)
        let expected = try String(contentsOf: packageRoot.appendingPathComponent("Tests/DealRulesTests/Fixtures/format/messy.formatted"), encoding: .utf8)
        #expect(r.stdout == expected)
    }

    @Test func checkListsAndWriteFixes() throws {
        let dir = try messyCopy()
        let check = try dealrules(["fmt", dir.path, "--check"])
        #expect(check.status == 1)
        #expect(check.stdout == dir.appendingPathComponent("messy.rules").path + "\n")
        #expect(check.stderr.contains("1 file not formatted"))
        let write = try dealrules(["fmt", dir.path, "--write"])
        #expect(write.status == 0)
        let expected = try String(contentsOf: packageRoot.appendingPathComponent("Tests/DealRulesTests/Fixtures/format/messy.formatted"), encoding: .utf8)
        #expect(try String(contentsOf: dir.appendingPathComponent("messy.rules"), encoding: .utf8) == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["messy.rules"], "no temporary file left")
        #expect(try dealrules(["fmt", dir.path, "--check"]).status == 0)
        #expect(try dealrules(["fmt", "samples/northwind", "--check"]).status == 0, "the samples are formatted")
    }

    @Test func aFileThatDoesNotParseIsLeftUntouched() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("broken.rules")
        let text = "rule r:\n  deny when (a  and\n"
        try text.write(to: file, atomically: true, encoding: .utf8)
        let r = try dealrules(["fmt", dir.path, "--write"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("broken.rules:2:20: error: expected a value or condition after `and`"))
        #expect(r.stderr.contains("not formatted: it does not parse"))
        #expect(try String(contentsOf: file, encoding: .utf8) == text)
    }

    @Test func usage() throws {
        #expect(try dealrules(["fmt"]).status == 2)
        #expect(try dealrules(["fmt", "samples/northwind"]).status == 2, "several files need --write or --check")
        #expect(try dealrules(["fmt", "x.rules", "--write", "--check"]).status == 2)
        #expect(try dealrules(["fmt", "nope.rules"]).status == 1)
    }
}

/// `dealrules lsp` fed something that is not the protocol: it stops with status 1, says why on
/// stderr, and writes only protocol messages on stdout.
@Suite struct LspCommandTests {
    @Test func inputThatIsNotTheProtocol() throws {
        let r = try dealrules(["lsp"], stdin: "hello\n")
        #expect(r.status == 1)
        #expect(r.stderr.contains("the input cannot be read any further: a header line without `:`: hello"))
        #expect(r.stderr.contains("started by an editor"))
        #expect(r.stdout.hasPrefix("Content-Length: "))
        #expect(r.stdout.contains(#""method":"window/logMessage""#))
    }

    @Test func shutdownAndExitEndWithStatusZero() throws {
        func frame(_ s: String) -> String { "Content-Length: \(s.utf8.count)\r\n\r\n\(s)" }
        let input = frame(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#)
            + frame(#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#) + frame(#"{"jsonrpc":"2.0","method":"exit"}"#)
        let r = try dealrules(["lsp"], stdin: input)
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        #expect(r.stdout.contains(#""id":2,"result":null"#))
    }
}

/// A scenario's own `today` wins over `--today` (docs/language.md, scenarios).
@Suite struct ScenarioTodayTests {
    @Test func aScenariosTodayWinsOverTheOption() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rules = """
            deal {
              start: date
            }

            rule backdated:
              deny when start < today

            scenario "dated" {
              today = 2026-01-01
              start = 2026-06-01
              expect approved
            }

            scenario "undated" {
              start = 2026-06-01
              expect blocked
            }

            """
        let file = dir.appendingPathComponent("today.rules")
        try rules.write(to: file, atomically: true, encoding: .utf8)
        // With --today after the start, only the scenario that sets its own date is approved.
        let r = try dealrules(["test", file.path, "--today", "2027-01-01"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("2 passed, 0 failed"), "\(r.stdout)")
    }
}
