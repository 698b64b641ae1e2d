import ArgumentParser
import DealRules
import DealRulesCommandLine

struct Fmt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Lay rule files out one canonical way, keeping every comment.",
        discussion: """
            One file prints formatted to stdout; --write replaces files in place (atomically: an interrupted run never leaves half a file); --check lists the files that are not formatted. A file that does not parse is reported and left as it is.

            Exit status: 0; 1 when --check finds files to format, or a file does not parse.

            EXAMPLES
              dealrules fmt samples/northwind/pricing.rules
              dealrules fmt samples/northwind --write
              dealrules fmt samples/northwind --check
            """
    )

    @Argument(help: ArgumentHelp("Rule files or folders (every *.rules below a folder).", valueName: "RULES"),
              completion: .file(extensions: ["rules"]))
    var paths: [String] = []

    @Flag(help: "Replace each file with its formatted text.")
    var write = false

    @Flag(help: "Change nothing; list the files that would change.")
    var check = false

    @OptionGroup(title: "Limits")
    var limits: LimitOptions

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give a rule file, or files and folders with --write or --check") }
        if write, check { throw ValidationError("--write and --check cannot be used together") }
    }

    func run() throws {
        let (files, missing) = RuleFiles.list(paths)
        for m in missing { Output.standardError("error: `\(m)` does not exist\n") }
        if !missing.isEmpty { throw ExitCode(1) }
        if !write, !check, !(files.count == 1 && FileSystemProbe.isFile(paths[0])) {
            throw ValidationError(files.isEmpty ? "no `*.rules` file in \(paths.joined(separator: ", "))"
                : "`fmt` prints one file; for \(files.count) files use --write or --check")
        }
        var failed = false
        var unformatted: [String] = []
        let renderer = DiagnosticRenderer(color: Output.wantsColor(2))
        for file in files {
            let bytes: [UInt8]
            do { bytes = try readInput(file, limit: limits.limits.maxFileBytes) } catch let e as InputError {
                Output.standardError("error: \(e.message)\n")
                failed = true
                continue
            }
            let source = SourceFile(path: file, bytes: bytes)
            switch Formatter.format(source, limits: limits.limits) {
            case .failure(let e):
                Output.standardError(renderer.render(e.diagnostics.filter(\.isError)))
                Output.standardError("\(file): not formatted: it does not parse\n")
                failed = true
            case .success(let text):
                let changed = Array(text.utf8) != bytes
                if check {
                    if changed {
                        unformatted.append(file)
                        Output.standardOutput("\(file)\n")
                    }
                } else if write {
                    guard changed else { continue }
                    do {
                        try writeFile(text, to: file)
                    } catch {
                        Output.standardError("error: \(error)\n")
                        failed = true
                    }
                } else {
                    Output.standardOutput(text)
                }
            }
        }
        if check, !unformatted.isEmpty {
            Output.standardError("\(count(unformatted.count, "file")) not formatted; `dealrules fmt \(paths.joined(separator: " ")) --write` formats them\n")
            throw ExitCode(1)
        }
        if failed { throw ExitCode(1) }
    }
}

enum FileSystemProbe {
    static func isFile(_ path: String) -> Bool {
        RuleFiles.list([path]).files == [path]
    }
}
