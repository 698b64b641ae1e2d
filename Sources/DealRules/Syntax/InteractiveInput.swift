/// What a person typed at the REPL's prompt, before anything is checked: a fact that changes
/// the deal, a declaration (a rule to try, a define), or a question (an expression). Input
/// that stops where more must follow (an open bracket or brace, a trailing `and`, an operator
/// with no operand) is `incomplete`: the REPL asks for another line.
package enum InteractiveInput: Sendable, Hashable {
    case empty
    case incomplete
    case fact
    case declaration
    case expression

    /// `ignoringEnd`: what the input is even when it stops early (a REPL that has no more lines
    /// to ask for still reports a cut-short fact as a fact, not as a question).
    package static func classify(_ text: String, ignoringEnd: Bool = false) -> InteractiveInput {
        let source = SourceFile(path: "<input>", text: text)
        let tokens = Lexer.tokenize(source).tokens
        guard let first = tokens.first, first.kind != .endOfInput else { return .empty }
        var parser = Parser(source, tokens: tokens)
        let kind: InteractiveInput
        switch first.kind {
        case _ where first.kind.startsDeclaration:
            kind = .declaration
            _ = parser.parseRuleFile()
        case .kwAdd, .kwRemove, .kwUnset:
            kind = .fact
            _ = try? parser.parseFact()
        case .kwToday where tokens.count > 1 && tokens[1].kind == .equals:
            kind = .fact
            _ = try? parser.parseFact()
        case .name where isAssignment(tokens):
            kind = .fact
            _ = try? parser.parseFact()
        default:
            kind = .expression
            _ = parser.parseStandaloneExpression()
        }
        return parser.endedEarly && !ignoringEnd ? .incomplete : kind
    }

    /// `PATH = …` at the top level is always a fact.
    private static func isAssignment(_ tokens: [Token]) -> Bool {
        var i = 0
        guard tokens[i].kind == .name else { return false }
        i += 1
        while i + 1 < tokens.count, tokens[i].kind == .dot, tokens[i + 1].kind == .name { i += 2 }
        return i < tokens.count && tokens[i].kind == .equals
    }
}
