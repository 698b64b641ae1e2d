import ArgumentParser
import DealRules
import DealRulesCommandLine

import Glibc

Allocator.keepFreedMemory()

// Bare `dealrules` on a terminal is the REPL; so is `dealrules RULES…` (paths, no command).
var arguments = Array(CommandLine.arguments.dropFirst())
let terminal = isatty(0) != 0 && isatty(1) != 0
let commands = DealRulesCommand.configuration.subcommands.map { $0._commandName }
// Everything after `serve` is the server's, `--help` included.
if arguments.first == "serve" { Serve.exec(Array(arguments.dropFirst())) }
if arguments.isEmpty, terminal {
    arguments = ["repl"]
} else if let first = arguments.first, !first.hasPrefix("-"), !commands.contains(first), first != "help",
          access(first, F_OK) == 0 {
    if terminal {
        arguments.insert("repl", at: 0)
    } else {
        Output.standardError("error: `\(first)` is not a command\n"
            + "  = help: to check rules: `dealrules check \(first)`; to decide a deal: `dealrules eval \(first) --deal FILE.json`;"
            + " to try them live on a terminal: `dealrules repl \(first)`\n")
        Glibc.exit(2)
    }
}
runAndExit(DealRulesCommand.self, arguments)
