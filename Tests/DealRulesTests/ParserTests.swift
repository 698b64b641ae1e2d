import Foundation
import Testing
@testable import DealRules

/// Parses one expression filling the text.
func parseExpression(_ text: String) -> (Expr?, [Diagnostic]) {
    let src = SourceFile(path: "t", text: text)
    let lexer = Lexer.tokenize(src)
    var parser = Parser(src, tokens: lexer.tokens)
    let e = parser.parseStandaloneExpression()
    return (e, lexer.diagnostics + parser.diagnostics)
}

/// A compact picture of an expression's shape: `(and (> discount 20%) (is region EU))`.
func shape(_ e: Expr) -> String {
    switch e.kind {
    case .number(let f): return f.formatted()
    case .money(let f): return f.moneyText
    case .percent(let f): return f.percentText
    case .duration(let d): return d.description
    case .date(let d): return d.description
    case .text(let s): return ValueText.quoted(s)
    case .flag(let b): return b ? "yes" : "no"
    case .list(let xs): return "[" + xs.map(shape).joined(separator: " ") + "]"
    case .path(let names): return names.map(\.text).joined(separator: ".")
    case .today: return "today"
    case .catalog: return "catalog"
    case .negate(let x): return "(- \(shape(x)))"
    case .not(let x): return "(not \(shape(x)))"
    case .binary(let op, let l, let r): return "(\(op.rawValue) \(shape(l)) \(shape(r)))"
    case .compare(let op, let l, let r): return "(\(op.rawValue) \(shape(l)) \(shape(r)))"
    case .between(let x, let lo, let hi, let n): return "(\(n ? "not-between" : "between") \(shape(x)) \(shape(lo)) \(shape(hi)))"
    case .quantified(let q, let n, let b): return "(\(q.rawValue) \(n.text) \(shape(b)))"
    case .aggregate(let k, let p, let w):
        return "(\(k.rawValue) \(p.map(\.text).joined(separator: ".")))" + (w.map { " where " + shape($0) } ?? "")
    case .group(let x): return shape(x)
    case .interpolated: return "<message>"
    case .invalid: return "<invalid>"
    }
}

@Suite struct ParserTests {
    let fixtures = packageRoot.appendingPathComponent("Tests/DealRulesTests/Fixtures/language")

    @Test func languageRuleFileParsesAndChecks() throws {
        let text = try String(contentsOf: fixtures.appendingPathComponent("northwind.rules"), encoding: .utf8)
        let tree = Parser.parse(SourceFile(path: "northwind.rules", text: text))
        #expect(tree.diagnostics.isEmpty, "\(DiagnosticRenderer().render(tree.diagnostics))")
        #expect(tree.declarations.count == 16)
        let scenario = try String(contentsOf: fixtures.appendingPathComponent("scenario.rules"), encoding: .utf8)
        let result = RuleSet.load(source: text + "\n" + scenario, name: "northwind.rules")
        #expect(result.ruleSet != nil, "\(DiagnosticRenderer().render(result.diagnostics))")
        #expect(result.ruleSet?.rules.map(\.name) == ["northwind.rules#1", "deep_discount", "one_year_minimum", "siem_region",
                                                       "too_soon", "exec_signoff", "small_team"])
        #expect(result.ruleSet?.scenarios.first?.expectations.count == 6)
    }

    @Test func inlineExamplesParse() throws {
        let text = try String(contentsOf: fixtures.appendingPathComponent("inline.txt"), encoding: .utf8)
        var facts = false
        for line in text.split(separator: "\n") {
            if line == "# facts" { facts = true }
            if line.hasPrefix("#") { continue }
            let src = SourceFile(path: "t", text: String(line))
            let lexer = Lexer.tokenize(src)
            var parser = Parser(src, tokens: lexer.tokens)
            if facts {
                _ = try? parser.parseFact()
            } else {
                _ = parser.parseStandaloneExpression()
            }
            let all = lexer.diagnostics + parser.diagnostics
            #expect(all.isEmpty, "`\(line)`: \(all.map(\.message))")
        }
    }

    @Test(arguments: [
        ("a or b and not c is d", "(or a (and b (not (is c d))))"),
        ("discount > 20% and region is EU", "(and (> discount 20%) (is region EU))"),
        ("x between 1 and 2 and y", "(and (between x 1 2) y)"),
        ("x not between 1 + 1 and 2 * 3", "(not-between x (+ 1 1) (* 2 3))"),
        ("a - b - c", "(- (- a b) c)"),
        ("a + b * c", "(+ a (* b c))"),
        ("-a * b", "(* (- a) b)"),
        ("(a or b) and c", "(and (or a b) c)"),
        ("service not in catalog", "(not in service catalog)"),
        ("any service is \"SIEM\"", "(any service (is service \"SIEM\"))"),
        ("no service not in catalog", "(no service (not in service catalog))"),
        ("every service.seats >= 5", "(every service (>= service.seats 5))"),
        ("any service (service is \"SIEM\" and service.seats > 10)", "(any service (and (is service \"SIEM\") (> service.seats 10)))"),
        ("count of services > 0", "(> (count services) 0)"),
        ("(count of services where service.seats > 5) > 2", "(> (count services) where (> service.seats 5) 2)"),
        ("sum of services.seats where not service in catalog", "(sum services.seats) where (not (in service catalog))"),
        ("x is no", "(is x no)"),
        ("start < today + service.lead_time", "(< start (+ today service.lead_time))"),
        ("[US, EU]", "[US EU]"),
        ("[]", "[]"),
        ("[1, 2,]", "[1 2]"),
    ])
    func precedence(text: String, expected: String) {
        let (e, d) = parseExpression(text)
        #expect(d.isEmpty, "\(d.map(\.message))")
        #expect(e.map(shape) == expected)
    }

    func ruleCount(_ text: String) -> (Int, [Diagnostic]) {
        let tree = Parser.parse(SourceFile(path: "t.rules", text: text))
        return (tree.declarations.count, tree.diagnostics)
    }

    @Test(arguments: [
        "deny when a >\n  b",
        "deny when a\n  and b",
        "deny when a\n  or b",
        "deny when (a\n or b)",
        "deny when x in [US,\n EU]",
        "rule r:\n  deny\n  when a\n  unless b\n  because \"m\"",
        "require a,\n  b when c",
        "deny when not\n a",
        "deny when x between\n 1 and 2",
    ])
    func aLineContinues(text: String) {
        let (count, d) = ruleCount(text)
        #expect(d.isEmpty, "\(d.map(\.message))")
        #expect(count == 1)
    }

    @Test func aLineStartingWithAnOperatorEndsTheRule() {
        let (_, d) = ruleCount("deny when a\n  + b")
        #expect(d.map(\.code) == [.expectedToken])
    }

    @Test func recoveryReportsEveryBrokenRule() {
        let text = """
            rule one: require when a
            rule two: deny when (a and
            rule three: warn when a > 1
            rule four: deny when a >
            rule five: warn a
            rule six: deny when a is in [1]
            """
        let tree = Parser.parse(SourceFile(path: "t.rules", text: text))
        let lines = Set(tree.diagnostics.compactMap { $0.location?.line })
        #expect(lines == [1, 2, 4, 5, 6], "\(tree.diagnostics.map { "\($0.location!.line): \($0.message)" })")
        // The good rule, and the one whose mistake has a known right form, still parse.
        #expect(tree.declarations.count == 2)
    }

    @Test func unclosedThingsSayWhereTheyOpened() {
        let tree = Parser.parse(SourceFile(path: "t.rules", text: "deal {\n  a: text\n\nrule r: deny when (a\n"))
        #expect(tree.diagnostics.map(\.code) == [.unclosed, .unclosed])
        #expect(tree.diagnostics.map { $0.notes.first?.location?.line } == [1, 4])
        // The block's fields are kept.
        guard case .deal(let fields) = tree.declarations.first?.kind else {
            Issue.record("the deal block was lost")
            return
        }
        #expect(fields.map(\.name.text) == ["a"])
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = "deny when " + String(repeating: "(", count: 100_000) + "a"
        let tree = Parser.parse(SourceFile(path: "t.rules", text: text))
        #expect(tree.diagnostics.first?.code == .tooDeep)
        #expect(tree.diagnostics.first?.location?.column == 211)
    }

    @Test func aWhereTakesOneComparison() {
        let (_, d) = parseExpression("count of services where service.seats > 5 > 2")
        #expect(d.map(\.code) == [.chainedComparison])
        #expect(d.first?.help?.contains("parentheses") == true)
    }

    @Test func endOfInputIsReported() {
        let src = SourceFile(path: "t", text: "discount > 20% and")
        let lexer = Lexer.tokenize(src)
        var parser = Parser(src, tokens: lexer.tokens)
        _ = parser.parseStandaloneExpression()
        #expect(parser.endedEarly)
    }

    @Test func messagesInterpolate() throws {
        let src = SourceFile(path: "t", text: "warn when a because \"{service.name} needs {{x}} {service.lead_time}\"")
        let tree = Parser.parse(src)
        guard case .rule(let r) = tree.declarations.first?.kind, case .interpolated(let parts)? = r.because?.kind else {
            Issue.record("no message")
            return
        }
        #expect(parts.count == 3)
        if case .literal(let l) = parts[1] { #expect(l == " needs {x} ") }
        if case .expression(let e) = parts[0] { #expect(src.text(of: e.range) == "service.name") }
    }

    /// Text inside a message's `{…}` is written with the message's quotes escaped, and read
    /// back as text: `{name is \"SIEM\"}`; a `}` inside that text does not close the `{…}`.
    @Test func textInsideAMessagesBraces() throws {
        let rules = try load(#"""
            deal { txt: text }
            rule a: warn when txt is not "" because "{txt is \"a\"} {txt is \"}\"} {txt contains \"\\\"q\"} {txt}"
            """#)
        func message(_ txt: String) throws -> String? {
            try rules.decide(json: Array(#"{"txt": \#(txt)}"#.utf8)).outcomes.first?.message
        }
        #expect(try message(#""a""#) == "yes no no a")
        #expect(try message(#""}""#) == "no yes no }")
        #expect(try message(#""x\"q""#) == #"no no yes x"q"#)
    }

    /// A `{…}` that does not hold an expression has the documented code, whatever is wrong in it.
    @Test func brokenInterpolationsHaveOneCode() {
        for (message, text) in [("{total +}", "expected a value or condition after `+`"), ("{}", "empty `{}` in the message"),
                                ("{total", "`{` in the message is not closed"), ("{total total}", "unexpected `total` in `{…}`"),
                                ("{(total}", "expected `)` to close the `(`")] {
            let d = diagnostics("deal { total: money }\nrule b: warn when total > $0 because \"x \(message) y\"").filter(\.isError)
            #expect(d.map(\.code) == [.invalidInterpolation], "\(message)")
            #expect(d.first?.message.hasPrefix(text) == true, "\(message): \(d.first?.message ?? "")")
        }
    }
}
