import ArgumentParser
import DealRules

#if canImport(Glibc)
import Glibc
#endif

// The exit codes of LANGUAGE.md: usage errors are 2 (argument-parser's default is 64).
do {
    // Bare `dealrules` on a terminal is the REPL.
    var arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.isEmpty, isatty(0) != 0, isatty(1) != 0 { arguments = ["repl"] }
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
