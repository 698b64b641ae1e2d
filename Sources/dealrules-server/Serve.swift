import ArgumentParser
import Dispatch
import DealRules
import DealRulesCommandLine
import DealRulesServer
import Logging

struct Serve: ParsableCommand {
    static let abstract = "Serve the rules over HTTP: decisions and advice as JSON, for the CRM and other tools."

    static let configuration = CommandConfiguration(
        commandName: "dealrules serve",
        abstract: Serve.abstract,
        discussion: """
            Routes (JSON in and out; docs/service.md, and docs/openapi.yaml, also at GET /v1/openapi.yaml): POST /v1/decide (one deal; ?explain=true, ?today=YYYY-MM-DD, ?pretty=true), POST /v1/decide/batch (JSON lines or a JSON array, answered line by line as it streams), POST /v1/whatif, /v1/avoid, /v1/missing, /v1/why, /v1/scenario and /v1/since (the REPL's advice), GET /v1/rules, /v1/rules/status, /v1/deal-schema, /healthz, /readyz and /metrics.

            Every answer carries DealRules-Version: the SHA-256 of the rule files it was decided with. The rules are loaded again on SIGHUP and when a file changes; a set that does not load leaves the old one serving. SIGTERM or SIGINT stops it gracefully.

            Exit status: 0 after a graceful stop; 1 when the rules have errors or the port cannot be had; 2 for a usage error.

            This is the program dealrules-server, which `dealrules serve` runs: it is installed beside dealrules, so that the other commands do not load the HTTP server's libraries when they start.

            EXAMPLES
              dealrules serve samples/northwind
              curl -s localhost:8080/v1/decide -d @samples/deals/needs-approval.json
              dealrules serve /etc/dealrules/rules --host 0.0.0.0 --port 8080 --token-file /etc/dealrules/tokens --decision-log /var/log/dealrules/decisions.jsonl
            """,
        version: Build.versionLine
    )

    @OptionGroup var rules: RulesArguments

    @Option(help: "The address to listen on; 127.0.0.1 takes only this machine's requests.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(help: ArgumentHelp("Require `Authorization: Bearer TOKEN` on /v1 routes, with a token from this file (one a line; read again on SIGHUP).",
                               valueName: "FILE"),
            completion: .file())
    var tokenFile: String?

    @Option(help: ArgumentHelp("Append one JSON line per decided deal to this file (written and fsynced every second).", valueName: "FILE"),
            completion: .file(extensions: ["jsonl"]))
    var decisionLog: String?

    @Flag(help: "Log the bodies of requests (deal contents); never logged otherwise.")
    var logDeals = false

    @Option(help: ArgumentHelp("Least severe log message to write to stderr.", valueName: "trace|debug|info|notice|warning|error|critical"))
    var logLevel = "info"

    @Option(help: ArgumentHelp("Seconds between looks for changed rule files (0: reload only on SIGHUP).", valueName: "SECONDS"))
    var watchInterval = 1.0

    @Option(help: ArgumentHelp("Seconds a connection may stay idle before it is closed.", valueName: "SECONDS"))
    var idleTimeout = 60.0

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port takes 0 to 65535") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level takes trace, debug, info, notice, warning, error or critical")
        }
        guard watchInterval >= 0 else { throw ValidationError("--watch-interval takes 0 or more seconds") }
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout takes more than 0 seconds") }
    }

    func run() throws {
        // The command keeps freed memory for its next load (main.swift); a service that runs for
        // months hands it back, so that its memory comes down after a burst.
        Allocator.returnFreedMemory()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let (loaded, diagnostics) = RulesState.load(paths: rules.paths, limits: rules.limits)
        guard let state = loaded else {
            let errors = diagnostics.filter(\.isError)
            Output.standardError(DiagnosticRenderer(color: Output.wantsColor(2)).render(errors))
            Output.standardError("the rules have \(count(errors.count, "error")); `dealrules check` shows them all\n")
            throw ExitCode(1)
        }
        var configuration = ServeConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.tokenFile = tokenFile
        configuration.decisionLog = decisionLog
        configuration.logDeals = logDeals
        configuration.watchInterval = watchInterval
        configuration.idleTimeout = idleTimeout
        let served = state.current
        configuration.onListening = { host, port in
            // One line on stdout, for people and for scripts that started it with --port 0.
            Output.standardOutput("dealrules serve: listening on http://\(host):\(port) with \(count(served.ruleSet.rules.count, "rule")), version \(served.version)\n")
            Output.flush()
        }
        let service: HTTPService
        do {
            service = try HTTPService(configuration: configuration, state: state, openAPI: OpenAPIDocument.bytes,
                                      logger: Logger(label: "dealrules.serve"))
        } catch {
            Output.standardError("error: \(error)\n")
            throw ExitCode(1)
        }
        let outcome = RunOutcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await service.run() } catch { outcome.failure = "\(error)" }
            done.signal()
        }
        done.wait()
        if let failure = outcome.failure {
            if failure.contains("errno: 98") {
                Output.standardError("error: port \(port) on \(host) is in use by another program\n"
                    + "  = help: stop that program, or choose another port with --port (--port 0 takes any free one)\n")
            } else if failure.contains("errno: 13") {
                Output.standardError("error: this user may not listen on port \(port)\n"
                    + "  = help: ports below 1024 need privileges; choose --port 8080, or run it as a service (docs/service.md)\n")
            } else {
                Output.standardError("error: \(failure)\n")
            }
            throw ExitCode(1)
        }
    }
}

/// How the server's task ended, read once it has signalled.
private final class RunOutcome: @unchecked Sendable {
    // @unchecked: written by the task before it signals the semaphore, read after the wait.
    var failure: String?
}
