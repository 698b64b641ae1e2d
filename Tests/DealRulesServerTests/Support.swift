import Foundation
import DealRules
@testable import DealRulesServer

/// The package's root folder.
let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func path(_ relative: String) -> String { packageRoot.appendingPathComponent(relative).path }

/// The samples' rules, served.
let northwind: RulesState = {
    guard let state = RulesState.load(paths: [path("samples/northwind")], limits: .default).state else {
        fatalError("samples/northwind does not load")
    }
    return state
}()

let service = DecisionService(state: northwind, openAPI: OpenAPIDocument.bytes)

/// A sample deal's bytes.
func sample(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: packageRoot.appendingPathComponent("samples/deals/\(name)")))
}

/// Asks the service as the HTTP layer would, with the body given as text or bytes.
func ask(_ route: Route, _ body: [UInt8], query: [(String, String)] = []) throws -> ServiceResponse {
    service.respond(route, query: try QueryOptions(query), body: body, served: northwind.current)
}

func ask(_ route: Route, _ body: String, query: [(String, String)] = []) throws -> ServiceResponse {
    try ask(route, Array(body.utf8), query: query)
}

extension ServiceResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
    /// The body as JSON.
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    var error: [String: Any] { object["error"] as? [String: Any] ?? [:] }
}
