import DealRules
import DealRulesServer
import Foundation

// MARK: The HTTP service

extension FuzzHarness {
    /// An HTTP request to the service, in process and through its router, with the sample rules
    /// served: a first line `METHOD PATH[?QUERY]`, then the body. Checks that
    /// - no request gets a 5xx, and every JSON answer is JSON (an error with its `code`);
    /// - `/v1/decide` answers what the library decides, or refuses the deal with the library's
    ///   code;
    /// - a batch body cut into pieces anywhere is answered, line for line, as the whole body.
    public static func service(_ bytes: UnsafeBufferPointer<UInt8>) {
        let input = Array(bytes)
        let cut = input.firstIndex(of: UInt8(ascii: "\n")) ?? input.count
        let head = String(decoding: input[..<cut], as: UTF8.self).split(separator: " ", maxSplits: 1).map(String.init)
        let body = cut < input.count ? Array(input[(cut + 1)...]) : []
        guard head.count == 2 else { return }
        let target = head[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var query = target.count > 1 ? target[1].split(separator: "&").map { pair -> (String, String) in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(kv[0]), kv.count > 1 ? String(kv[1]) : "")
        } : []
        // Decisions on a fixed day unless the request names one, so that a failure replays.
        if !query.contains(where: { $0.0 == "today" }) { query.append(("today", "2026-12-01")) }
        let route: Route
        let options: QueryOptions
        do {
            route = try Route.find(method: head[0], path: target[0])
            options = try QueryOptions(query)
        } catch {
            check(ServiceResponse(error), "\(head[0]) \(head[1])")
            return
        }
        let served = servedSamples.current
        switch route {
        case .healthz, .readyz, .metrics:
            return  // the HTTP layer answers these
        case .batch:
            batch(body, served.ruleSet, today: options.today!, step: Int(body.first ?? 1) % 13 + 1)
        default:
            let response = DecisionService(state: servedSamples, openAPI: []).respond(route, query: options, body: body, served: served)
            check(response, "\(head[0]) \(head[1])")
            guard route == .decide else { return }
            // The service decides as the library does.
            let rules = served.ruleSet
            do throws(Diagnostic) {
                let decision = rules.decide(try rules.deal(json: body), today: options.today!, explain: options.explain)
                if response.status != 200 || response.decision != decision {
                    violated("/v1/decide answered \(response.status) \(String(decoding: response.body, as: UTF8.self)), the library \(decision.json())")
                }
            } catch {
                let text = String(decoding: response.body, as: UTF8.self)
                if response.status == 200 || !text.contains("\"code\":\"\(error.code.rawValue)\"") && !text.contains("\"code\": \"\(error.code.rawValue)\"") {
                    violated("/v1/decide answered \(response.status) \(text), the library refused it with \(error.code.rawValue)")
                }
            }
        }
    }

    /// No server error, and a JSON answer is JSON (an error has a `code`).
    static func check(_ response: ServiceResponse, _ request: String) {
        if !(200..<500).contains(response.status) {
            violated("\(request) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        guard response.contentType.hasPrefix("application/json") else { return }
        guard let value = try? JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed]) else {
            violated("\(request) answered \(response.status) with JSON that is not JSON: \(String(decoding: response.body, as: UTF8.self))")
        }
        if response.status >= 400, ((value as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == nil {
            violated("\(request) answered \(response.status) without an error code: \(String(decoding: response.body, as: UTF8.self))")
        }
    }

    /// A batch body fed whole and fed in pieces of `step` bytes: the same lines, in the same
    /// order, and the same error at the end (as JSON lines and as a JSON array).
    static func batch(_ body: [UInt8], _ rules: RuleSet, today: Day, step: Int) {
        for kind in [BatchSplitter.Kind.jsonLines, .jsonArray] {
            func answer(_ step: Int) -> String {
                var splitter = BatchSplitter(kind, maxDeal: rules.limits.maxDealBytes)
                var batch = DealBatch()
                var out: [UInt8] = []
                var failure = ""
                do throws(ServiceError) {
                    var i = 0
                    while i < body.count {
                        try splitter.feed(body[i..<min(body.count, i + step)], into: &batch)
                        i += step
                    }
                    try splitter.finish(into: &batch)
                } catch {
                    failure = "error \(error.status): " + String(decoding: error.body, as: UTF8.self)
                }
                var decider = DealStreamDecider(rules: rules, today: today)
                decider.decide(batch, into: &out)
                return String(decoding: out, as: UTF8.self) + failure
            }
            let whole = answer(max(1, body.count)), pieces = answer(step)
            if whole != pieces {
                violated("a \(kind) batch cut every \(step) bytes is answered differently:\n\(pieces)\n---\n\(whole)")
            }
        }
    }

    /// The sample rules, served (`DEALRULES_SAMPLES`, else samples/northwind).
    static let servedSamples: RulesState = {
        guard let state = RulesState.load(paths: [samplesPath], limits: .default).state else {
            fatalError("the samples at \(samplesPath) do not load")
        }
        return state
    }()

    /// Requests from the samples: each route with a sample deal, the objects around it, and bodies
    /// that are not what the route takes.
    static func serviceSeeds(root: String) -> [[UInt8]] {
        let deals = root + "/samples/deals"
        let one = String(decoding: (try? readWhole(deals + "/needs-approval.json")) ?? Array("{}".utf8), as: UTF8.self)
        let stream = String(decoding: (try? readWhole(deals + "/stream.jsonl")) ?? [], as: UTF8.self)
        let lines = stream.split(separator: "\n").map(String.init)
        let requests = [
            "POST /v1/decide\n" + one,
            "POST /v1/decide?explain=true&pretty=true\n" + one,
            "POST /v1/decide?today=2027-01-31\n{\"discount\": 25, \"region\": \"EU\"}",
            "POST /v1/decide\n{\"discount\": \"lots\"}",
            "POST /v1/decide\n[1, 2",
            "POST /v1/decide/batch\n" + stream,
            "POST /v1/decide/batch\n[" + lines.joined(separator: ",\n") + "]",
            "POST /v1/decide/batch\n[{\"discount\": 5}, {\"discount\": \"x\"}, nope]",
            "POST /v1/whatif\n{\"deal\": \(one), \"facts\": [\"region = US\", \"discount = 5%\"]}",
            "POST /v1/avoid\n{\"deal\": \(one), \"approval\": \"finance_approval\"}",
            "POST /v1/avoid\n{\"deal\": \(one), \"approval\": \"deny\"}",
            "POST /v1/missing\n{\"deal\": {}}",
            "POST /v1/why\n{\"deal\": \(one)}",
            "POST /v1/scenario\n{\"deal\": \(one), \"name\": \"renewal\"}",
            "POST /v1/since\n{\"approved\": {\"discount\": 5}, \"deal\": \(one)}",
            "GET /v1/rules?pretty=true\n",
            "GET /v1/deal-schema\n",
            "GET /v1/rules/status\n",
            "GET /v1/decide\n",
            "DELETE /v1/rules\n",
            "POST /v1/nope\n{}",
            "POST /v1/decide?pretty=maybe\n{}",
        ]
        return requests.map { Array($0.utf8) }
    }
}
