import Foundation
import Testing
import DealRules
@testable import DealRulesServer

/// The routes that answer from a whole body (`Sources/DealRulesServer/DecisionService.swift`):
/// the same bytes as the library's encoders, and each kind of bad request with its status,
/// code and place.
@Suite struct DecisionServiceTests {
    let rules = northwind.current.ruleSet

    @Test(arguments: ["approved.json", "blocked.json", "incomplete.json", "needs-approval.json"])
    func decideAnswersWhatEvalPrints(_ name: String) throws {
        let bytes = try sample(name)
        let deal = try rules.deal(json: bytes)
        for pretty in [false, true] {
            let r = try ask(.decide, bytes, query: [("pretty", String(pretty)), ("today", "2026-12-01")])
            #expect(r.status == 200)
            #expect(r.contentType == "application/json")
            #expect(r.text == rules.decide(deal, today: Day.parse("2026-12-01")!).json(pretty: pretty) + "\n")
        }
        let explained = try ask(.decide, bytes, query: [("explain", "true"), ("today", "2026-12-01")])
        #expect(explained.text == rules.decide(deal, today: Day.parse("2026-12-01")!, explain: true).json() + "\n")
    }

    @Test func aBodyThatIsNotJSONIs400WithItsLineAndColumn() throws {
        let r = try ask(.decide, "{\n  \"discount\": 25,\n  oops\n}")
        #expect(r.status == 400)
        #expect(r.error["code"] as? String == "deal.invalid-json")
        #expect(r.error["line"] as? Int == 3)
        #expect(r.error["column"] as? Int == 3)
        #expect(try ask(.decide, "").status == 400)
    }

    @Test func aDealThatDoesNotFitIs422WithEvalsError() throws {
        let body = "{\"discount\": \"lots\"}"
        let r = try ask(.decide, body)
        #expect(r.status == 422)
        let expected: Diagnostic
        do {
            _ = try rules.deal(json: body)
            Issue.record("the deal was read")
            return
        } catch {
            expected = error
        }
        #expect(r.error["code"] as? String == expected.code.rawValue)
        #expect(r.error["message"] as? String == expected.message)
        #expect(r.error["help"] as? String == expected.help)
        #expect(r.error["line"] as? Int == 1)
        #expect(r.error["column"] as? Int == expected.location?.column)
        #expect(try ask(.decide, "{\"colour\": 1}").error["code"] as? String == "deal.unknown-field")
    }

    @Test func badQueryParametersAre400() throws {
        for (key, value) in [("today", "2026-02-30"), ("pretty", "yes please"), ("explain", "maybe")] {
            #expect(throws: ServiceError.self) { try QueryOptions([(key, value)]) }
        }
        // Parameters the service does not know are left alone (proxies add their own).
        #expect(try QueryOptions([("utm_source", "crm")]).pretty == false)
    }

    @Test func adviceRoutesAnswerTheLibrarysForms() throws {
        let bytes = try sample("needs-approval.json")
        let deal = try rules.deal(json: bytes)
        let dealText = String(decoding: bytes, as: UTF8.self)
        let cases: [(Route, String, AdviceRequest)] = [
            (.missing, "{\"deal\": \(dealText)}", .missing),
            (.why, "{\"deal\": \(dealText)}", .why),
            (.whatif, "{\"deal\": \(dealText), \"facts\": [\"region = US\", \"discount = 15%\"]}", .whatIf(["region = US", "discount = 15%"])),
            (.avoid, "{\"approval\": \"finance_approval\", \"deal\": \(dealText)}", .avoid(.approval("finance_approval"))),
            (.avoid, "{\"approval\": \"deny\", \"deal\": \(dealText)}", .avoid(.deny)),
            (.scenario, "{\"deal\": \(dealText), \"name\": \"Fabrikam \\\"renewal\\\"\"}", .scenario(name: "Fabrikam \"renewal\"")),
            (.since, "{\"approved\": \(dealText), \"deal\": \(dealText)}", .since(approved: deal)),
        ]
        for (route, body, request) in cases {
            let r = try ask(route, body, query: [("today", "2026-12-01")])
            #expect(r.status == 200, "\(route): \(r.text)")
            #expect(r.text == (try rules.adviceJSON(request, for: deal, today: Day.parse("2026-12-01"))) + "\n", "\(route)")
        }
    }

    @Test func adviceRequestsThatLackAMemberSayWhich() throws {
        let cases: [(Route, String, String)] = [
            (.missing, "{}", "the request has no `deal`"),
            (.whatif, "{\"deal\": {}}", "the request has no `facts`"),
            (.avoid, "{\"deal\": {}}", "the request has no `approval`"),
            (.scenario, "{\"deal\": {}, \"name\": \"\"}", "the request has no `name`"),
            (.since, "{\"deal\": {}}", "the request has no `approved`"),
            (.whatif, "{\"deal\": {}, \"facts\": \"region = US\"}", "`facts` must be an array of strings"),
            (.avoid, "{\"deal\": {}, \"approval\": 3}", "`approval` must be a string"),
        ]
        for (route, body, message) in cases {
            let r = try ask(route, body)
            #expect(r.status == 400, "\(route) \(body)")
            #expect(r.error["code"] as? String == "service.bad-request")
            #expect(r.error["message"] as? String == message)
        }
    }

    @Test func aBadDealInsideARequestIsPlacedInTheBody() throws {
        // The deal starts on line 2, column 11; its error is on its own line 1, column 14.
        let r = try ask(.missing, "{\n  \"deal\": {\"discount\": \"lots\"}\n}")
        #expect(r.status == 422)
        #expect(r.error["code"] as? String == "deal.wrong-type")
        #expect(r.error["line"] as? Int == 2)
        #expect(r.error["column"] as? Int == 11 + 14 - 1)
    }

    @Test func aFactThatCannotBeAppliedIs422AtTheFact() throws {
        let r = try ask(.whatif, "{\"deal\": {},\n \"facts\": [\"region = US\", \"discount = lots\"]}")
        #expect(r.status == 422)
        #expect(r.error["line"] as? Int == 2)
        // The second fact's string starts at column 27; `lots` is its 12th character.
        #expect(r.error["column"] as? Int == 27 + 1 + 11)
        let unknown = try ask(.avoid, "{\"deal\": {}, \"approval\": \"financ\"}")
        #expect(unknown.status == 422)
        #expect(unknown.error["help"] as? String == "did you mean `finance_approval`?")
    }

    @Test func malformedRequestObjectsAre400() throws {
        for body in ["[1]", "{\"deal\": {}} x", "{\"deal\": {}, }", "{\"deal\": [1,]}", "{\"deal\": {}, \"deal\": {}}", "{\"a\": \"\\q\"}", "{\"a\": 01}"] {
            let r = try ask(.missing, body)
            #expect(r.status == 400 || r.error["code"] as? String == "deal.duplicate-key", "\(body)")
            #expect(r.error["line"] as? Int == 1, "\(body)")
        }
    }

    @Test func routesAndMethods() throws {
        #expect(try Route.find(method: "POST", path: "/v1/decide") == .decide)
        #expect(try Route.find(method: "HEAD", path: "/healthz") == .healthz)
        do {
            _ = try Route.find(method: "GET", path: "/v1/decide")
            Issue.record("GET /v1/decide was routed")
        } catch {
            #expect(error.status == 405)
            #expect(error.headers.first { $0.0 == "Allow" }?.1 == "POST")
        }
        do {
            _ = try Route.find(method: "POST", path: "/v1/decid")
            Issue.record("a path no route has was routed")
        } catch {
            #expect(error.status == 404)
            #expect(error.diagnostic.help == "did you mean `/v1/decide`?")
        }
        // Every route is in the OpenAPI document, and nothing else is.
        let document = String(decoding: OpenAPIDocument.bytes, as: UTF8.self)
        let documented = Set(document.split(separator: "\n").filter { $0.hasPrefix("  /") }.map { String($0.dropFirst(2).dropLast()) })
        #expect(documented == Set(Route.allCases.map(\.rawValue)))
    }

    @Test func theDealDeskIsServedFromTheBinary() throws {
        let page = try ask(.page, "")
        #expect(page.status == 200)
        #expect(page.contentType == "text/html; charset=utf-8")
        #expect(page.text.contains("<script type=\"module\" src=\"/app.js\">"))
        #expect(try ask(.script, "").contentType == "text/javascript; charset=utf-8")
        #expect(try ask(.script, "").text.contains("/v1/deal-schema"))
        #expect(try ask(.style, "").contentType == "text/css; charset=utf-8")
        #expect(!Route.page.isGuarded && !Route.script.isGuarded && Route.decide.isGuarded)
    }

    @Test func rulesRoutesAnswerTheExports() throws {
        #expect(try ask(.rules, "").text == rules.exportJSON(pretty: false) + "\n")
        #expect(try ask(.dealSchema, "", query: [("pretty", "true")]).text == rules.dealSchemaJSON(pretty: true) + "\n")
        let status = try ask(.rulesStatus, "").object
        #expect(status["version"] as? String == northwind.current.version)
        #expect((status["last_reload"] as? [String: Any])?["cause"] as? String == "start")
        #expect((status["files"] as? [[String: Any]])?.count == rules.files.count)
    }
}
