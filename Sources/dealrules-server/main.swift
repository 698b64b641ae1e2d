import DealRulesCommandLine

// `dealrules serve ARGS…` runs this program with ARGS (Sources/dealrules/Serve.swift).
runAndExit(Serve.self, Array(CommandLine.arguments.dropFirst()))
