import ArgumentParser
import DealRules
import DealRulesCommandLine
import DealRulesREPL

import Glibc

struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Build a deal fact by fact and see at once what it needs (also: bare `dealrules` on a terminal).",
        discussion: """
            Type facts (`region = EU`, `add service "SIEM" with seats = 20`), questions (`discount is 25%`), rules to try, or commands (`:help`, `:why`, `:avoid finance_approval`). Tab completes; history and the current deal are kept in $XDG_STATE_HOME/dealrules (else ~/.local/state/dealrules). Rule files are reloaded when they change on disk.

            When stdin is not a terminal the same commands are read plainly, with no prompt and no colour, so a session can be scripted; it exits 1 if any line failed.

            EXAMPLES
              dealrules repl samples/northwind
              printf 'region = EU\\ndiscount = 25%%\\n:why\\n' | dealrules repl samples/northwind
            """
    )

    @Argument(help: ArgumentHelp("Rule files or folders to load (more with `:load`).", valueName: "RULES"),
              completion: .file(extensions: ["rules"]))
    var paths: [String] = []

    @Option(help: ArgumentHelp("The date rules see as `today` (default: the local date).", valueName: "YYYY-MM-DD"))
    var today: Day?

    @Flag(help: "Start with an empty deal instead of the one kept from last time.")
    var fresh = false

    @OptionGroup(title: "Limits")
    var limits: LimitOptions

    func run() throws {
        let interactive = isatty(0) != 0 && isatty(1) != 0
        // Only the two variables the state folder is found by (Foundation's whole environment
        // is not worth loading Foundation for).
        let environment = ["XDG_STATE_HOME", "HOME"].reduce(into: [String: String]()) { env, name in
            env[name] = getenv(name).map { String(cString: $0) }
        }
        let state = interactive ? StateFolder.standard(environment: environment) : nil
        var options = Session.Options(color: interactive && Output.wantsColor(1), today: today, limits: limits.limits,
                                      state: state, restoreDeal: !fresh)
        // No rules given: the rule files of the current folder, when it has any.
        var paths = self.paths
        if paths.isEmpty {
            paths = Session.rulesOfCurrentFolder()
            options.rulesFound = !paths.isEmpty
        }
        let session = Session(paths: paths, options: options)
        Output.flush()
        guard interactive else {
            // A script gets a clean start and fails fast when the rules do not load.
            if !paths.isEmpty, session.rules.rules.isEmpty, session.greeting.contains("do not load") {
                Output.standardError(session.greeting + "\n")
                throw ExitCode(1)
            }
            let status = REPL.run(session, editor: PlainLineReader(), interactive: false)
            if status != 0 { throw ExitCode(status) }
            return
        }
        let history = state.flatMap { $0.create() ? HistoryFile(path: $0.historyPath) : nil }
        guard let editor = LibEditLineEditor(historyFile: history, complete: { session.complete($0) }) else {
            Output.standardError("error: cannot start line editing on this terminal\n")
            throw ExitCode(1)
        }
        defer { editor.close() }
        // While editing, ^C is a key that clears the line; between lines it must not end the session.
        signal(SIGINT, SIG_IGN)
        editor.write("dealrules \(DealRulesVersion.string) — :help for help, Tab to complete, :quit to leave\n")
        if !session.greeting.isEmpty { editor.write(session.greeting + "\n") }
        _ = REPL.run(session, editor: editor, interactive: true)
    }
}
