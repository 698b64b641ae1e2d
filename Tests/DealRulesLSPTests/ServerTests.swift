import DealRules
import DealRulesLSP
import Foundation
import Testing

/// The lifecycle and the errors the specification asks for, through a pipe, in process.
@Suite struct ServerTests {
    @Test func lifecycle() throws {
        let s = Session()
        // Before `initialize`, a request is refused (and a notification ignored).
        s.notify("textDocument/didOpen", .object([]))
        #expect(errorCode(try s.answer(s.request("textDocument/hover"))) == -32002)
        let reply = try s.initialize(root: path("samples/northwind"))
        #expect(reply?["result"]?["capabilities"]?["hoverProvider"] == .bool(true))
        #expect(reply?["result"]?["serverInfo"]?["name"] == "dealrules")
        // Unknown methods: an error for a request, nothing for a notification.
        s.notify("dealrules/whatever", .object([]))
        #expect(errorCode(try s.answer(s.request("dealrules/whatever"))) == -32601)
        // Missing parameters are invalid, not a crash.
        #expect(errorCode(try s.answer(s.request("textDocument/hover", .object([])))) == -32602)
        #expect(try s.answer(s.request("shutdown"))?["result"] == .null)
        #expect(errorCode(try s.answer(s.request("textDocument/hover"))) == -32600)
        s.notify("exit")
        #expect(s.finish() == 0)
    }

    @Test func exitWithoutShutdownIsStatusOne() throws {
        let s = Session()
        _ = try s.initialize()
        s.notify("exit")
        #expect(s.finish() == 1)
    }

    @Test func theEndOfTheInputStops() throws {
        let s = Session()
        _ = try s.initialize()
        #expect(s.finish() == 1)
    }

    @Test func messagesThatAreNotJSON() throws {
        let s = Session()
        _ = try s.initialize()
        s.write(Array("Content-Length: 5\r\n\r\n{oops".utf8))
        let reply = try s.next()
        #expect(errorCode(reply) == -32700)
        #expect(reply?["id"] == .null)
        s.write(Array("Content-Length: 2\r\n\r\n[]".utf8))
        #expect(errorCode(try s.next()) == -32600)
        // The server goes on.
        #expect(try s.answer(s.request("shutdown"))?["result"] == .null)
        s.notify("exit")
        #expect(s.finish() == 0)
    }

    @Test func aBrokenHeaderEndsTheSession() throws {
        let s = Session()
        _ = try s.initialize()
        s.write(Array("Content-Length: x\r\n\r\n".utf8))
        #expect(s.finish() == 1)
        // Everything written was a protocol message (next() throws on anything else).
        while try s.next() != nil {}
    }

    @Test func aRequestCancelledBeforeItIsReadIsAnsweredCancelled() throws {
        let initialize = JSON.object([("jsonrpc", "2.0"), ("id", 1), ("method", "initialize"), ("params", .object([("capabilities", .object([]))]))])
        let hover = JSON.object([("jsonrpc", "2.0"), ("id", 7), ("method", "workspace/symbol"), ("params", .object([("query", "")]))])
        let cancel = JSON.object([("jsonrpc", "2.0"), ("method", "$/cancelRequest"), ("params", .object([("id", 7)]))])
        let s = Session(before: Session.frame(initialize) + Session.frame(hover) + Session.frame(cancel))
        _ = try s.answer(1)
        #expect(errorCode(try s.answer(7)) == -32800)
        #expect(s.finish() == 1)
    }
}

/// Which files are one rule set (docs/editors.md).
@Suite struct RuleSetTests {
    func diagnostics(_ s: Session, for file: String) throws -> [JSON] {
        let uri = JSON.string(FileURI.uri(file))
        let found = try s.notification { $0["method"] == "textDocument/publishDiagnostics" && $0["params"]?["uri"] == uri }
        return found?["params"]?["diagnostics"]?.array ?? []
    }

    @Test func namedRuleSetsAndAFileOutsideThem() throws {
        let s = Session()
        _ = try s.initialize(root: path("samples"), options: .object([("ruleSets", ["northwind"])]))
        // A broken Northwind file is checked with the rest of Northwind: only its own error.
        let pricing = path("samples/northwind/pricing.rules")
        let text = try String(contentsOfFile: pricing, encoding: .utf8).replacingOccurrences(of: "when discount > 20%", with: "when discont > 20%")
        s.open(pricing, text: text)
        let found = try diagnostics(s, for: pricing)
        #expect(found.compactMap { $0["code"]?.string } == ["check.unknown-field"])
        #expect(found.first?["range"]?["start"] == position(3, 32))
        // A file of samples/bad is outside the rule set: checked alone, as `check FILE` would.
        let bad = path("samples/bad/unknown-field.rules")
        s.open(bad, text: try String(contentsOfFile: bad, encoding: .utf8))
        let alone = try diagnostics(s, for: bad)
        #expect(alone.contains { $0["code"] == "check.unknown-field" })
        #expect(try s.answer(s.request("shutdown"))?["result"] == .null)
        s.notify("exit")
        #expect(s.finish() == 0)
    }
}
