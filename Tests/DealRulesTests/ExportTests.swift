import Foundation
import Testing
@testable import DealRules

/// `dealrules compile --format json`: golden documents, and what a tool can read from them.
@Suite struct ExportTests {
    @Test func theSamplesExportAsTheirGoldenDocument() throws {
        let set = try RuleSet.load(paths: [path("samples/northwind")]).get()
        golden("Tests/DealRulesTests/Fixtures/compile/northwind.json", set.exportJSON() + "\n")
    }

    @Test func everyKindOfExpressionExportsAsItsGoldenDocument() throws {
        let set = try RuleSet.load(paths: [path("Tests/DealRulesTests/Fixtures/compile/every-node.rules")]).get()
        let text = set.exportJSON()
        golden("Tests/DealRulesTests/Fixtures/compile/every-node.json", text + "\n")
        // Every node kind the schema names appears at least once.
        let kinds = Set(nodeKinds(try JSONSerialization.jsonObject(with: Data(text.utf8))))
        let schema = try String(contentsOf: packageRoot.appendingPathComponent("grammar/dealrules-rule-set.schema.json"), encoding: .utf8)
        let named = try #require(schema.range(of: #""node": \{\s*"enum": \[([^\]]*)\]"#, options: .regularExpression))
        let listed = Set(schema[named].split(separator: "[")[1].split(separator: ",").map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: " \n\"]"))
        })
        #expect(listed.count > 20)
        #expect(listed.subtracting(kinds).isEmpty, "node kinds no fixture exports: \(listed.subtracting(kinds).sorted())")
        #expect(kinds.subtracting(listed).isEmpty, "node kinds the schema does not list: \(kinds.subtracting(listed).sorted())")
    }

    @Test func aToolFindsApprovalsRulesAndTypedConditionsWithoutTheSyntax() throws {
        let set = try load("""
            choice tier: bronze, gold
            deal {
              discount: percent
              sla: tier
            }
            approval finance: "Finance"
            rule deep:
              require finance when discount > 20% and sla is gold
            """)
        let doc = try #require(JSONSerialization.jsonObject(with: Data(set.exportJSON().utf8)) as? [String: Any])
        #expect(doc["format"] as? String == "dealrules.rule-set")
        let approvals = try #require(doc["approvals"] as? [[String: Any]])
        #expect(approvals.map { $0["name"] as? String } == ["finance"])
        let rule = try #require((doc["rules"] as? [[String: Any]])?.first)
        #expect(rule["name"] as? String == "deep")
        #expect(rule["condition_text"] as? String == "discount > 20% and sla is gold")
        let location = try #require(rule["location"] as? [String: Any])
        #expect(location["file"] as? String == "test.rules")
        #expect(location["line"] as? Int == 8)
        let condition = try #require(rule["condition"] as? [String: Any])
        #expect(condition["node"] as? String == "and")
        let operands = try #require(condition["operands"] as? [[String: Any]])
        let compare = operands[0]
        #expect(compare["op"] as? String == "greater")
        let right = try #require(compare["right"] as? [String: Any])
        #expect(right["value"] as? String == "20")
        #expect((right["type"] as? [String: Any])?["kind"] as? String == "percent")
        let choice = try #require(operands[1]["right"] as? [String: Any])
        #expect(choice["value"] as? String == "gold")
        #expect((choice["type"] as? [String: Any])?["name"] as? String == "tier")
    }

    private func nodeKinds(_ x: Any) -> [String] {
        if let d = x as? [String: Any] {
            return ((d["node"] as? String).map { [$0] } ?? []) + d.values.flatMap(nodeKinds)
        }
        if let a = x as? [Any] { return a.flatMap(nodeKinds) }
        return []
    }
}
