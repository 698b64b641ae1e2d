import DealRules
import Foundation
import Testing
@testable import DealRulesREPL

@Suite struct CompletionTests {
    let s = northwindSession()

    func candidates(_ prefix: String) -> [String] { s.complete(prefix).candidates }

    @Test func commands() {
        #expect(candidates(":") == Session.commands.map(\.name))
        #expect(candidates(":wh") == ["why", "whatif"])
        #expect(s.complete(":wh").start == 1)
        #expect(candidates(":help wh") == ["why", "whatif"])
    }

    @Test func fieldsAndItemFields() {
        #expect(candidates("disc") == ["discount"])
        #expect(candidates("d").contains("data_residency"))
        #expect(candidates("service.l") == ["lead_time"])
        #expect(s.complete("service.l").start == 8)
        #expect(candidates("services.") .contains("seats"))
        #expect(candidates("discount > 20% and reg") == ["region", "regulated"])
        #expect(candidates("unset dis") == ["discount"])
        #expect(candidates("add ") == ["service"])
        #expect(candidates("add service \"SIEM\" with se") == ["seats", "security_review"])
    }

    @Test func choiceValuesAfterAChoiceField() {
        #expect(candidates("region = ") == ["US", "EU", "UK", "APAC"])
        #expect(candidates("region is A") == ["APAC"])
        #expect(candidates("sla is not g") == ["gold"])
        #expect(candidates("sla in [gold, p") == ["platinum"])
        #expect(candidates("on_site = ") == ["yes", "no"])
        #expect(candidates("billing = q") == ["quarterly"])
    }

    @Test func catalogNamesInsideQuotes() {
        #expect(candidates("add service \"End") == ["Endpoint Protection\""])
        #expect(s.complete("add service \"End").start == 13)
        #expect(candidates("any service is \"Man").sorted() == ["Managed Backup\"", "Managed Firewall\""])
        s.type("add service \"Gizmo\"")
        #expect(candidates("remove service \"Gi") == ["Gizmo\""])
    }

    @Test func approvalsAndRules() {
        #expect(candidates(":why fin") == ["finance_approval"])
        #expect(candidates(":why deep") == ["deep_discount"])
        #expect(candidates(":avoid ") == ["delivery_approval", "finance_approval", "security_review", "exec_approval", "legal_review", "deny"])
        #expect(candidates(":whatif discount = 10%; reg") == ["region", "regulated"])
        #expect(candidates(":whatif sla = pl") == ["platinum"])
    }

    @Test func files() throws {
        let dir = try temporaryDirectory()
        try "x".write(to: dir.appendingPathComponent("a.rules"), atomically: true, encoding: .utf8)
        try "x".write(to: dir.appendingPathComponent("a.json"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        #expect(candidates(":load \(dir.path)/") == ["\(dir.path)/a.rules", "\(dir.path)/sub/"])
        #expect(candidates(":open \(dir.path)/a") == ["\(dir.path)/a.json"])
        #expect(candidates(":save \(dir.path)/a") == ["\(dir.path)/a.json", "\(dir.path)/a.rules"])
    }

    @Test func commonPrefix() {
        #expect(Completion(start: 0, candidates: ["finance_approval", "finance_review"]).commonPrefix == "finance_")
        #expect(Completion(start: 0, candidates: []).commonPrefix == "")
    }
}
