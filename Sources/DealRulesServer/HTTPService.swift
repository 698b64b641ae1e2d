import Dispatch
import DealRules
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

import Glibc

/// How `dealrules serve` was asked to run (docs/service.md).
package struct ServeConfiguration: Sendable {
    package var host = "127.0.0.1"
    package var port = 8080
    package var tokenFile: String?
    package var decisionLog: String?
    /// Log each request's body (deal contents); off by default.
    package var logDeals = false
    /// Seconds between looks at the rule files for a change; 0: only on SIGHUP.
    package var watchInterval = 1.0
    /// Seconds a connection may stay idle (also a client that stops sending mid-request).
    package var idleTimeout = 60.0
    /// Called once the server listens, with the port (the one the system chose for `--port 0`).
    package var onListening: @Sendable (_ host: String, _ port: Int) -> Void = { _, _ in }

    package init() {}
}

/// The HTTP service: Hummingbird's server with one responder that routes to the
/// `DecisionService` (whole bodies) or decides a batch as it streams in, plus the services that
/// run beside it (reloading the rules, flushing the decision log).
package final class HTTPService: Sendable {
    let configuration: ServeConfiguration
    let state: RulesState
    let service: DecisionService
    let tokens: Tokens?
    let decisionLog: DecisionLog?
    let metrics = ServiceMetrics()
    let logger: Logger
    /// Batches being decided now: a batch decides on every core only when it is alone.
    private let batchesInFlight = Atomic<Int>(0)
    private let draining = Atomic<Bool>(false)

    package init(configuration: ServeConfiguration, state: RulesState, openAPI: [UInt8], logger: Logger) throws(ServeFailure) {
        self.configuration = configuration
        self.state = state
        self.logger = logger
        service = DecisionService(state: state, openAPI: openAPI)
        tokens = try configuration.tokenFile.map { path throws(ServeFailure) in try Tokens(path: path) }
        decisionLog = try configuration.decisionLog.map { path throws(ServeFailure) in try DecisionLog(path: path) }
        metrics.serving(version: state.current.version)
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, answers what is in flight, flushes
    /// the decision log and returns.
    package func run() async throws {
        let responder = Responder(service: self)
        let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [ContinueHandler()],
                                               idleTimeout: .milliseconds(Int64(configuration.idleTimeout * 1000)))
        var app = Application(
            responder: responder,
            server: .http1(configuration: http1),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { [configuration] channel in
                configuration.onListening(configuration.host, channel.localAddress?.port ?? configuration.port)
            },
            logger: logger
        )
        app.addServices(Watcher(service: self))
        if let decisionLog { app.addServices(decisionLog) }
        app.addServices(Drain(service: self))
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    // MARK: Answering

    fileprivate func respond(to request: Request) async -> Response {
        let start = ContinuousClock.now
        let served = state.current
        var route: Route?
        var answer: Response
        do {
            let r = try Route.find(method: request.method.rawValue, path: request.uri.path)
            route = r
            if r.isGuarded, let tokens, !tokens.allows(request.headers[.authorization]) {
                var e = ServiceError(Diagnostic(.unauthorized, request.headers[.authorization] == nil
                                                    ? "this service needs a token" : "the token is not one this service accepts",
                                                help: "send `Authorization: Bearer TOKEN` with a token from the service's --token-file"))
                e.headers = [("WWW-Authenticate", "Bearer")]
                throw e
            }
            let query = try request.uri.query.map { _ in
                try QueryOptions(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
            } ?? QueryOptions([])
            switch r {
            case .healthz:
                answer = Self.response(.json("{\"status\": \"ok\"}"))
            case .readyz:
                answer = Self.response(draining.load(ordering: .relaxed)
                    ? ServiceResponse(ServiceError(Diagnostic(.notReady, "the service is shutting down", help: "send the request to another replica")))
                    : .json("{\"status\": \"ready\", \"version\": \"\(served.version)\"}"))
            case .metrics:
                metrics.serving(version: served.version)
                answer = Self.response(ServiceResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.text()))
            case .batch:
                answer = try await batch(request, query, served)
            default:
                let limit = served.ruleSet.limits.maxDealBytes * (r == .since ? 2 : 1)
                let body = try await Self.collect(request, limit: limit)
                if configuration.logDeals {
                    logger.info("request body", metadata: ["route": "\(r.rawValue)", "body": "\(String(decoding: body, as: UTF8.self))"])
                }
                let response = service.respond(r, query: query, body: body, served: served)
                if let decision = response.decision { record(decision, served) }
                answer = Self.response(response)
            }
        } catch let e as ServiceError {
            answer = Self.response(ServiceResponse(e))
        } catch {
            // The client went away, or its body could not be read.
            answer = Self.response(ServiceResponse(ServiceError(Diagnostic(.badRequest, "the request's body could not be read",
                                                                           help: "send the whole body, with Content-Length or chunked"))))
        }
        answer.headers[Self.versionHeader] = served.version
        if request.method == .head { answer.body = ResponseBody() }
        let status = Int(answer.status.code)
        metrics.request(route: route, status: status, duration: ContinuousClock.now - start)
        logger.debug("answered", metadata: ["method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "status": "\(status)"])
        return answer
    }

    /// The metrics and the decision log learn of a deal decided by `/v1/decide`.
    private func record(_ decision: Decision, _ served: ServedRules) {
        metrics.decided(decision.kind)
        decisionLog?.append([DecidedLine(decision, index: nil)], version: served.version)
    }

    static let versionHeader = HTTPField.Name("DealRules-Version")!

    static func response(_ r: ServiceResponse) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = r.contentType
        for (name, value) in r.headers { headers[HTTPField.Name(name)!] = value }
        return Response(status: HTTPResponse.Status(code: r.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: r.body)))
    }

    /// The whole body, refused as soon as it is over `limit` (by its Content-Length, or as it
    /// arrives).
    static func collect(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw tooLarge(length, limit)
        }
        var body: [UInt8] = []
        for try await chunk in request.body {
            body += chunk.readableBytesView
            if body.count > limit { throw tooLarge(body.count, limit) }
        }
        return body
    }

    private static func tooLarge(_ n: Int, _ limit: Int) -> ServiceError {
        ServiceError(Diagnostic(.dealLimit, "the body is \(n) bytes or more; the limit is \(limit)",
                                help: "the service's --max-deal-bytes sets it; a batch is not limited as a whole, only each deal in it"),
                     status: 413)
    }

    // MARK: The batch

    /// `POST /v1/decide/batch`: the deals are decided as they arrive and each answer line is
    /// sent as soon as its part of the body is decided, as `eval --deals` answers a stream.
    private func batch(_ request: Request, _ query: QueryOptions, _ served: ServedRules) async throws -> Response {
        let type = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? ""
        let kind: BatchSplitter.Kind
        switch type {
        case "application/x-ndjson", "application/jsonl", "application/json-lines", "application/x-jsonlines": kind = .jsonLines
        case "application/json": kind = .jsonArray
        default:
            throw ServiceError(Diagnostic(.unsupportedMediaType, type.isEmpty ? "the batch has no Content-Type" : "a batch cannot be `\(type)`",
                                          help: "send one deal a line as `Content-Type: application/x-ndjson`, or a JSON array as `application/json`"))
        }
        let rules = served.ruleSet
        var splitter = BatchSplitter(kind, maxDeal: rules.limits.maxDealBytes)
        let body = BodyIterator(request.body.makeAsyncIterator())
        // The first part is read before the answer starts, so that a body that is not an array
        // at all is a 400 rather than an error inside a 200.
        var first = DealBatch()
        if let chunk = try await body.next() { try splitter.feed(chunk.readableBytesView, into: &first) }
        let alone = batchesInFlight.add(1, ordering: .relaxed).newValue == 1
        let workers = alone ? served.workers : [rules]
        let today = query.today ?? Day.localToday(), explain = query.explain
        let log = decisionLog, metrics = self.metrics, version = served.version, logDeals = configuration.logDeals, logger = self.logger
        let inFlight = self, started = splitter, firstLines = first
        var headers = HTTPFields()
        headers[.contentType] = "application/x-ndjson"
        let responseBody = ResponseBody { writer in
            defer { inFlight.batchesInFlight.subtract(1, ordering: .relaxed) }
            // Body → deals → decisions → response, each hand-off bounded (Handoff.swift).
            let deals = Handoff(firstLines, limit: 4 << 20)
            let decided = Handoff<Parts>(limit: 2)
            let buffers = SpareBuffers()
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The reader: cuts the body into deals as it arrives.
                group.addTask {
                    var splitter = started
                    do {
                        while let chunk = try await body.next() {
                            if logDeals { logger.info("batch body", metadata: ["body": "\(String(decoding: chunk.readableBytesView, as: UTF8.self))"]) }
                            guard try await deals.give({ batch throws(ServiceError) in try splitter.feed(chunk.readableBytesView, into: &batch) }) else { return }
                        }
                        _ = try await deals.give { batch throws(ServiceError) in try splitter.finish(into: &batch) }
                        deals.end()
                    } catch let e as ServiceError {
                        deals.end(e)
                    } catch {
                        deals.end()  // the client went away: what it sent is answered, if it still listens
                    }
                }
                // The decider: decides what the reader gathered while the last part is written.
                group.addTask {
                    defer {
                        deals.close()
                        decided.end()
                    }
                    var decider = DealStreamDecider(workers: workers, today: today, explain: explain, records: log != nil)
                    var reported = SIMD4<Int>()
                    while true {
                        let (batch, error) = await deals.take()
                        if let batch {
                            var out = buffers.take()
                            decider.decide(batch, into: &out)
                            log?.append(decider.lines, version: version)
                            metrics.decisions(decider.kinds &- reported)
                            reported = decider.kinds
                            guard await decided.give({ $0.parts.append(out) }) else { return }
                            continue
                        }
                        if let error {
                            // The array broke off: what was decided stands; the error is the last line.
                            let line = Array((error.diagnostic.errorJSON(index: decider.index) + "\n").utf8)
                            _ = await decided.give { $0.parts.append(line) }
                        }
                        return
                    }
                }
                // The writer, here: the response is written from this task only.
                do {
                    while let parts = await decided.take().taken {
                        for part in parts.parts {
                            try await writer.write(ByteBuffer(bytes: part))
                            buffers.give(part)
                        }
                    }
                } catch {
                    decided.close()
                    throw error
                }
                try await group.waitForAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: responseBody)
    }

    // MARK: Reloading and draining

    /// Reloads on another thread (a large rule set takes a while to load), then logs and counts
    /// the outcome.
    func reload(cause: String) async {
        let state = self.state
        let outcome = await withCheckedContinuation { (c: CheckedContinuation<ReloadOutcome?, Never>) in
            DispatchQueue.global().async { c.resume(returning: state.reload(cause: cause)) }
        }
        guard let outcome else { return }
        metrics.reloaded(succeeded: outcome.succeeded)
        if outcome.succeeded {
            metrics.serving(version: outcome.version)
            logger.info("rules loaded", metadata: ["cause": "\(cause)", "version": "\(outcome.version)",
                                                    "rules": "\(state.current.ruleSet.rules.count)"])
        } else {
            let errors = outcome.diagnostics.filter(\.isError)
            let count = errors.count == 1 ? "1 error" : "\(errors.count) errors"
            logger.error("the new rules have \(count); version \(outcome.version) keeps serving\n\(DiagnosticRenderer().render(errors))",
                         metadata: ["cause": "\(cause)"])
        }
        if cause == "SIGHUP", let tokens, let failure = tokens.reload() {
            logger.error("the token file was not read again; the tokens before stay in force", metadata: ["why": "\(failure)"])
        }
    }

    /// Marks the service as draining (`/readyz` answers 503) when shutdown starts.
    fileprivate func drain() { draining.store(true, ordering: .relaxed) }
}

/// Hummingbird's entry: every request goes to `HTTPService.respond`.
private struct Responder: HTTPResponder {
    typealias Context = BasicRequestContext
    let service: HTTPService

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        await service.respond(to: request)
    }
}

/// The request body's iterator, handed to the response body's writer (one task uses it at a
/// time: first the responder, then the writer).
private final class BodyIterator: @unchecked Sendable {
    private var iterator: RequestBody.AsyncIterator
    init(_ iterator: RequestBody.AsyncIterator) { self.iterator = iterator }
    func next() async throws -> ByteBuffer? { try await iterator.next() }
}

/// Reloads on SIGHUP and, every `watchInterval`, when the rule files changed.
private struct Watcher: Service {
    let service: HTTPService

    func run() async throws {
        let interval = service.configuration.watchInterval
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
                    await service.reload(cause: "SIGHUP")
                }
            }
            if interval > 0 {
                group.addTask {
                    var seen = service.state.fingerprint()
                    while !Task.isShuttingDownGracefully && !Task.isCancelled {
                        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(interval * 1000))) }
                        let now = service.state.fingerprint()
                        if now != seen {
                            await service.reload(cause: "a file changed")
                            seen = service.state.fingerprint()
                        }
                    }
                }
            }
        }
    }
}

/// Marks the service draining at the start of a graceful shutdown.
private struct Drain: Service {
    let service: HTTPService

    func run() async throws {
        try? await gracefulShutdown()
        service.drain()
    }
}
