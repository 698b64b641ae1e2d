import DealRulesCommandLine

import Glibc

// `dealrules serve ARGS…` runs this program with ARGS (Sources/dealrules/Serve.swift).
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.isEmpty {
    // argument-parser shows the whole help when a program's root command gets no argument;
    // the other commands answer a missing RULES with the short usage, and so does this one.
    Output.standardError("Error: give at least one rule file or folder, e.g. `samples`\n"
        + "Usage: dealrules serve [<options>] [<RULES> ...]\n  See 'dealrules serve --help' for more information.\n")
    exit(2)
}
runAndExit(Serve.self, arguments)
