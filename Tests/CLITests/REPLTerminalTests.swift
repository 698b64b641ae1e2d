import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The REPL at a real (pseudo) terminal: keys in, screen out.
@Suite(.serialized) struct REPLTerminalTests {
    let up = "\u{1B}[A", ctrlC = "\u{03}", ctrlD = "\u{04}", backspace = "\u{7F}"

    func start(_ state: URL, _ extra: [String] = []) throws -> PseudoTerminal {
        let tty = try PseudoTerminal(["repl", "samples/northwind", "--today", "2026-12-01"] + extra,
                                     environment: ["XDG_STATE_HOME": state.path, "NO_COLOR": "1"])
        tty.read(until: "deal> ")
        return tty
    }

    /// Types `keys` once the editor is reading, then waits for `marker`.
    @discardableResult
    func type(_ tty: PseudoTerminal, _ keys: String, until marker: String) -> String {
        #expect(tty.waitForRawMode(), "the editor never put the terminal in raw mode")
        let before = tty.output.count
        tty.mark = before
        tty.write(keys)
        tty.read(until: marker)
        let out = String(tty.output.dropFirst(before))
        #expect(out.contains(marker), "never saw \(marker.debugDescription) after typing \(keys.debugDescription); saw \(out.debugDescription)")
        return out
    }

    @Test func typingAFactShowsTheDecision() throws {
        let tty = try start(try temporaryDirectory())
        #expect(tty.output.contains("loaded 30 rules from 8 files"))
        let out = type(tty, "discount = 25%\r", until: "→ INCOMPLETE")
        // What holds whatever the missing facts are comes first: Finance, for a 25% discount.
        #expect(out.contains("→ INCOMPLETE — needs Finance already; missing services, start,"))
        let q = type(tty, "discount is 25%\r", until: "yes")
        #expect(q.contains("yes"))
        #expect(type(tty, "discount = 10%\r", until: "−Finance").count > 0)
        #expect(type(tty, "discount = 30%\r", until: "+Finance").count > 0)
        #expect(type(tty, ":quit\r", until: "\n").count > 0)
        #expect(tty.waitForExit() == 0)
    }

    @Test func tabCompletes() throws {
        let tty = try start(try temporaryDirectory())
        type(tty, "disc", until: "disc")
        type(tty, "\t", until: "ount ")
        type(tty, "= 25%\r", until: "INCOMPLETE")
        let listed = type(tty, ":wh\t", until: "whatif")
        #expect(listed.contains("why"))
        type(tty, ctrlC, until: "deal> ")
        type(tty, "add service \"Endp\t", until: "Protection\"")
        let added = type(tty, "\r", until: "INCOMPLETE")
        #expect(added.contains("INCOMPLETE"))
        type(tty, ctrlD, until: "\n")
        #expect(tty.waitForExit() == 0)
    }

    @Test func upRecallsHistoryFromAnEarlierSession() throws {
        let state = try temporaryDirectory()
        let first = try start(state)
        type(first, "region = EU\r", until: "INCOMPLETE")
        type(first, "discount > 20% and\r", until: "...> ")
        type(first, "sla is gold\r", until: "unknown")
        type(first, ":quit\r", until: "\n")
        #expect(first.waitForExit() == 0)
        let history = try String(contentsOf: state.appendingPathComponent("dealrules/history"), encoding: .utf8)
        #expect(history.contains("discount > 20% and\\nsla is gold\n"))
        let second = try start(state)
        #expect(second.output.contains("restored the deal from last time (1 fact)"))
        type(second, up, until: ":quit")
        type(second, up, until: "discount > 20% and sla is gold")
        type(second, up, until: "region = EU")
        type(second, "\r", until: "INCOMPLETE")
        type(second, ctrlD, until: "\n")
        #expect(second.waitForExit() == 0)
    }

    @Test func ctrlCClearsTheLineAndCtrlDLeavesRestoringTheTerminal() throws {
        let tty = try start(try temporaryDirectory(), ["--fresh"])
        type(tty, "discount = 99%", until: "99%")
        type(tty, ctrlC, until: "deal> ")
        type(tty, "(discount > 1%\r", until: "...> ")
        type(tty, ctrlC, until: "deal> ")
        let deal = type(tty, ":deal\r", until: "deal> ")
        #expect(deal.contains("the deal is empty"))
        type(tty, ctrlD, until: "\n")
        #expect(tty.waitForExit() == 0)
        var t = termios()
        #expect(tcgetattr(tty.master, &t) == 0)
        #expect(t.c_lflag & tcflag_t(ICANON) != 0, "canonical mode is back")
        #expect(t.c_lflag & tcflag_t(ISIG) != 0, "signals are back")
        #expect(t.c_lflag & tcflag_t(ECHO) != 0, "echo is back")
    }

    @Test func unicodeIsEditedAsCharacters() throws {
        let tty = try start(try temporaryDirectory(), ["--fresh"])
        type(tty, "customer = \"Cafés", until: "Cafés")
        type(tty, backspace + "\"\r", until: "INCOMPLETE")
        let out = type(tty, "customer\r", until: "\"Café\"")
        #expect(out.contains("\"Café\""))
        type(tty, ctrlD, until: "\n")
        #expect(tty.waitForExit() == 0)
    }

    @Test func aPastedBlockRunsLineByLineWithoutCompleting() throws {
        let tty = try start(try temporaryDirectory(), ["--fresh"])
        #expect(tty.waitForRawMode())
        tty.write("region\t= EU\rdiscount =\t25%\r:deal\r")
        tty.read(until: "discount = 25%\r\n")
        #expect(tty.output.contains("region = EU"))
        #expect(!tty.output.contains("data_residency"), "no completion list")
        type(tty, ctrlD, until: "\n")
        #expect(tty.waitForExit() == 0)
    }
}

@Suite struct REPLScriptTests {
    @Test func aScriptReadsPlainlyAndExitsZeroWhenAllIsWell() throws {
        let r = try dealrules(["repl", "samples/northwind", "--today", "2026-12-01"],
                              stdin: "region = EU\ndiscount = 25%\n:why finance_approval\ndiscount is 25%\n")
        #expect(r.status == 0)
        #expect(!r.stdout.contains("deal>"), "no prompt")
        #expect(!r.stdout.contains("\u{1B}"), "no escape codes")
        #expect(r.stdout.contains("→ INCOMPLETE — missing services,"))
        #expect(r.stdout.contains("deep_discount: discount (25%) > 20%"))
        #expect(r.stdout.hasSuffix("yes\n"))
    }

    @Test func aScriptExitsOneWhenALineFailed() throws {
        let r = try dealrules(["repl", "samples/northwind"], stdin: "discont = 5%\nregion = EU\n")
        #expect(r.status == 1)
        #expect(r.stdout.contains("did you mean `discount`?"))
        #expect(r.stdout.contains("→ INCOMPLETE"), "the session went on")
        let quit = try dealrules(["repl", "samples/northwind"], stdin: ":nope\n:quit\nregion = EU\n")
        #expect(quit.status == 1)
        #expect(!quit.stdout.contains("INCOMPLETE"), "nothing runs after :quit")
    }

    @Test func aScriptFailsFastWhenTheRulesDoNotLoad() throws {
        let r = try dealrules(["repl", "samples/bad/unknown-field.rules"], stdin: "discount = 5%\n")
        #expect(r.status == 1)
        #expect(r.stderr.contains("unknown field `discont`"))
    }

    @Test func anUnfinishedLastLineIsStillRunAndReported() throws {
        let r = try dealrules(["repl", "samples/northwind"], stdin: "discount > 20% and")
        #expect(r.status == 1)
        #expect(r.stdout.contains("expected a value or condition after `and`"))
    }

    @Test func bareDealrulesOffATerminalShowsHelp() throws {
        let r = try dealrules([])
        #expect(r.stdout.contains("USAGE") || r.stderr.contains("USAGE"))
        let paths = try dealrules(["samples/northwind"])
        #expect(paths.status == 2)
        #expect(paths.stderr.contains("to check rules: `dealrules check samples/northwind`"))
    }

    @Test func rulesWithoutACommandOpenTheREPLOnATerminal() throws {
        let tty = try PseudoTerminal(["samples/northwind"], environment: ["XDG_STATE_HOME": try temporaryDirectory().path])
        tty.read(until: "deal> ")
        #expect(tty.output.contains("loaded 30 rules from 8 files"))
        #expect(tty.waitForRawMode())
        tty.write("\u{04}")
        #expect(tty.waitForExit() == 0)
    }

    /// Bare `dealrules` in a folder of rule files loads them and says so; in a folder with none
    /// it says how to load some, and a fact gets that help instead of an empty field list.
    @Test func bareDealrulesLoadsTheRulesOfTheFolderOrSaysHowToLoadSome() throws {
        let state = try temporaryDirectory().path
        let folder = try temporaryDirectory()
        // Three rule files of the samples (and their catalog), none in a folder below.
        let northwind = packageRoot.appendingPathComponent("samples/northwind")
        for (from, to) in [("declarations.rules", "declarations.rules"), ("catalog.csv", "catalog.csv"),
                           ("shared/defines.rules", "defines.rules"), ("pricing.rules", "pricing.rules")] {
            try FileManager.default.copyItem(at: northwind.appendingPathComponent(from), to: folder.appendingPathComponent(to))
        }
        let tty = try PseudoTerminal(["repl", "--today", "2026-12-01"], environment: ["XDG_STATE_HOME": state, "NO_COLOR": "1"],
                                     directory: folder)
        tty.read(until: "deal> ")
        #expect(tty.output.contains("no rules were given: loaded the `*.rules` of this folder, 9 rules from 3 files"), "\(tty.output)")
        #expect(tty.waitForRawMode())
        tty.write("discount = 25%\r")
        tty.read(until: "needs Finance already")
        #expect(tty.output.contains("→ INCOMPLETE — needs Finance already; missing term, list_price, total"))
        #expect(tty.waitForRawMode())
        tty.write("\u{04}")
        #expect(tty.waitForExit() == 0)

        let empty = try PseudoTerminal([], environment: ["XDG_STATE_HOME": state, "NO_COLOR": "1"], directory: try temporaryDirectory())
        empty.read(until: "deal> ")
        #expect(empty.output.contains("no rules are loaded: `:load FOLDER` loads a rule set (or start with `dealrules FOLDER`)"))
        #expect(empty.waitForRawMode())
        empty.write("discount = 25%\r")
        empty.read(until: "= help: no rules are loaded")
        #expect(empty.output.contains("error: unknown field `discount`"))
        #expect(empty.waitForRawMode())
        empty.write("\u{04}")
        #expect(empty.waitForExit() == 0)
    }
}
