import DealRules

/// The service's routes (docs/openapi.yaml): each a method and a path.
package enum Route: String, CaseIterable, Sendable {
    case healthz = "/healthz"
    case readyz = "/readyz"
    case metrics = "/metrics"
    case decide = "/v1/decide"
    case batch = "/v1/decide/batch"
    case whatif = "/v1/whatif"
    case avoid = "/v1/avoid"
    case missing = "/v1/missing"
    case why = "/v1/why"
    case scenario = "/v1/scenario"
    case since = "/v1/since"
    case rules = "/v1/rules"
    case rulesStatus = "/v1/rules/status"
    case dealSchema = "/v1/deal-schema"
    case openAPI = "/v1/openapi.yaml"
    /// The deal desk: the page and its two files (Resources/web/).
    case page = "/"
    case script = "/app.js"
    case style = "/style.css"

    package var method: String {
        switch self {
        case .decide, .batch, .whatif, .avoid, .missing, .why, .scenario, .since: "POST"
        case .healthz, .readyz, .metrics, .rules, .rulesStatus, .dealSchema, .openAPI, .page, .script, .style: "GET"
        }
    }

    /// Whether `--token-file` guards it: every `/v1` route; health, metrics and the page's
    /// files stay open (the page asks for the token, and sends it with what it asks).
    package var isGuarded: Bool { rawValue.hasPrefix("/v1/") }

    /// Whether the body is a deal or an object around one (and so under the deal size limit).
    var readsDeal: Bool { method == "POST" && self != .batch }

    /// The route for a path, or the error for a path no route has or a method it does not take.
    package static func find(method: String, path: String) throws(ServiceError) -> Route {
        guard let route = Route(rawValue: path) else {
            var e = ServiceError(Diagnostic(.routeNotFound, "no route is `\(path)`",
                                            help: Suggestions.didYouMean(path, allCases.map(\.rawValue))
                                                ?? "the routes are in docs/openapi.yaml (GET /v1/openapi.yaml)"))
            e.status = 404
            throw e
        }
        // HEAD is GET without the body (the server leaves the body out).
        guard route.method == method || (method == "HEAD" && route.method == "GET") else {
            var e = ServiceError(Diagnostic(.methodNotAllowed, "`\(path)` takes \(route.method), not \(method)",
                                            help: route.method == "POST" ? "send the body with POST" : "ask with GET"))
            e.headers = [("Allow", route.method == "GET" ? "GET, HEAD" : route.method)]
            throw e
        }
        return route
    }
}

/// A response, before it is HTTP.
package struct ServiceResponse: Sendable {
    package var status: Int
    package var contentType: String
    package var body: [UInt8]
    package var headers: [(String, String)] = []
    /// What `/v1/decide` decided, for the metrics and the decision log.
    package var decision: Decision?

    static func json(_ text: String, status: Int = 200) -> ServiceResponse {
        ServiceResponse(status: status, contentType: "application/json", body: Array((text + "\n").utf8))
    }

    init(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    package init(_ error: ServiceError) {
        self.init(status: error.status, contentType: "application/json", body: error.body, headers: error.headers)
    }
}

/// A request's query parameters, read strictly: a value the service cannot read is a 400.
package struct QueryOptions: Sendable {
    package var pretty = false
    package var explain = false
    package var today: Day?

    package init(_ query: [(String, String)]) throws(ServiceError) {
        for (key, value) in query {
            switch key {
            case "pretty": pretty = try Self.flag(key, value)
            case "explain": explain = try Self.flag(key, value)
            case "today":
                guard let d = Day.parse(value) else {
                    throw ServiceError(Diagnostic(.badRequest, "`today=\(value)` is not a date",
                                                  help: "write it as YYYY-MM-DD, a real day: today=2026-12-01"))
                }
                today = d
            default:
                continue  // unknown parameters are left alone, as proxies and caches add their own
            }
        }
    }

    private static func flag(_ key: String, _ value: String) throws(ServiceError) -> Bool {
        switch value {
        case "true": return true
        case "false": return false
        default:
            throw ServiceError(Diagnostic(.badRequest, "`\(key)=\(value)` is neither true nor false", help: "write \(key)=true or \(key)=false"))
        }
    }
}

/// The routes that answer from a whole body: decide one deal, give advice about one, and tell
/// about the rules. Pure (no HTTP, no I/O): the HTTP layer (`HTTPService`) reads the request,
/// and the tests call this directly.
package struct DecisionService: Sendable {
    package let state: RulesState
    /// The OpenAPI document served at `/v1/openapi.yaml`.
    package let openAPI: [UInt8]

    package init(state: RulesState, openAPI: [UInt8]) {
        self.state = state
        self.openAPI = openAPI
    }

    /// The answer for `route` (not the batch, which streams; not health or metrics, which the
    /// HTTP layer answers), decided with `served`.
    package func respond(_ route: Route, query: QueryOptions, body: [UInt8], served: ServedRules) -> ServiceResponse {
        do {
            return try answer(route, query, body, served)
        } catch {
            return ServiceResponse(error)
        }
    }

    private func answer(_ route: Route, _ q: QueryOptions, _ body: [UInt8], _ served: ServedRules) throws(ServiceError) -> ServiceResponse {
        let rules = served.ruleSet
        switch route {
        case .decide:
            let deal = try readDeal(body[...], rules)
            let decision = rules.decide(deal, today: q.today ?? Day.localToday(), explain: q.explain)
            var response = ServiceResponse.json(decision.json(pretty: q.pretty))
            response.decision = decision
            return response
        case .whatif:
            let request = try RequestObject(body, maxDepth: rules.limits.maxJSONDepth + 1)
            let deal = try readDeal(request, "deal", rules)
            guard let facts = try request.strings("facts") else {
                throw ServiceError(Diagnostic(.badRequest, "the request has no `facts`",
                                              help: "give `facts`: the changes, as the REPL's :whatif takes them, e.g. [\"region = US\"]"))
            }
            return try advise(.whatIf(facts), deal, rules, q) { [self] d in factError(d, facts, request, deal, rules, q) }
        case .avoid:
            let request = try RequestObject(body, maxDepth: rules.limits.maxJSONDepth + 1)
            let deal = try readDeal(request, "deal", rules)
            guard let name = try request.string("approval") else {
                throw ServiceError(Diagnostic(.badRequest, "the request has no `approval`",
                                              help: "give `approval`: the approval to avoid (\(rules.approvals.map(\.name).joined(separator: ", "))), or \"deny\""))
            }
            return try advise(.avoid(name == "deny" ? .deny : .approval(name)), deal, rules, q)
        case .missing, .why:
            let request = try RequestObject(body, maxDepth: rules.limits.maxJSONDepth + 1)
            let deal = try readDeal(request, "deal", rules)
            return try advise(route == .missing ? .missing : .why, deal, rules, q)
        case .scenario:
            let request = try RequestObject(body, maxDepth: rules.limits.maxJSONDepth + 1)
            let deal = try readDeal(request, "deal", rules)
            guard let name = try request.string("name"), !name.isEmpty else {
                throw ServiceError(Diagnostic(.badRequest, "the request has no `name`",
                                              help: "give `name`: what the scenario is called, e.g. \"Northwind renewal\""))
            }
            return try advise(.scenario(name: name), deal, rules, q)
        case .since:
            let request = try RequestObject(body, maxDepth: rules.limits.maxJSONDepth + 1)
            let approved = try readDeal(request, "approved", rules)
            let deal = try readDeal(request, "deal", rules)
            return try advise(.since(approved: approved), deal, rules, q)
        case .rules:
            return .json(rules.exportJSON(pretty: q.pretty))
        case .dealSchema:
            return .json(rules.dealSchemaJSON(pretty: q.pretty))
        case .rulesStatus:
            return .json(status(served, q.pretty))
        case .openAPI:
            return ServiceResponse(status: 200, contentType: "application/yaml", body: openAPI)
        case .page:
            return ServiceResponse(status: 200, contentType: "text/html; charset=utf-8", body: WebPage.html)
        case .script:
            return ServiceResponse(status: 200, contentType: "text/javascript; charset=utf-8", body: WebPage.script)
        case .style:
            return ServiceResponse(status: 200, contentType: "text/css; charset=utf-8", body: WebPage.style)
        case .batch, .healthz, .readyz, .metrics:
            preconditionFailure("\(route.rawValue) is answered by the HTTP layer")
        }
    }

    /// The deal that is the whole body (`/v1/decide`).
    private func readDeal(_ bytes: ArraySlice<UInt8>, _ rules: RuleSet, start: (line: Int, column: Int) = (1, 1)) throws(ServiceError) -> Deal {
        do {
            return try rules.deal(json: bytes, name: "deal")
        } catch {
            throw ServiceError(deal: error, startingAt: start)
        }
    }

    /// A deal that is a member of the request's object.
    private func readDeal(_ request: RequestObject, _ key: String, _ rules: RuleSet) throws(ServiceError) -> Deal {
        let bytes = try request.required(key, key == "approved" ? "the version of the deal that was approved" : "the deal, as /v1/decide takes it")
        return try readDeal(bytes, rules, start: request.place(of: key) ?? (1, 1))
    }

    private func advise(_ request: AdviceRequest, _ deal: Deal, _ rules: RuleSet, _ q: QueryOptions,
                        failure: (Diagnostic) -> ServiceError = { ServiceError($0) }) throws(ServiceError) -> ServiceResponse {
        do {
            return .json(try rules.adviceJSON(request, for: deal, today: q.today, pretty: q.pretty))
        } catch {
            let d = error.diagnostics.first { $0.isError } ?? error.diagnostics.first
                ?? Diagnostic(.badRequest, "the request cannot be answered")
            throw failure(d)
        }
    }

    /// A what-if fact that cannot be applied, placed in the body: the fact's string in `facts`,
    /// and the column within it (exact when the fact has no escapes).
    private func factError(_ d: Diagnostic, _ facts: [String], _ request: RequestObject, _ deal: Deal, _ rules: RuleSet,
                           _ q: QueryOptions) -> ServiceError {
        // Which fact: the first one that fails when they are applied one more at a time.
        var failing = facts.count - 1
        for i in facts.indices {
            do { _ = try rules.whatIf(Array(facts[...i]), on: deal, today: q.today) } catch {
                failing = i
                break
            }
        }
        guard let at = request.stringElementPlace("facts", failing) else { return ServiceError(d, status: 422) }
        let column = d.location.map { at.column + 1 + $0.column - 1 } ?? at.column
        return ServiceError(d, line: at.line, column: column, status: 422)
    }

    /// `GET /v1/rules/status`: the version served, when it loaded, its files, and the last
    /// reload (with the diagnostics of one that failed).
    private func status(_ served: ServedRules, _ pretty: Bool) -> String {
        let last = state.lastReload
        // Compact, as every body; with `pretty`, one member a line.
        let colon = pretty ? ": " : ":", comma = pretty ? ", " : ","
        func object(_ members: [(String, String)]) -> String {
            "{" + members.map { jsonString($0.0) + colon + $0.1 }.joined(separator: comma) + "}"
        }
        let files = served.ruleSet.files.map { object([("path", jsonString($0.path)), ("kind", $0.isCatalog ? "\"catalog\"" : "\"rules\"")]) }
        let members = [
            ("version", jsonString(served.version)),
            ("loaded_at", jsonString(served.loadedAt)),
            ("today", jsonString(Day.localToday().description)),
            ("rules", String(served.ruleSet.rules.count)),
            ("approvals", String(served.ruleSet.approvals.count)),
            ("files", "[" + files.joined(separator: comma) + "]"),
            ("warnings", served.warnings.filter { !$0.isError }.json(pretty: false)),
            ("last_reload", object([("at", jsonString(last.at)), ("cause", jsonString(last.cause)), ("succeeded", String(last.succeeded)),
                                    ("version", jsonString(last.version)), ("diagnostics", last.diagnostics.json(pretty: false))])),
        ]
        guard pretty else { return object(members) }
        return "{\n" + members.map { "  " + jsonString($0.0) + ": " + $0.1 }.joined(separator: ",\n") + "\n}"
    }
}

/// A JSON string literal (for the few members the service writes itself), as the library
/// escapes text.
func jsonString(_ s: String) -> String { jsonStringLiteral(s) }
