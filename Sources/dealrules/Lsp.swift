import ArgumentParser
import DealRulesCommandLine
import DealRulesLSP
import Glibc

struct Lsp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsp",
        abstract: "Serve editors over the Language Server Protocol (stdin and stdout).",
        discussion: """
            An editor starts it and talks to it over stdin and stdout: diagnostics as you type, completion, hover, definitions and references, symbols, formatting, quick fixes and a "run" lens on each scenario. The workspace folder is loaded as one rule set, as `dealrules check FOLDER` would; a client may name other rule sets in `initializationOptions.ruleSets`. Nothing but protocol messages is written to stdout. See docs/editors.md.

            Exit status: 0 after the client's `shutdown` and `exit`; 1 when the input ends without them.

            EXAMPLES
              dealrules lsp      (started by the editor; see docs/editors.md for VS Code, Neovim, Helix and Emacs)
            """
    )

    func run() throws {
        if isatty(0) != 0 {
            Output.standardError("dealrules lsp: waiting for Language Server Protocol messages on stdin; an editor starts this"
                + " (docs/editors.md). Ctrl-D ends it.\n")
        }
        let status = LanguageServer().run()
        if status != 0 { throw ExitCode(status) }
    }
}
