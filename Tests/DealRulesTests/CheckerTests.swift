import Testing
@testable import DealRules

@Suite struct CheckerTests {
    func codes(_ source: String) -> [DiagnosticCode] {
        diagnostics(source).filter(\.isError).map(\.code)
    }

    func firstError(_ source: String) -> Diagnostic? {
        diagnostics(source).first(where: \.isError)
    }

    @Test func namesShareOneNamespace() {
        #expect(codes("choice c: a, b\ndeal { a: text }") == [.duplicateName])
        #expect(codes("item a { x: text }\ndeal { a: text }") == [.duplicateName])
        #expect(codes("deal { a: text }\ndefine a = 1") == [.duplicateName])
        #expect(codes("choice c: x, y\nchoice d: y, z\ndeal { p: c, q: d }").isEmpty, "two choices may share a value")
        #expect(codes("choice c: x, x") == [.duplicateName])
        #expect(codes("choice c: x\nchoice c: y") == [.duplicateName])
        #expect(codes("approval a: \"A\"\napproval a: \"B\"") == [.duplicateName])
        #expect(codes("deal { a: text }\ndeal { a: number }") == [.duplicateField])
        #expect(codes("deal { a: text }\ndeal { b: number }").isEmpty, "deal blocks merge")
    }

    @Test func aBareWordWhereAValueBelongsSaysHowToWriteTheValue() throws {
        let deal = "deal {\n  discount: percent\n  customer: text\n  term: duration\n}\n"
        let percent = try #require(firstError(deal + "warn when discount > lots"))
        #expect(percent.code == .unknownField)
        #expect(percent.message == "`lots` is neither a field nor a percent")
        #expect(percent.help == "write a percent such as `25%`")
        let text = try #require(firstError(deal + "warn when customer is Contoso"))
        #expect(text.message == "`Contoso` is neither a field nor text")
        #expect(text.help == "text goes in quotes: `\"Contoso\"`")
        // A near miss of a field still gets its "did you mean".
        let typo = try #require(firstError(deal + "warn when term > discont"))
        #expect(typo.message == "unknown field `discont`")
        #expect(typo.help == "did you mean `discount`?")
    }

    @Test func reservedNames() {
        #expect(codes("deal { id: text }") == [.reservedName])
        #expect(codes("deal { today: date }") == [.reservedWord])
        #expect(codes("item s { name: text }") == [.reservedName])
        #expect(codes("choice answer: yes, no") == [.reservedName])
        #expect(codes("choice money: a, b") == [.reservedName])
        #expect(codes("deal { count: number }") == [.reservedWord])
    }

    @Test func typesOfFields() {
        #expect(codes("deal { a: txt }") == [.unknownType])
        #expect(firstError("deal { a: txt }")?.help == "did you mean `text`?")
        #expect(codes("item s { x: text }\ndeal { s1: s }") == [.typeMismatch])
        #expect(codes("item s { x: text }\ndeal { a: list of s, b: list of s }") == [.twoItemLists])
        #expect(codes("item s { x: text }\nitem t { y: s }") == [.typeMismatch])
        #expect(codes("deal { a: percent = 20 }") == [.typeMismatch])
        #expect(firstError("deal { a: percent = 20 }")?.help == "write `20%`")
        #expect(codes("deal { a: number, b: number = a }") == [.notConstant])
    }

    @Test func rulesNeedConditions() {
        #expect(codes("deal { a: percent }\nwarn when a") == [.notACondition])
        #expect(codes("deal { a: flag }\nwarn when a").isEmpty)
        #expect(codes("deal { a: flag }\nwarn when a and 1") == [.notACondition])
        #expect(codes("deal { a: flag }\nwarn when a unless 5%") == [.notACondition])
    }

    @Test func itemVariables() {
        let decl = "deal { services: list of service, licenses: list of license }\nitem service { seats: number }\nitem license { seats: number }\n"
        #expect(codes(decl + "warn when service.seats > 1").isEmpty)
        #expect(codes(decl + "warn when service.seats > license.seats") == [.twoItemVariables])
        #expect(codes(decl + "warn when service.seats > 1 and any license.seats > 1").isEmpty)
        #expect(codes(decl + "warn when count of licenses > 1 because \"{service.name}\"") == [.itemOutsideRule])
        #expect(codes("item s { x: number }\ndeal { a: number }\nwarn when s.x > 1") == [.noItemList])
        #expect(codes(decl + "warn when any services is \"x\"") == [.unknownItemKind])
        #expect(firstError(decl + "warn when any services is \"x\"")?.help == "name the item kind, not the list: `service`")
        #expect(codes(decl + "warn when services.seats > 1") == [.typeMismatch])
        #expect(codes(decl + "warn when sum of services > 1") == [.typeMismatch])
    }

    @Test func quantifierBodiesAreAboutTheirItem() {
        let decl = "deal { services: list of service, a: number }\nitem service { seats: number, ok: flag }\n"
        #expect(codes(decl + "warn when any service.ok").isEmpty, "a flag item field is a condition by itself")
        #expect(codes(decl + "warn when any service (a > 1)").isEmpty)
        #expect(codes(decl + "warn when every service.seats") == [.notACondition])
    }

    @Test func definesResolveLazilyAndRejectCycles() {
        #expect(codes("deal { a: number }\nwarn when big\ndefine big = a > 1").isEmpty, "a define may come after its use")
        #expect(codes("define a = b\ndefine b = c\ndefine c = a\nwarn when a") == [.defineCycle])
        #expect(codes("define a = a\nwarn when a") == [.defineCycle])
    }

    @Test func choiceValuesTakeTheirTypeFromTheOtherSide() {
        let decl = "choice region: US, EU\nchoice zone: EU, ASIA\ndeal { r: region, z: zone, rs: list of region }\n"
        #expect(codes(decl + "warn when r is EU and z is EU and EU in rs and rs contains [US, EU]").isEmpty)
        // A list written on the right of `contains` takes the left list's type: `EU` (in both
        // choices) is the region one. Found by the property test's generator.
        #expect(codes(decl + "warn when rs contains [EU] or rs contains EU or rs is [EU, US]").isEmpty)
        #expect(codes(decl + "warn when rs contains [ASIA]") == [.unknownChoiceValue])
        #expect(codes(decl + "warn when rs is [ASIA, US]") == [.unknownChoiceValue], "said once")
        #expect(codes(decl + "warn when r is ASIA") == [.unknownChoiceValue])
        #expect(codes(decl + "warn when r is z") == [.typeMismatch])
        #expect(codes(decl + "define home = EU\nwarn when r is home") == [.ambiguousValue])
        #expect(codes(decl + "define home = US\nwarn when r is home").isEmpty)
        #expect(codes(decl + "warn when r is \"US\"") == [.typeMismatch])
        #expect(firstError(decl + "warn when r is \"US\"")?.help == "write choice values without quotes: `EU`")
    }

    @Test func membershipAndContains() {
        let decl = "deal { t: text, n: number, ts: list of text, services: list of service }\nitem service { x: number }\n"
        #expect(codes(decl + "warn when t in ts and ts contains t and t contains \"x\" and \"a\" in services").isEmpty)
        #expect(codes(decl + "warn when t in t") == [.typeMismatch])
        #expect(firstError(decl + "warn when t in t")?.help == "to find text inside text, write `t contains t`")
        #expect(codes(decl + "warn when n in ts") == [.typeMismatch])
        #expect(codes(decl + "warn when n contains 1") == [.typeMismatch])
        #expect(codes(decl + "warn when n in catalog") == [.typeMismatch])
        #expect(codes(decl + "warn when any service in catalog") == [.typeMismatch], "no catalog declared")
        #expect(codes(decl + "warn when [[1]] contains [1]") == [.nestedList])
    }

    @Test func arithmeticTypes() {
        let decl = "deal { m: money, p: percent, n: number, d: date, du: duration }\n"
        let good = ["m + m > $1", "m * p > $1", "p * m > $1", "m * n > $1", "m / n > $1", "m / p > $1", "m / m > 1",
                    "p + p > 1%", "n * n / n - n > 1", "d + du < d", "du + d < d", "d - du < d", "d - d > 1 day", "du - du < 1 day",
                    "-m < $0", "-du < 1 day"]
        for g in good { #expect(codes(decl + "warn when " + g).isEmpty, "\(g)") }
        let bad = ["m + n > $1", "p + n > 1%", "p * p > 1%", "n * p > 1", "d + d < d", "d + n < d", "-d < d", "m > 1"]
        for b in bad { #expect(codes(decl + "warn when " + b) == [.typeMismatch], "\(b)") }
    }

    @Test func warnings() {
        let d = diagnostics("choice c: a\ndeal { x: percent }\napproval a: \"A\"\ndefine unused = 1\nwarn when x > 1%\nwarn when 1 < 2")
        #expect(d.map(\.code) == [.unusedChoice, .unusedApproval, .unusedDefine, .constantCondition])
        #expect(d.allSatisfy { $0.severity == .warning })
        #expect(d.last?.message == "this condition reads no fact, so it is always yes")
        #expect(diagnostics("deal { x: number }").map(\.code) == [.emptyRuleSet])
    }

    @Test func constantsThatOverflowSaySo() {
        let d = diagnostics("deal { f: duration = -(2,147,483,647 days) - 2 days, n: number }\nwarn when 9,223,372,036,854.775807 + 1 > 0")
        #expect(d.map(\.message) == ["a default could not be computed: overflow",
                                     "this condition reads no fact and cannot be computed: overflow"])
        #expect(d.last?.help == "the rule is undetermined on every deal")
    }

    @Test func unnamedRulesAreNumberedInTheirFile() throws {
        let text = "deal { x: number }\n\nwarn when x > 1\n  rule named: warn when x > 2\nwarn when x > 3"
        let set = try load(text, name: "sub/r.rules")
        #expect(set.rules.map(\.name) == ["sub/r.rules#1", "named", "sub/r.rules#2"])
        #expect(set.rules.map(\.location.description) == ["sub/r.rules:3:1", "sub/r.rules:4:15", "sub/r.rules:5:1"])
        // Lines added above them move their locations, not their names.
        let moved = try load("# a comment\n\n" + text, name: "sub/r.rules")
        #expect(moved.rules.map(\.name) == set.rules.map(\.name))
        #expect(moved.rules.map(\.location.description) == ["sub/r.rules:5:1", "sub/r.rules:6:15", "sub/r.rules:7:1"])
    }

    @Test func aRuleReferencedByItsLineGetsItsNameInTheMessage() {
        let d = diagnostics("""
            deal { x: number }
            warn when x > 1
            scenario "s" {
              x = 2
              expect rule "r.rules:2"
              expect rule "r.rules:9"
            }
            """, name: "r.rules").filter(\.isError)
        #expect(d.map(\.message) == ["rules are not named by their line any more: `r.rules:2` is the rule `r.rules#1`",
                                     "no rule is named `r.rules:9`"])
        #expect(d.first?.help == "write `expect rule \"r.rules#1\"`, or name the rule (`rule NAME:`) and expect that name")
    }

    @Test func scenariosAreChecked() {
        let decl = "deal { x: number, services: list of service }\nitem service { seats: number }\napproval a: \"A\"\nrule r: require a when x > 1\n"
        #expect(codes(decl + "scenario \"s\" {\n  x = 2\n  add service \"S\" with seats = 1\n  expect needs_approval\n  expect require a\n  expect rule r\n  expect no deny\n}").isEmpty)
        #expect(codes(decl + "scenario \"s\" {\n  expect require b\n}") == [.unknownApproval])
        #expect(codes(decl + "scenario \"s\" {\n  expect rule q\n}") == [.unknownRule])
        #expect(codes(decl + "scenario \"s\" {\n  expect rule \"test.rules:9\"\n}") == [.unknownRule])
        #expect(codes(decl + "scenario \"s\" {\n  y = 2\n}") == [.unknownField])
        #expect(codes(decl + "scenario \"s\" {\n  x = \"a\"\n}") == [.typeMismatch])
        #expect(codes(decl + "scenario \"s\" {\n  add service \"S\" with sets = 1\n}") == [.unknownField])
        #expect(codes(decl + "scenario \"s\" {\n  expect maybe\n}") == [.expectedToken])
        #expect(codes(decl + "scenario \"s\" {\n}\nscenario \"s\" {\n}") == [.duplicateName])
    }

    /// Documented behaviour that had no test: a second catalog for one item kind, a scenario's
    /// own `today` winning over the one it is run with.
    @Test func aSecondCatalogAndAScenariosOwnToday() throws {
        let decl = "deal { services: list of service }\nitem service { seats: number }\n"
        let twice = diagnostics(decl + "catalog service {\n  \"A\" seats: 1\n}\ncatalog service {\n  \"B\" seats: 2\n}\n")
        #expect(twice.filter(\.isError).map(\.code) == [.duplicateCatalog])
        let rules = try load("deal { start: date }\nrule past:\n  deny when start < today\n"
            + "scenario \"own day\" {\n  start = 2026-06-01\n  today = 2026-05-01\n  expect approved\n}\n")
        let late = try #require(Day(year: 2027, month: 1, day: 1))
        let results = rules.runScenarios(today: late)
        #expect(results.count == 1 && results[0].passed, "the scenario's 2026-05-01 wins over 2027-01-01: \(results.map(\.failures))")
    }
}

