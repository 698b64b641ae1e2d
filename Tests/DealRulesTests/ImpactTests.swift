import Testing
@testable import DealRules

/// Impact analysis: the same deals under two rule sets.
@Suite struct ImpactTests {
    static let declarations = """
        choice tier: bronze, gold
        deal {
          discount: percent
          sla: tier
        }
        approval finance: "Finance"
        approval exec: "Executive"

        """

    func analysis(_ old: String, _ new: String, _ lines: [String]) throws -> ImpactAnalysis {
        var a = ImpactAnalysis(old: try load(Self.declarations + old), new: try load(Self.declarations + new),
                               today: Day(year: 2026, month: 12, day: 1)!)
        for l in lines { a.add(line: Array(l.utf8)) }
        return a
    }

    @Test func aTighterThresholdMovesDealsFromApprovedToNeedsApproval() throws {
        let a = try analysis("rule deep:\n  require finance when discount > 20%\n",
                             "rule deep:\n  require finance when discount > 10%\n",
                             [#"{"id": "A", "discount": 5}"#, #"{"id": "B", "discount": 15}"#, #"{"id": "C", "discount": 25}"#])
        #expect(a.deals == 3)
        #expect(a.changedDecision == 1)
        #expect(a.unchanged == 2)
        #expect(a.directions == [ImpactAnalysis.Direction(from: "approved", to: "needs_approval"): 1])
        let c = try #require(a.changes.first)
        #expect(c.id == "\"B\"")
        #expect(c.gained.map(\.rule) == ["deep"])
        #expect(c.gained.first?.approval == "finance")
        #expect(c.lost.isEmpty)
    }

    @Test func aDealThatKeepsItsDecisionButGainsAnApprovalIsReported() throws {
        let a = try analysis("rule deep:\n  require finance when discount > 20%\n",
                             "rule deep:\n  require finance, exec when discount > 20%\n",
                             [#"{"discount": 25}"#, #"{"discount": 5}"#])
        #expect(a.changedDecision == 0)
        #expect(a.changedEntries == 1)
        let c = try #require(a.changes.first)
        #expect(c.index == 0)
        #expect(c.gained.map(\.approval) == ["exec"])
    }

    @Test func aMissingFactAppearsAsAnUndeterminedEntryGainedOrLost() throws {
        let a = try analysis("rule deep:\n  require finance when discount > 20%\n",
                             "rule deep:\n  require finance when discount > 20% or sla is gold\n",
                             [#"{"discount": 5}"#])
        let c = try #require(a.changes.first)
        #expect(c.before == .decided(.approved))
        #expect(c.after == .decided(.incomplete))
        #expect(c.gained.map(\.fired) == [false])
        #expect(c.gained.first?.missing == ["sla"])
    }

    @Test func aLineOnlyOneSideCanReadIsAChangeAndOneNeitherCanReadIsUnreadable() throws {
        var a = ImpactAnalysis(old: try load("deal {\n  discount: percent\n}\nwarn when discount > 1%\n"),
                               new: try load("deal {\n  discount: percent\n  note: text\n}\nwarn when discount > 1%\n"),
                               today: Day(year: 2026, month: 12, day: 1)!)
        a.add(line: Array(#"{"discount": 5, "note": "x"}"#.utf8))
        a.add(line: Array(#"{"discount": "lots"}"#.utf8))
        a.add(tooLong: 1 << 30)
        #expect(a.deals == 3)
        #expect(a.changes.count == 1)
        #expect(a.changes.first?.before.description == "error")
        #expect(a.changes.first?.after == .decided(.approved))
        #expect(a.changes.first?.gained.map(\.kind) == [.warn])
        #expect(a.unreadable.map(\.index) == [1, 2])
        #expect(a.unreadable.map(\.error.code) == [.wrongValueType, .dealLimit])
        let json = a.json(old: "old", new: "new", pretty: false)
        #expect(json.contains(#""directions":[{"from":"error","to":"approved","count":1}]"#))
        #expect(json.contains(#""unreadable":2"#))
    }
}
