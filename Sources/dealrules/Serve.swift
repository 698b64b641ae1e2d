import ArgumentParser
import DealRulesCommandLine

import Glibc

/// `dealrules serve`: runs `dealrules-server`, installed beside this program, in this process's
/// place (same process id, so signals and a service manager reach the server itself).
///
/// The server is a program of its own because its libraries (SwiftNIO, Hummingbird,
/// swift-crypto) made every other command slower to start when they were linked into
/// `dealrules`: measured in the README's "Performance" (start-up).
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the rules over HTTP: decisions and advice as JSON, for the CRM and other tools.",
        discussion: "`dealrules serve --help` lists its options; docs/service.md tells how to run it."
    )

    @Argument(parsing: .captureForPassthrough, help: "What dealrules-server takes: RULES… and options.")
    var arguments: [String] = []

    func run() throws {
        Self.exec(arguments)
    }

    /// Replaces this process with `dealrules-server ARGS…`; on failure, says why and exits 1.
    static func exec(_ arguments: [String]) -> Never {
        let server = serverPath()
        guard access(server, X_OK) == 0 else {
            Output.standardError("error: `dealrules serve` runs dealrules-server, which is not beside this dealrules (\(server))\n"
                + "  = help: install both from the same build (`swift build -c release` makes both), or run dealrules-server yourself\n")
            Glibc.exit(1)
        }
        let argv = ([server] + arguments).map { strdup($0) } + [nil]
        execv(server, argv)
        Output.standardError("error: cannot run \(server): \(String(cString: strerror(errno)))\n")
        Glibc.exit(1)
    }

    /// `dealrules-server` in the folder this program was started from.
    static func serverPath() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let me = n > 0 ? String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
        let folder = me.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return (folder.isEmpty ? "." : folder) + "/dealrules-server"
    }
}
