import ArgumentParser
import DealRules

import Glibc

Allocator.keepFreedMemory()

// The exit codes of docs/language.md and the README: usage errors are 2 (argument-parser's default is 64).
do {
    // Bare `dealrules` on a terminal is the REPL; so is `dealrules RULES…` (paths, no command).
    var arguments = Array(CommandLine.arguments.dropFirst())
    let terminal = isatty(0) != 0 && isatty(1) != 0
    let commands = DealRulesCommand.configuration.subcommands.map { $0._commandName }
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
    var command = try DealRulesCommand.parseAsRoot(arguments)
    try command.run()
} catch {
    let code = DealRulesCommand.exitCode(for: error)
    if let exit = error as? ExitCode {
        Output.flush()
        Glibc.exit(exit.rawValue)
    }
    let message = DealRulesCommand.fullMessage(for: error)
    if code == .success {
        Output.standardOutput(message + "\n")
        Output.flush()
        Glibc.exit(0)
    }
    Output.standardError(message + "\n")
    Output.flush()
    Glibc.exit(code == .validationFailure ? 2 : code.rawValue)
}
Output.flush()
