import DealRules
import Foundation
import Testing
@testable import DealRulesREPL

@Suite struct SessionTests {
    @Test func factsChangeTheDealAndMarkWhatChanged() {
        let s = northwindSession()
        #expect(s.greeting == "loaded 30 rules from 8 files")
        let first = s.run("discount = 25%")
        #expect(first.output.hasPrefix("→ INCOMPLETE — needs "))
        #expect(!first.output.contains("+"), "no marks on the first decision")
        let second = s.run("region = EU")
        #expect(!second.failed)
        let third = s.run("add service \"Dark Web Monitoring\"")
        #expect(third.output.contains("+Service Delivery"))
        let fourth = s.run("remove service \"Dark Web Monitoring\"")
        #expect(fourth.output.contains("−Service Delivery"))
        let fifth = s.run("discount = 10%")
        #expect(fifth.output.contains("−Finance"))
        #expect(s.run(":deal").output.hasPrefix("region = EU\ndiscount = 10%\nservices = []"))
    }

    @Test func questionsPrintValuesOrWhatTheyNeed() {
        let s = northwindSession()
        s.type("discount = 25%")
        #expect(s.run("discount is 25%").output == "yes")
        #expect(s.run("discount > 30%").output == "no")
        #expect(s.run("discount > 20% and term < 12 months").output == "unknown — needs term")
        #expect(s.run("discount + 5%").output == "30%")
        #expect(s.run("today + 1 month").output == "2027-01-01")
        #expect(s.run("\"SIEM\"").output == "\"SIEM\"")
        s.type("add service \"SIEM\" with seats = 30")
        #expect(s.run("count of services").output == "1")
        #expect(s.run("services").output == "[SIEM]")
        #expect(s.run("total / 0").output == "unknown — needs total")
        s.type("total = $100")
        #expect(s.run("total / 0").output == "error (division by zero)")
    }

    @Test func mistakesNeverEndTheSessionOrChangeTheDeal() {
        let s = northwindSession()
        s.type("discount = 25%")
        let deal = s.draft
        let r = s.run("discont = 5%")
        #expect(r.failed)
        #expect(r.output == "  discont = 5%\n  ^~~~~~~\nerror: unknown field `discont`\n  = help: did you mean `discount`?")
        #expect(s.run("region = EUR").output.contains("did you mean `EU`?"))
        #expect(s.run("discount = 25").output.contains("write `25%`"))
        // One error where the second sign is, not a second one for the same character.
        #expect(s.run("discount = 5%%").output == "  discount = 5%%\n               ^\nerror: a percent takes one `%`\n  = help: write `20%`")
        #expect(s.run("remove service \"SIEM\"").output.contains("the deal has no service named \"SIEM\""))
        #expect(s.run("total = list_price * 90%").output.contains("the value is unknown: it needs `list_price`"))
        #expect(s.run("service.seats = 3").output.contains("add service \"NAME\" with seats = …"))
        #expect(s.run(":frobnicate").output.contains("unknown command `:frobnicate`"))
        #expect(s.run(":wy").output.contains("did you mean `:why`?"))
        #expect(s.run("((((").failed)
        #expect(s.run("\u{0}\u{7F}é").failed)
        #expect(s.draft == deal)
    }

    @Test func unfinishedInputAsksForMore() {
        let s = northwindSession()
        for text in ["discount > 20% and", "(discount > 20%", "region in [US,", "deal {", "rule r:", "require finance_approval when",
                     "discount >", "add service \"SIEM\" with seats ="] {
            #expect(s.needsMore(text), "\(text)")
        }
        for text in ["discount > 20%", "region = EU", ":why", "rule r: warn when discount > 1%", "\"open text", ""] {
            #expect(!s.needsMore(text), "\(text)")
        }
        #expect(s.run("discount > 20% and\n  region is EU").output == "unknown — needs discount, region")
        // A fact cut short at the end of input is reported as the fact it is, where it stops.
        let cut = s.run("add service \"SIEM\" with seats = -")
        #expect(cut.failed)
        #expect(cut.output.hasSuffix("error: expected a value or condition after `-`"))
        #expect(!cut.output.contains("found `add`"))
        #expect(s.draft.isEmpty)
    }

    @Test func rulesTypedHereJoinUntilReload() {
        let s = northwindSession()
        s.type("discount = 12%")
        let added = s.run("require legal_review when discount > 10%")
        #expect(added.output.hasPrefix("added rule <repl>#1"))
        #expect(added.output.contains("NEEDS APPROVAL — Legal") || added.output.contains("+Legal"))
        let named = s.run("rule tiny:\n  warn when discount > 1%")
        #expect(named.output.hasPrefix("added rule tiny"))
        #expect(s.rules.rules.map(\.name).suffix(2) == ["<repl>#1", "tiny"])
        #expect(s.run(":rules legal").output.contains("<repl>#1 (typed here): require legal_review when discount > 10%"))
        #expect(s.run("warn when discount > 2%").output.hasPrefix("added rule <repl>#2"))
        let bad = s.run("require legal_reveiw when discount > 10%")
        #expect(bad.failed)
        #expect(bad.output.contains("did you mean `legal_review`?"))
        #expect(bad.output.hasPrefix("  require legal_reveiw when discount > 10%\n          ^"))
        #expect(s.run(":reload").output.hasPrefix("reloaded 30 rules"))
        #expect(!s.rules.rules.contains { $0.name == "tiny" })
    }

    @Test func undoAndReset() {
        let s = northwindSession()
        s.type("discount = 25%", "region = EU")
        s.type(":undo")
        #expect(s.draft.fields["region"] == nil)
        #expect(s.draft.fields["discount"] != nil)
        #expect(s.run(":reset").output == "the deal is empty now (`:undo` brings it back)")
        #expect(s.draft.isEmpty)
        s.type(":undo")
        #expect(s.draft.fields["discount"] != nil)
        #expect(northwindSession().run(":undo").output == "nothing to undo")
    }

    @Test func whatIfShowsOnlyWhatChangesAndKeepsTheDeal() {
        let s = northwindSession()
        s.type("discount = 25%", "region = EU")
        let before = s.draft
        let r = s.run(":whatif discount = 15%; region = US")
        #expect(r.output == "with discount = 15%; region = US:\n  − Finance")
        #expect(s.draft == before)
        #expect(s.run(":whatif region = EU").output == "with region = EU: nothing would change")
        #expect(s.run(":whatif discont = 1%").failed)
        #expect(s.run(":whatif").failed)
    }

    @Test func whyShowsValuesAndNearMisses() {
        let s = northwindSession()
        s.type("discount = 25%", "region = EU", "add service \"SIEM\" with seats = 30")
        let why = s.run(":why").output
        #expect(why.contains("Finance (finance_approval)\n  deep_discount: discount (25%) > 20%\n    “Discounts above 20% eat the delivery margin”"))
        #expect(why.contains("region_not_served (SIEM): outside_footprint (yes)\n    where outside_footprint: service (SIEM) in catalog and region (EU) not in service.regions ([US, UK])"))
        s.type("discount = 19%")
        let near = s.run(":why").output
        #expect(near.contains("Near misses\n  discount 19%: 1 point under deep_discount"))
        #expect(s.run(":why deep_discount").output.contains("Near misses\n  discount 19%: 1 point under deep_discount"))
        #expect(s.run(":why finance_approval").output.contains("no rule of that kind fired"))
        #expect(s.run(":why nothing").failed)
    }

    @Test func avoidSuggestionsAreCheckedByDecidingThem() throws {
        let s = northwindSession()
        s.type("discount = 25%", "region = EU", "term = 36 months", "start = 2027-01-10", "total = $100,000",
               "list_price = $133,333", "sla = gold", "customer = \"Fabrikam\"", "add service \"SIEM\" with seats = 30",
               "add service \"Dark Web Monitoring\"")
        let out = s.run(":avoid finance_approval").output
        #expect(out.hasPrefix("to avoid finance_approval (Finance), change one of:\n  discount ≤ 20%  (now 25%)"))
        // Two rules need Service Delivery here: no change of one fact removes both; a pair does.
        let pair = s.rules.avoid(.approval("delivery_approval"), in: s.draft, today: today)
        #expect(pair.triedPairs && pair.suggestions.count == 1 && pair.suggestions[0].changes.count == 2)
        #expect(s.run(":avoid delivery_approval").output.hasPrefix("no change of one fact avoids delivery_approval (Service Delivery); changing two does:\n"))
        let us = northwindSession()
        us.type("region = US", "add service \"Dark Web Monitoring\" with seats = 10")
        #expect(us.rules.avoid(.approval("delivery_approval"), in: us.draft, today: today).suggestions.map(\.changes[0].fact)
            == ["remove service \"Dark Web Monitoring\""])
        // Every suggestion, typed at the prompt as it is shown, removes what it claims to.
        for target in [AvoidTarget.approval("finance_approval"), .approval("security_review"), .approval("delivery_approval")] {
            for suggestion in s.rules.avoid(target, in: s.draft, today: today).suggestions {
                let typed = northwindSession()
                typed.type(":open " + (try saved(s)))
                let fact = suggestion.changes.map(\.fact).joined(separator: "; ")
                #expect(!typed.run(fact).failed, "\(fact)")
                if case .approval(let a) = target { #expect(!typed.currentDecision().required.contains(a), "\(fact)") }
            }
        }
        #expect(s.run(":avoid legal_review").output == "the deal does not need legal_review (Legal) now")
        #expect(s.run(":avoid finance").output.contains("did you mean `finance_approval`?"))
        #expect(s.run(":avoid deny").output == "nothing denies the deal now")
        s.type("term = 6 months")
        #expect(s.run(":avoid deny").output.contains("term ≥ 12 months"))
    }

    @Test func missingListsFactsAndTheirRules() {
        let s = northwindSession()
        s.type("region = EU", "services = []")
        let out = s.run(":missing").output
        #expect(out.contains("discount — deep_discount; very_deep_discount; one_year_minimum; price_mismatch (warning); pricing.rules#1 (warning)"))
        #expect(out.hasPrefix("start — start_in_past"))
    }

    @Test func openAndSaveKeepEverything() throws {
        let dir = try temporaryDirectory()
        let s = northwindSession()
        let deal = dir.appendingPathComponent("d.json")
        try #"{"discount": 30, "region": "EU", "foo": 1, "services": [{"name": "SIEM", "seats": 40}]}"#.write(to: deal, atomically: true, encoding: .utf8)
        let opened = s.run(":open \(deal.path)").output
        #expect(opened.contains("kept aside"))
        #expect(opened.contains("foo = 1: `foo` is not a field of the deal"))
        #expect(s.run(":deal").output.contains("add service \"SIEM\" with seats = 40"))
        let json = dir.appendingPathComponent("out.json")
        #expect(s.run(":save \(json.path)").output == "saved the deal to \(json.path)")
        let saved = try String(contentsOf: json, encoding: .utf8)
        #expect(saved.contains("\"foo\": 1"), "nothing is lost")
        // A scenario is appended; the rules already there stay.
        let rules = dir.appendingPathComponent("s.rules")
        try "# my rules\nwarn when discount > 1%\n".write(to: rules, atomically: true, encoding: .utf8)
        #expect(s.run(":save \(rules.path) \"EU SIEM\"").output == "appended scenario \"EU SIEM\" to \(rules.path)")
        let text = try String(contentsOf: rules, encoding: .utf8)
        #expect(text.hasPrefix("# my rules\nwarn when discount > 1%\n\nscenario \"EU SIEM\" {\n  region = EU\n  discount = 30%\n"))
        #expect(text.contains("  today = 2026-12-01\n  expect incomplete\n  expect require delivery_approval\n"))
        #expect(s.run(":save deal.txt").failed)
        #expect(s.run(":open /no/such.json").failed)
        try "[1,".write(to: deal, atomically: true, encoding: .utf8)
        #expect(s.run(":open \(deal.path)").output.contains("invalid JSON"))
    }

    @Test func theDealIsKeptBetweenSessions() throws {
        let state = StateFolder(path: try temporaryDirectory().appendingPathComponent("state/dealrules").path)
        let first = northwindSession(state: state)
        first.type("discount = 25%", "region = EU")
        let second = northwindSession(state: state)
        #expect(second.greeting.contains("restored the deal from last time (2 facts)"))
        #expect(second.draft == first.draft)
        second.type(":reset")
        #expect(!northwindSession(state: state).greeting.contains("restored"))
        var fresh = Session.Options(today: today, state: state)
        fresh.restoreDeal = false
        first.type("discount = 25%")
        #expect(Session(paths: [], options: fresh).draft.isEmpty)
    }

    /// `:approved` records the deal as approved; after each change the decision line says which
    /// team to ask again and why, `:since` says all of it, and the approved version is kept
    /// with the deal between sessions (`:reset` forgets both, `:undo` brings both back).
    @Test func anApprovedDealSaysWhomToAskAgain() throws {
        let state = StateFolder(path: try temporaryDirectory().appendingPathComponent("state/dealrules").path)
        let s = northwindSession(state: state)
        #expect(s.run(":approved").failed, "nothing to approve yet")
        #expect(s.run(":since").output.contains("no version of the deal is recorded as approved"))
        #expect(s.run(":since now").output.contains("`:since` takes nothing"))
        // Several facts on a line: all of them or none, and the reply says so.
        let partly = s.run("region = EU; discount = lots")
        #expect(partly.failed && partly.output.hasSuffix("= note: none of the 2 facts on the line was applied"))
        #expect(s.draft.isEmpty)
        s.type(":open \(packageRoot.appendingPathComponent("samples/deals/needs-approval.json").path)")
        #expect(s.run(":approved").output.hasPrefix("recorded the deal as approved (its approvals count as given: Service Delivery, Finance, Security)"))
        let line = s.run("add service \"Helpdesk 24x7\" with seats = 50").output
        #expect(line.hasPrefix("→ NEEDS APPROVAL — ask Service Delivery again (service \"Helpdesk 24x7\" added); Finance and Security still approved"), "\(line)")
        let since = s.run(":since").output
        #expect(since.contains("ask again: Service Delivery (delivery_approval)\n      service \"Helpdesk 24x7\" added"))
        #expect(since.contains("still approved: Finance (finance_approval), Security (security_review)"))
        let again = northwindSession(state: state)
        #expect(again.greeting.contains("with the version approved before"))
        #expect(again.approved == s.approved)
        s.type(":reset")
        #expect(s.approved == nil)
        s.type(":undo")
        #expect(s.approved != nil)
        #expect(s.run("remove service \"Helpdesk 24x7\"").output.hasSuffix("(all still approved)   −warning too_soon (Helpdesk 24x7)"))
        #expect(s.run(":approved off").output == "forgot the approved version")
        #expect(!northwindSession(state: state).greeting.contains("approved before"))
    }

    /// A meta-command typed without its `:`, and an item's field set the way it is said, get
    /// help that shows what to type.
    @Test func wordsThatAreNotExpressionsGetHelpThatSaysWhatToType() {
        let s = northwindSession()
        let clear = s.run("clear")
        #expect(clear.failed)
        #expect(clear.output.contains("help: commands start with `:`: type `:reset` (`:help` lists them all)"), "\(clear.output)")
        #expect(s.run("quit").output.contains("type `:quit`"))
        let help = s.run("help").output
        #expect(help.contains("type `:help`") && !help.contains("lists them all"), "\(help)")
        let said = s.run("seats of SIEM = 3")
        #expect(said.failed)
        #expect(said.output.contains("help: to change an item's field: `add service \"SIEM\" with seats = 3`"), "\(said.output)")
        let quoted = s.run("seats of \"Managed Backup\" = 12")
        #expect(quoted.output.contains("`add service \"Managed Backup\" with seats = 12`"), "\(quoted.output)")
        // Other mistakes keep their own help.
        #expect(s.run("discunt").output.contains("did you mean `discount`?"))
    }

    /// Adding an item that is already in the deal updates it, and says what it changed; a fact
    /// the deal already has says that nothing changed. Neither looks like something new.
    @Test func anItemAddedAgainSaysWhatChangedAndARepeatedFactSaysNothingDid() {
        let s = northwindSession()
        #expect(!s.run("add service \"SIEM\" with seats = 20").output.contains("already"))
        let again = s.run("add service \"SIEM\" with seats = 3")
        #expect(!again.failed)
        #expect(again.output.hasPrefix("\"SIEM\" was already in the deal: seats 20 → 3\n→ "), "\(again.output)")
        #expect(s.run(":deal").output.contains("add service \"SIEM\" with seats = 3\n"))
        #expect(s.run("add service \"SIEM\"").output.hasPrefix("nothing changed: the deal already says so\n→ "))
        #expect(!s.run("discount = 10%").output.contains("nothing changed"))
        #expect(s.run("discount = 10%").output.hasPrefix("nothing changed"))
        // A list set again keeps what its items were given: nothing to say.
        #expect(s.run("services = [\"SIEM\"]").output.hasPrefix("nothing changed"))
    }

    /// A deal denied by dozens of rules still gets one line to read at a glance: five names,
    /// then how many more (`:why deny` lists them all).
    @Test func aLongListInTheSummaryLineIsCut() throws {
        let dir = try temporaryDirectory()
        var text = "deal {\n  discount: percent\n  region: text\n}\n"
        for i in 0..<12 { text += "rule cap_\(i):\n  deny when discount > \(i)%\n" }
        for i in 0..<8 { text += "rule needs_\(i):\n  deny when region is \"R\(i)\" and discount > 50%\n" }
        try writeRules(text, in: dir)
        let s = Session(paths: [dir.path], options: Session.Options(today: today))
        _ = s.run("discount = 0%")
        let blocked = s.run("discount = 40%").output
        #expect(blocked.hasPrefix("→ BLOCKED — denied by cap_0, cap_1, cap_2, cap_3, cap_4 and 7 more   +deny"), "\(blocked)")
        #expect(blocked.contains("+deny cap_4 and 7 more changes"), "\(blocked)")
        #expect(!blocked.contains("cap_11"))
        #expect(s.run(":why deny").output.contains("cap_11"))
        let fewer = s.run("discount = 3%").output
        #expect(fewer.hasPrefix("→ BLOCKED — denied by cap_0, cap_1, cap_2   −deny cap_3"), "\(fewer)")
        #expect(fewer.contains("and 4 more changes"), "\(fewer)")
    }

    @Test func liveReloadKeepsTheDealAndTheLastRulesThatLoaded() throws {
        let dir = try temporaryDirectory()
        let file = try writeRules(smallRules, in: dir)
        let s = Session(paths: [dir.path], options: Session.Options(today: today))
        s.type("discount = 25%", "region = EU", "add service \"Gizmo\"")
        #expect(s.reloadIfChanged() == nil)
        // A change that loads: the rules follow, the deal stays.
        try writeRules(smallRules.replacingOccurrences(of: "discount > 20%", with: "discount > 30%") + "\n", in: dir)
        let notice = try #require(s.reloadIfChanged())
        #expect(notice.hasPrefix("r.rules changed: reloaded 2 rules from 1 file"))
        #expect(notice.contains("NEEDS APPROVAL — Service Delivery"))
        #expect(s.draft.fields.count == 3)
        // A change that does not load: the rules in force stay.
        try writeRules(smallRules + "rule broken: require nobody when x > 1\n", in: dir)
        let failed = try #require(s.reloadIfChanged())
        #expect(failed.contains("unknown approval `nobody`"))
        #expect(failed.contains("but the new version does not load: the rules in force before the change stay"))
        // Each diagnostic block ends with its own line break: the last help never runs into the notice.
        #expect(failed.contains("or check the spelling\nr.rules changed, but"), "\(failed)")
        let broken = Session(paths: [file.path], options: Session.Options(today: today))
        #expect(broken.greeting.contains("\nthe rules do not load; fix them"), "\(broken.greeting)")
        #expect(s.rules.rules.count == 2)
        let asked = s.run(":reload").output
        #expect(asked.contains("unknown approval `nobody`"))
        #expect(asked.contains("the rules do not load as they are now: the rules in force before the change stay"), "\(asked)")
        #expect(s.rules.rules.count == 2)
        #expect(s.run("discount > 30%").output == "no")
        // A field removed: its fact is kept aside, shown by :deal, and comes back with the field.
        try writeRules(smallRules.replacingOccurrences(of: "  discount: percent\n", with: "")
            .replacingOccurrences(of: "rule deep_discount:\n  require finance_approval when discount > 20%\n", with: ""), in: dir)
        let aside = try #require(s.reloadIfChanged())
        #expect(aside.contains("kept aside"))
        #expect(aside.contains("discount = \"25%\": `discount` is not a field of the deal"))
        #expect(s.run(":deal").output.contains("kept aside"))
        try writeRules(smallRules, in: dir)
        _ = s.reloadIfChanged()
        #expect(s.aside.isEmpty)
        #expect(s.run("discount is 25%").output == "yes")
        _ = file
    }

    @Test func loadAndWrite() throws {
        let dir = try temporaryDirectory()
        let file = try writeRules(smallRules, in: dir)
        let s = Session(paths: [], options: Session.Options(today: today))
        let none = s.run("discount = 1%")
        #expect(none.failed, "no rules yet")
        #expect(none.output.contains("= help: no rules are loaded: `:load FOLDER` loads a rule set (or start with `dealrules FOLDER`)"))
        #expect(s.run(":load \(dir.path)/nothing.rules").output.contains("does not exist"))
        #expect(s.run(":load \(file.path)").output == "loaded \(file.path): 2 rules from 1 file")
        s.type("discount = 25%")
        s.type("rule gentle:   warn when discount>5%")
        let draft = dir.appendingPathComponent("drafts.rules")
        let written = s.run(":write \(draft.path)")
        #expect(written.output.hasPrefix("wrote 1 declaration to \(draft.path)"))
        #expect(try String(contentsOf: draft, encoding: .utf8) == "rule gentle:\n  warn when discount > 5%\n")
        #expect(s.typed.isEmpty)
        #expect(s.rules.rule(named: "gentle") != nil, "the written file is loaded now")
        #expect(s.run(":write \(draft.path)").output.contains("no rules were typed"))
        // A typed rule that would clash with the file is refused before anything is written.
        s.type("rule clash: warn when discount > 1%")
        try "rule clash: warn when discount > 2%\n".write(to: dir.appendingPathComponent("other.rules"), atomically: true, encoding: .utf8)
        let refused = s.run(":write \(dir.path)/other.rules")
        #expect(refused.failed)
        #expect(try String(contentsOf: dir.appendingPathComponent("other.rules"), encoding: .utf8) == "rule clash: warn when discount > 2%\n")
    }

    /// `:write` shows the analysis's warnings about the rules it wrote, and only those.
    @Test func writeShowsTheAnalysisOfWhatItWrote() throws {
        let dir = try temporaryDirectory()
        let file = try writeRules(smallRules + "\nrule unread: warn when discount > 30% and discount < 20%\n", in: dir)
        let s = Session(paths: [file.path], options: Session.Options(today: today))
        s.type("rule twice: warn when discount > 40% and discount < 10%")
        let draft = dir.appendingPathComponent("drafts.rules")
        let written = s.run(":write \(draft.path)")
        #expect(written.output.contains("warning: rule `twice` can never fire: no deal meets its condition"), "\(written.output)")
        #expect(written.output.contains("= evidence: discount > 40%"))
        #expect(!written.output.contains("`unread`"), "a finding in another file is not the written rules'")
        s.type("rule fine: warn when discount > 45%")
        #expect(!s.run(":write \(draft.path)").output.contains("warning:"))
    }

    @Test func helpNamesEveryCommand() {
        let s = northwindSession()
        let help = s.run(":help").output
        for c in Session.commands { #expect(help.contains(":\(c.name)"), "\(c.name)") }
        #expect(s.run(":help why").output.hasPrefix(":why [APPROVAL | RULE | deny]"))
        #expect(s.run(":help wy").output.contains("did you mean `:why`?"))
        #expect(s.run(":quit").quit)
    }
}
