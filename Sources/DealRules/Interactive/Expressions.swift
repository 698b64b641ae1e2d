/// Checking and evaluating text against a rule set that is already loaded: an expression
/// typed in the REPL, a fact statement, a rule tried before it is saved.
extension Checker {
    /// A checker that knows every declaration of `rules`, to check more text against them.
    init(extending rules: RuleSet) {
        self.init(units: [], limits: rules.limits, readCSV: { _, range, src in
            .failure(Diagnostic(.fileNotFound, "catalogs cannot be loaded here", at: SourceLocation(src, range)))
        }, evaluateConstant: Evaluator.constant)
        choices = rules.choices
        for (i, c) in choices.enumerated() {
            choiceIndex[c.name] = i
            for v in Set(c.values) { choiceValueOwners[v, default: []].append(i) }
        }
        fields = rules.fields
        fieldIndex = rules.fieldIndex
        itemKinds = rules.itemKinds
        itemKindIndex = rules.itemKindIndex
        approvals = rules.approvals
        approvalIndex = rules.approvalIndex
        defines = rules.defines.map { Optional($0) }
        defineIndex = rules.defineIndex
        defineState = Array(repeating: .done, count: rules.defines.count)
        self.rules = rules.rules
        ruleIndex = rules.ruleIndex
        for f in fields { namespace[f.name] = ("a deal field", f.location) }
    }
}

/// The value of an expression for a deal, and, when it is unknown, the facts it needs.
package struct ExpressionResult: Sendable, Hashable {
    package let value: Value
    /// The value as the language writes it (`25%`, `yes`, `unknown`).
    package let text: String
    package let type: ValueType
    /// For an unknown value: the facts that would decide it, sorted.
    package let missing: [String]
    package let errors: [String]
}

extension RuleSet {
    /// Checks and evaluates an expression typed against this rule set (in the REPL, in tests).
    package func evaluate(expression text: String, deal: Deal, today: Day? = nil,
                         sourceName: String = "<input>") -> Result<ExpressionResult, LoadError> {
        let source = SourceFile(path: sourceName, text: text)
        let lexer = Lexer.tokenize(source, limits: limits)
        var parser = Parser(source, tokens: lexer.tokens, limits: limits)
        let expr = parser.parseStandaloneExpression()
        var diagnostics = lexer.diagnostics + parser.diagnostics
        var checker = Checker(extending: self)
        var scope = Scope(source: source, allowsFreeItem: false)
        let typed = expr.flatMap { checker.check($0, expecting: nil, &scope) }
        diagnostics += checker.diagnostics
        guard let typed, !diagnostics.hasErrors else { return .failure(LoadError(diagnostics: diagnostics)) }
        var ev = Evaluator(self, deal: deal, today: today ?? Day.localToday())
        ev.beginRule(bindings: scope.maxBinding, item: nil)
        let value = ev.eval(typed.node)
        var missing: Set<String> = []
        var errors: Set<EvalError> = []
        if !value.isKnown { ev.collectUnknown(typed.node, fieldNames, &missing, &errors) }
        var kind: Int?
        if case .list(.item(let k)) = typed.type { kind = k }
        return .success(ExpressionResult(value: value, text: valueText(for: deal).text(value, kind: kind, quoteText: true),
                                         type: typed.type, missing: missing.sorted(), errors: errors.map(\.rawValue).sorted()))
    }
}

extension Parser {
    /// One expression filling the whole input; nil (with diagnostics) otherwise.
    mutating func parseStandaloneExpression() -> Expr? {
        guard let e = try? parseExpression() else { return nil }
        if kind != .endOfInput {
            report(.expectedToken, "unexpected \(describe(tok)) after the expression", at: tok.range,
                   help: "give one expression, such as `discount > 20%` or `count of services`, or one fact, such as `discount = 25%`")
            return nil
        }
        return e
    }
}
