import Foundation
import Testing
import DealRules
@testable import DealRulesServer

/// The pieces under the routes: batch bodies cut into deals, the rule-set version, tokens.
@Suite struct PartsTests {
    /// Cuts `body` fed in pieces of `step` bytes; the lines of the batch as text.
    func cut(_ kind: BatchSplitter.Kind, _ body: String, step: Int, max: Int = 1000) throws(ServiceError) -> [String] {
        var s = BatchSplitter(kind, maxDeal: max)
        var batch = DealBatch()
        let bytes = Array(body.utf8)
        var i = 0
        while i < bytes.count {
            try s.feed(bytes[i..<min(bytes.count, i + step)], into: &batch)
            i += step
        }
        try s.finish(into: &batch)
        var out: [UInt8] = []
        var decider = DealStreamDecider(rules: northwind.current.ruleSet, today: Day.parse("2026-12-01")!)
        decider.decide(batch, into: &out)
        return String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test(arguments: [1, 3, 1000])
    func jsonLinesAreCutAsEvalCutsThem(step: Int) throws {
        let body = "\u{FEFF}{\"discount\": 5}\r\n\n   \n{\"discount\": \"x\"}\n{\"discount\": 30}"
        let lines = try cut(.jsonLines, body, step: step)
        #expect(lines.count == 3)
        #expect(lines[1].contains("\"index\":1,\"error\""))
        #expect(lines[2].hasPrefix("{\"index\":2,"))
    }

    @Test(arguments: [1, 2, 1000])
    func arrayElementsAreDealsInTheirPlace(step: Int) throws {
        let body = "\u{FEFF} [ {\"discount\": 5, \"languages\": [\"a]\", \"b,\"]} ,\n {\"id\": \"q\\\"2\", \"discount\": \"x\"}, 7 ]\n"
        let lines = try cut(.jsonArray, body, step: step)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("{\"index\":0,\"decision\""))
        #expect(lines[1] == "{\"index\":1,\"id\":\"q\\\"2\",\"error\":{\"code\":\"deal.wrong-type\",\"message\":\"`discount`: `x` is not a percent\",\"help\":\"write it with `%`: `x%`\"}}")
        #expect(lines[2].contains("deal.not-an-object"))
        #expect(try cut(.jsonArray, "[]", step: 1).isEmpty)
    }

    @Test func aDealOverTheLimitIsAnsweredInPlaceWithoutBeingKept() throws {
        let big = "{\"customer\": \"" + String(repeating: "x", count: 2000) + "\"}"
        for kind in [BatchSplitter.Kind.jsonLines, .jsonArray] {
            let body = kind == .jsonLines ? "{}\n\(big)\n{}" : "[{}, \(big), {}]"
            let lines = try cut(kind, body, step: 7)
            #expect(lines.count == 3, "\(kind)")
            #expect(lines[1].contains("deal.limit"), "\(kind)")
        }
    }

    @Test func anArrayThatIsNotOneIsRefusedWithItsPlace() throws {
        for (body, line, column) in [("{\"discount\": 5}", 1, 1), ("\n  [{}] x", 2, 8), ("[{}, {}", 1, 8)] {
            do {
                _ = try cut(.jsonArray, body, step: 4)
                Issue.record("`\(body)` was taken")
            } catch {
                #expect(error.status == 400)
                #expect(error.diagnostic.code == .invalidJSON)
                #expect(error.line == line, "\(body)")
                #expect(error.column == column, "\(body)")
            }
        }
    }

    @Test func theVersionIsTheFilesNamesAndBytes() throws {
        let a = (path: "a.rules", bytes: Array("require x when y".utf8))
        let b = (path: "b.rules", bytes: [UInt8]())
        let v = ServedRules.version(of: [a, b])
        #expect(v.count == 64 && v.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(v == ServedRules.version(of: [a, b]))
        #expect(v != ServedRules.version(of: [b, a]))
        // A name's end cannot pass for the bytes' start.
        let moved = (path: "a.rulesr", bytes: Array("equire x when y".utf8))
        #expect(v != ServedRules.version(of: [moved, b]))
        // The empty input's digest, as any SHA-256 tool computes it.
        #expect(ServedRules.version(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func tokensComeFromTheFileAndAreCheckedWhole() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tokens-\(getpid())")
        try "# the CRM\ns3cret-one\n\n  two  \n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let tokens = try Tokens(path: file.path)
        #expect(tokens.allows("Bearer s3cret-one"))
        #expect(tokens.allows("bearer two"))
        for bad in [nil, "", "Bearer", "Bearer s3cret", "Bearer s3cret-one2", "Basic s3cret-one", "Bearer # the CRM"] as [String?] {
            #expect(!tokens.allows(bad), "\(bad ?? "nil")")
        }
        try "# nothing here\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(tokens.reload() != nil)
        #expect(tokens.allows("Bearer two"), "a token file that fails to read keeps the tokens before")
        #expect(throws: ServeFailure.self) { try Tokens(path: file.path) }
    }
}
