/// A hand-written recursive-descent parser over the lexer's tokens. Each `parseX` opens with
/// its production from `grammar/dealrules.ebnf`. After an error it records a diagnostic and
/// resynchronises at the next declaration, so one run reports every broken rule.
///
/// Lines: a token on a new line ends the current rule or entry unless it is inside `( )` or
/// `[ ]`, or the line starts with `and`, `or`, `when`, `unless` or `because`. After an operator,
/// `:`, `,`, `when`, `unless`, `not` or `between` the parser wants an operand, so a line break
/// there is simply skipped.
package struct Parser {
    package let source: SourceFile
    private let tokens: [Token]
    private var p = 0
    package private(set) var diagnostics: [Diagnostic] = []
    private var depth = 0
    private var groupDepth = 0
    /// Inside an aggregate's `where`, where a second comparison means missing parentheses.
    private var whereDepth = 0
    /// Where the declaration being parsed began: recovery never stops at or before it.
    private var declarationStart = 0
    private let maxNesting: Int
    /// Parsing the `{…}` of a `because` message, where text is written `\"…\"`.
    private var inMessage = false
    /// True when an error was found at the end of the input: the REPL then asks for more.
    package private(set) var endedEarly = false

    struct Failure: Error {}

    package init(_ source: SourceFile, tokens: [Token], limits: Limits = .default) {
        self.source = source
        self.tokens = tokens
        self.maxNesting = limits.maxNesting
    }

    /// Lexes and parses one file.
    package static func parse(_ source: SourceFile, limits: Limits = .default) -> SyntaxTree {
        parse(source, limits: limits, parts: 1)
    }

    /// Lexes and parses one file in up to `parts` pieces at once (see `inParallel`), cut at lines
    /// that start a rule (in one piece when `parts` is 1 or no such line is found). A piece
    /// starts where a declaration starts (grammar/dealrules.ebnf: a line that starts with a
    /// declaration keyword always starts a new declaration), so it parses as it does in the
    /// whole file, errors and their recovery included (recovery stops at such a line too). Only
    /// a piece that ends inside something (a parenthesis, a brace or a rule left open, which the
    /// whole file would close or complain about after the cut) parses differently: from that
    /// piece on, the file is parsed again in one piece. So a broken file's messages are exactly
    /// those of one parse (`ThreadedLoadTests`), and an error in the second half of a large file
    /// (an editor's every keystroke) re-parses only what follows it.
    static func parse(_ source: SourceFile, limits: Limits, parts: Int) -> SyntaxTree {
        SyntaxTree(source, pieces: parsePieces(source, limits: limits, parts: parts))
    }

    /// One piece of a file, parsed on its own (`parsePieces`).
    struct Piece: Sendable {
        var declarations: [Declaration]
        var comments: [Comment]
        /// The lexer's messages and the parser's.
        var lexed: [Diagnostic]
        var parsed: [Diagnostic]
        /// Whether it ended inside something (see `parse(_:limits:parts:)`).
        var endedEarly: Bool
    }

    /// Lexes and parses one file as `parse(_:limits:parts:)` does, and returns its pieces as
    /// they were parsed (one, when it is parsed whole). The loader keeps a large file's rules
    /// in these pieces, for the threads that check them (`Checker.RuleRun`).
    static func parsePieces(_ source: SourceFile, limits: Limits, parts: Int) -> [Piece] {
        let bytes = source.bytes
        var cuts = [0]
        for p in 1..<max(1, parts) {
            if let cut = ruleLineStart(in: bytes, from: max(cuts.last!, bytes.count * p / parts)), cut > cuts.last! {
                cuts.append(cut)
            }
        }
        cuts.append(bytes.count)
        func piece(_ range: Range<Int>) -> Piece {
            let lexer = Lexer.tokenize(source, limits: limits, range: range)
            var parser = Parser(source, tokens: lexer.tokens, limits: limits)
            let declarations = parser.parseRuleFile()
            return Piece(declarations: declarations, comments: lexer.comments, lexed: lexer.diagnostics,
                         parsed: parser.diagnostics, endedEarly: parser.endedEarly)
        }
        guard cuts.count > 2 else { return [piece(0..<bytes.count)] }
        var pieces = inParallel(cuts.count - 1, parts: cuts.count - 1) { range in
            range.map { i in piece(cuts[i]..<cuts[i + 1]) }
        }.flatMap { $0 }
        if let open = pieces.dropLast().firstIndex(where: \.endedEarly) {
            pieces = Array(pieces[..<open]) + [piece(cuts[open]..<bytes.count)]
        }
        return pieces
    }

    /// The first line at or after `offset` that starts with `rule`, `require`, `deny` or `warn`
    /// (a rule's first word): where a piece of a file to parse on its own may start. Text and
    /// comments end with their line, so a line's start is never inside either.
    static func ruleLineStart(in bytes: [UInt8], from offset: Int) -> Int? {
        let words: [[UInt8]] = [Array("rule".utf8), Array("require".utf8), Array("deny".utf8), Array("warn".utf8)]
        var i = offset
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\n") {
                let start = i + 1
                for w in words where bytes.count - start > w.count && bytes[start..<start + w.count].elementsEqual(w)
                    && !Lexer.isNameByte(bytes[start + w.count]) {
                    return start
                }
            }
            i += 1
        }
        return nil
    }

    // MARK: Token access

    var tok: Token { tokens[p] }
    var kind: TokenKind { tokens[p].kind }
    private var previous: Token { tokens[max(0, p - 1)] }
    private func peek(_ k: Int = 1) -> Token { tokens[min(p + k, tokens.count - 1)] }
    private var atEnd: Bool { kind == .endOfInput }

    @discardableResult
    private mutating func advance() -> Token {
        let t = tokens[p]
        if p < tokens.count - 1 { p += 1 }
        return t
    }

    private func text(_ t: Token) -> String { source.text(of: t.range) }

    /// A line break that ends the current construct.
    private var atBoundary: Bool {
        atEnd || (tok.startsLine && groupDepth == 0 && !kind.continuesLine)
    }

    private mutating func accept(_ k: TokenKind) -> Token? {
        kind == k ? advance() : nil
    }

    private mutating func expect(_ k: TokenKind, _ context: String) throws(Failure) -> Token {
        if kind == k { return advance() }
        throw fail(.expectedToken, "expected \(k) \(context), found \(describe(tok))")
    }

    /// How messages name the current token.
    func describe(_ t: Token) -> String {
        switch t.kind {
        case .endOfInput: "the end of the input"
        case .invalid: "`\(text(t))`"
        case _ where t.startsLine && groupDepth == 0 && p > 0 && !t.kind.startsDeclaration: "the end of the line"
        case .name, .number, .money, .percent, .duration, .date: "`\(text(t))`"
        case .text: "text `\(text(t))`"
        default: t.kind.description
        }
    }

    /// Where a complaint about the current token points: at it, or, when it is on the next
    /// line (or the end), just after the token before it.
    private var complaintRange: SourceRange {
        if p > 0, tok.startsLine || atEnd {
            let r = previous.range
            return SourceRange(Int(r.end), Int(r.end) + 1)
        }
        return tok.range
    }

    private mutating func fail(_ code: DiagnosticCode, _ message: String, at range: SourceRange? = nil,
                               help: String? = nil, notes: [Diagnostic.Note] = []) -> Failure {
        if atEnd { endedEarly = true }
        report(code, message, at: range ?? complaintRange, help: help, notes: notes)
        return Failure()
    }

    mutating func report(_ code: DiagnosticCode, _ message: String, at range: SourceRange,
                                 help: String? = nil, notes: [Diagnostic.Note] = []) {
        // A token the lexer could not read has its own error already; a second one at the same
        // place ("expected the end of the line, found `%`") would only repeat it.
        if tok.kind == .invalid, range.start == tok.range.start { return }
        diagnostics.append(Diagnostic(code, message, at: SourceLocation(source, range), help: help, notes: notes))
    }

    private func location(_ r: SourceRange) -> SourceLocation { SourceLocation(source, r) }

    private func lineOf(_ r: SourceRange) -> Int { source.position(of: Int(r.start)).line }

    /// The closing token that `opener` needs, with a note pointing back at the opener.
    private mutating func close(_ k: TokenKind, opener: Token, _ what: String) throws(Failure) -> Token {
        if kind == k { return advance() }
        throw fail(.unclosed, "expected \(k) to close the \(what) at line \(lineOf(opener.range)), found \(describe(tok))",
                   notes: [.init("\(opener.kind) opened here", at: location(opener.range))])
    }

    // MARK: Recovery

    /// Skips to the next token that starts a line and a declaration.
    private mutating func synchronize() {
        groupDepth = 0
        depth = 0
        whereDepth = 0
        if p <= declarationStart, !atEnd { advance() }
        while !atEnd {
            if atDeclarationStart { return }
            advance()
        }
    }

    /// A declaration keyword at the start of a line: whatever was being parsed has ended,
    /// even inside brackets that were never closed.
    private var atDeclarationStart: Bool { tok.startsLine && kind.startsDeclaration }

    /// Skips the rest of a block entry: to the next line start or the block's `}` (not the `}`
    /// of braces opened within the entry, such as JSON pasted into a fact).
    private mutating func skipEntry() {
        groupDepth = 0
        depth = 0
        var braces = 0
        if !atEnd, kind != .rightBrace {
            if kind == .leftBrace { braces += 1 }
            advance()
        }
        while !atEnd, !tok.startsLine, kind != .rightBrace || braces > 0 {
            if kind == .leftBrace { braces += 1 } else if kind == .rightBrace { braces -= 1 }
            advance()
        }
    }

    private mutating func nest() throws(Failure) {
        depth += 1
        if depth > maxNesting {
            throw fail(.tooDeep, "expressions nest more than \(maxNesting) levels deep here",
                       at: tok.range, help: "split the condition into defines")
        }
    }

    // MARK: Declarations

    /// rule_file = { declaration , NEWLINE } ;
    package mutating func parseRuleFile() -> [Declaration] {
        var declarations: [Declaration] = []
        while !atEnd {
            if p > 0, !tok.startsLine {
                report(.expectedToken, "expected the end of the line, found \(describe(tok))", at: tok.range,
                       help: "start each declaration and rule on a line of its own")
                synchronize()
                continue
            }
            declarationStart = p
            do {
                declarations.append(try parseDeclaration())
            } catch {
                synchronize()
            }
        }
        return declarations
    }

    /// declaration = choice_decl | deal_decl | item_decl | catalog_decl | approval_decl
    ///             | define_decl | include_decl | rule_decl | scenario_decl ;
    mutating func parseDeclaration() throws(Failure) -> Declaration {
        let start = tok.range
        let kind: Declaration.Kind
        switch self.kind {
        case .kwChoice: kind = try parseChoice()
        case .kwDeal: kind = .deal(fields: try parseDeal())
        case .kwItem: kind = try parseItem()
        case .kwCatalog: kind = try parseCatalog()
        case .kwApproval: kind = try parseApproval()
        case .kwDefine: kind = try parseDefine()
        case .kwInclude: kind = try parseInclude()
        case .kwRule, .kwRequire, .kwDeny, .kwWarn: kind = .rule(try parseRule())
        case .kwScenario: kind = try parseScenario()
        case .name where peek().kind == .equals || peek().kind == .dot:
            throw fail(.expectedToken, "facts like `\(text(tok)) = …` belong in a scenario or the REPL, not in a rule file",
                       at: tok.range, help: "to test a deal, write them inside `scenario \"…\" { … }`")
        case .kwWhen:
            throw fail(.expectedToken, "a rule starts with `require`, `deny` or `warn`, not `when`", at: tok.range,
                       help: "write `require APPROVAL when …`, `deny when …` or `warn when …`")
        default:
            throw fail(.expectedToken, "expected a declaration or a rule, found \(describe(tok))", at: tok.range,
                       help: "a line starts with `rule`, `require`, `deny`, `warn`, `choice`, `deal`, `item`, `catalog`, `approval`, `define`, `include` or `scenario`")
        }
        let end = previous.range
        if !atBoundary {
            throw fail(.expectedToken, "expected the end of the line, found \(describe(tok))", at: tok.range,
                       help: "start each declaration and rule on a line of its own")
        }
        return Declaration(kind: kind, range: start.union(end))
    }

    /// A name where a declaration needs one: a keyword here gets its own message.
    private mutating func parseName(_ what: String) throws(Failure) -> Name {
        if kind == .name {
            let t = advance()
            return Name(text(t), t.range)
        }
        if kind.isKeyword, !atDeclarationStart, peek().kind == .colon || peek().kind == .dot || peek().kind == .equals
            || !([.kwWhen, .kwUnless, .kwBecause, .kwAnd, .kwOr, .kwIs, .kwIn, .kwNot, .kwWith, .kwOf] as [TokenKind]).contains(kind) {
            throw fail(.reservedWord, "`\(text(tok))` is a reserved word and cannot be \(what)", at: tok.range,
                       help: "choose another name (docs/language.md lists the reserved words)")
        }
        throw fail(.expectedToken, "expected \(what), found \(describe(tok))")
    }

    private mutating func parseTextLiteral(_ what: String) throws(Failure) -> (String, SourceRange) {
        guard kind == .text else {
            // A bare word is most likely the text itself, unquoted: up to the next space or comma
            // (`cat.csv`, not only `cat`).
            var help: String?
            if kind == .name {
                let bytes = source.bytes, start = Int(tok.range.start)
                var end = start
                while end < bytes.count, ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"),
                                           UInt8(ascii: ",")].contains(bytes[end]) { end += 1 }
                help = "put it in quotes: `\"\(source.text(start, end))\"`"
            }
            throw fail(.expectedToken, "expected \(what) in quotes, found \(describe(tok))", help: help)
        }
        let t = advance()
        return (decodeText(t.range), t.range)
    }

    /// choice_decl = "choice" , NAME , ":" , NAME , { "," , NAME } ;
    mutating func parseChoice() throws(Failure) -> Declaration.Kind {
        advance()
        let name = try parseName("a choice name")
        _ = try expect(.colon, "after the choice name")
        var values = [try parseChoiceValue()]
        while accept(.comma) != nil {
            values.append(try parseChoiceValue())
        }
        return .choice(name: name, values: values)
    }

    private mutating func parseChoiceValue() throws(Failure) -> Name {
        if kind == .kwYes || kind == .kwNo {
            throw fail(.reservedName, "`\(text(tok))` cannot be a choice value", at: tok.range,
                       help: "`yes` and `no` are flags; for a yes/no fact declare a `flag` field")
        }
        return try parseName("a choice value")
    }

    /// deal_decl = "deal" , "{" , field_list , "}" ;
    mutating func parseDeal() throws(Failure) -> [FieldDecl] {
        let opener = advance()
        return try parseFieldList(after: opener, "deal")
    }

    /// item_decl = "item" , NAME , "{" , field_list , "}" ;
    mutating func parseItem() throws(Failure) -> Declaration.Kind {
        let opener = advance()
        let name = try parseName("an item kind name")
        return .item(name: name, fields: try parseFieldList(after: opener, "item"))
    }

    /// field_list = { field , ( NEWLINE | "," ) } ;
    mutating func parseFieldList(after keyword: Token, _ what: String) throws(Failure) -> [FieldDecl] {
        let brace = try expect(.leftBrace, "after `\(what)`")
        var fields: [FieldDecl] = []
        parseBlock(opener: brace, what: "`\(source.text(of: keyword.range))` block") { parser throws(Failure) in
            fields.append(try parser.parseField())
            _ = parser.accept(.comma)
        }
        return fields
    }

    /// Parses entries until `}`; an error skips one entry; a declaration keyword at the start of a
    /// line (or the end) means the block was never closed.
    private mutating func parseBlock(opener: Token, what: String, entry: (inout Parser) throws(Failure) -> Void) {
        while true {
            if accept(.rightBrace) != nil { return }
            if atEnd || (tok.startsLine && kind.startsDeclaration) {
                // Keep what was read: one missing brace should not lose the whole block.
                _ = fail(.unclosed, "expected `}` to close the \(what) at line \(lineOf(opener.range)), found \(describe(tok))",
                         at: atEnd ? complaintRange : tok.range,
                         notes: [.init("`{` opened here", at: location(opener.range))])
                return
            }
            do {
                try entry(&self)
                // Fields may also be separated by commas: `deal { a: text, b: money }`.
                if !atBoundary, kind != .rightBrace, previous.kind != .comma {
                    throw fail(.expectedToken, "expected the end of the line, found \(describe(tok))", at: tok.range,
                               help: "write one entry per line")
                }
            } catch {
                if atEnd { continue }
                skipEntry()
            }
        }
    }

    /// field = NAME , ":" , type , [ "=" , expression ] ;
    mutating func parseField() throws(Failure) -> FieldDecl {
        let name = try parseName("a field name")
        _ = try expect(.colon, "after the field name `\(name.text)`")
        let type = try parseType()
        var value: Expr?
        if accept(.equals) != nil {
            value = try parseExpression()
        }
        return FieldDecl(name: name, type: type, defaultValue: value, range: name.range.union(previous.range))
    }

    /// type = [ "list" , "of" ] , NAME ;
    mutating func parseType() throws(Failure) -> TypeRef {
        let start = tok.range
        if accept(.kwList) != nil {
            _ = try expect(.kwOf, "after `list`")
            let name = try parseName("a type")
            return TypeRef(name: name, isList: true, range: start.union(name.range))
        }
        let name = try parseName("a type")
        return TypeRef(name: name, isList: false, range: name.range)
    }

    /// catalog_decl = "catalog" , NAME , ( "from" , TEXT | "{" , { catalog_entry , NEWLINE } , "}" ) ;
    mutating func parseCatalog() throws(Failure) -> Declaration.Kind {
        advance()
        let item = try parseName("an item kind")
        if accept(.kwFrom) != nil {
            let (path, range) = try parseTextLiteral("a CSV file name")
            return .catalogFile(item: item, path: path, pathRange: range)
        }
        guard kind == .leftBrace else {
            throw fail(.expectedToken, "expected `{` or `from` after `catalog \(item.text)`, found \(describe(tok))",
                       help: "list entries in `{ … }`, or write `catalog \(item.text) from \"catalog.csv\"`")
        }
        let brace = advance()
        var entries: [CatalogEntry] = []
        parseBlock(opener: brace, what: "catalog") { parser throws(Failure) in
            entries.append(try parser.parseCatalogEntry())
        }
        return .catalog(item: item, entries: entries)
    }

    /// catalog_entry = TEXT , [ NAME , ":" , expression , { "," , NAME , ":" , expression } ] ;
    mutating func parseCatalogEntry() throws(Failure) -> CatalogEntry {
        let (name, nameRange) = try parseTextLiteral("an entry's name")
        var values: [(Name, Expr)] = []
        if !atBoundary, kind != .rightBrace {
            repeat {
                let field = try parseName("an item field")
                _ = try expect(.colon, "after `\(field.text)`")
                values.append((field, try parseExpression()))
            } while accept(.comma) != nil
        }
        return CatalogEntry(name: name, nameRange: nameRange, values: values, range: nameRange.union(previous.range))
    }

    /// approval_decl = "approval" , NAME , ":" , TEXT ;
    mutating func parseApproval() throws(Failure) -> Declaration.Kind {
        advance()
        let name = try parseName("an approval name")
        _ = try expect(.colon, "after the approval name")
        let (team, range) = try parseTextLiteral("the approving team")
        return .approval(name: name, team: team, teamRange: range)
    }

    /// define_decl = "define" , NAME , "=" , expression ;
    mutating func parseDefine() throws(Failure) -> Declaration.Kind {
        advance()
        let name = try parseName("a define name")
        _ = try expect(.equals, "after `define \(name.text)`")
        return .define(name: name, value: try parseExpression())
    }

    /// include_decl = "include" , TEXT ;
    mutating func parseInclude() throws(Failure) -> Declaration.Kind {
        advance()
        let (path, range) = try parseTextLiteral("a file name")
        return .include(path: path, pathRange: range)
    }

    /// rule_decl = [ "rule" , NAME , ":" ] , outcome , "when" , expression ,
    ///             [ "unless" , expression ] , [ "because" , message ] ;
    mutating func parseRule() throws(Failure) -> RuleDecl {
        var name: Name?
        if accept(.kwRule) != nil {
            name = try parseName("a rule name")
            _ = try expect(.colon, "after the rule name")
        }
        let outcomeToken = tok
        let (outcome, approvals) = try parseOutcome()
        guard kind == .kwWhen else {
            throw fail(.expectedToken, "expected `when` after the outcome, found \(describe(tok))",
                       help: "a rule reads `\(source.text(of: outcomeToken.range)) … when CONDITION`")
        }
        advance()
        let condition = try parseExpression()
        var unless: Expr?
        if kind == .kwUnless {
            advance()
            unless = try parseExpression()
        }
        var because: Expr?
        if kind == .kwBecause {
            advance()
            guard kind == .text else {
                throw fail(.expectedToken, "expected a message in quotes after `because`, found \(describe(tok))")
            }
            because = parseMessage(advance())
        }
        return RuleDecl(name: name, outcome: outcome, outcomeRange: outcomeToken.range, approvals: approvals,
                        condition: condition, unless: unless, because: because)
    }

    /// outcome = "require" , NAME , { "," , NAME } | "deny" | "warn" ;
    mutating func parseOutcome() throws(Failure) -> (OutcomeKind, [Name]) {
        switch kind {
        case .kwRequire:
            advance()
            var approvals = [try parseName("an approval name")]
            while accept(.comma) != nil {
                approvals.append(try parseName("an approval name"))
            }
            return (.require, approvals)
        case .kwDeny:
            advance()
            return (.deny, [])
        case .kwWarn:
            advance()
            return (.warn, [])
        default:
            throw fail(.expectedToken, "expected `require`, `deny` or `warn`, found \(describe(tok))")
        }
    }

    /// scenario_decl = "scenario" , TEXT , "{" , { scenario_statement , NEWLINE } , "}" ;
    mutating func parseScenario() throws(Failure) -> Declaration.Kind {
        advance()
        let (name, nameRange) = try parseTextLiteral("the scenario's name")
        let brace = try expect(.leftBrace, "after the scenario's name")
        var statements: [ScenarioStatement] = []
        parseBlock(opener: brace, what: "scenario") { parser throws(Failure) in
            statements.append(try parser.parseScenarioStatement())
        }
        return .scenario(name: name, nameRange: nameRange, statements: statements)
    }

    /// scenario_statement = fact | expectation ;
    mutating func parseScenarioStatement() throws(Failure) -> ScenarioStatement {
        if kind == .kwExpect { return .expect(try parseExpectation()) }
        let start = tok.range
        let fact = try parseFact()
        return .fact(fact, start.union(previous.range))
    }

    /// fact = path , "=" , expression | "today" , "=" , expression
    ///      | "add" , NAME , TEXT , [ "with" , assignment , { "," , assignment } ]
    ///      | "remove" , NAME , TEXT | "unset" , path ;
    mutating func parseFact() throws(Failure) -> FactStatement {
        switch kind {
        case .kwToday:
            advance()
            _ = try expect(.equals, "after `today`")
            return .today(try parseExpression())
        case .kwAdd:
            advance()
            let itemKind = try parseName("an item kind")
            let (name, range) = try parseTextLiteral("the item's name")
            var fields: [FactStatement.Assignment] = []
            if accept(.kwWith) != nil {
                repeat {
                    fields.append(try parseAssignment())
                } while accept(.comma) != nil
            }
            return .add(kind: itemKind, name: name, nameRange: range, fields: fields)
        case .kwRemove:
            advance()
            let itemKind = try parseName("an item kind")
            let (name, range) = try parseTextLiteral("the item's name")
            return .remove(kind: itemKind, name: name, nameRange: range)
        case .kwUnset:
            advance()
            return .unset(try parsePathNames())
        case .name:
            let path = try parsePathNames()
            guard kind == .equals else {
                throw fail(.expectedToken, "expected `=` after `\(path.map(\.text).joined(separator: "."))`, found \(describe(tok))",
                           help: "a fact reads `FIELD = VALUE`")
            }
            advance()
            return .set(path, try parseExpression())
        default:
            throw fail(.expectedToken, "expected a fact (`FIELD = VALUE`, `add`, `remove`, `unset`) or `expect`, found \(describe(tok))",
                       at: tok.range)
        }
    }

    /// assignment = NAME , "=" , expression ;
    mutating func parseAssignment() throws(Failure) -> FactStatement.Assignment {
        let field = try parseName("an item field")
        _ = try expect(.equals, "after `\(field.text)`")
        return .init(field: field, value: try parseExpression())
    }

    /// expectation = "expect" , ( DECISION | [ "no" ] , ( "require" , NAME | "deny" | "warn"
    ///             | "rule" , ( NAME | TEXT ) ) ) ;
    mutating func parseExpectation() throws(Failure) -> Expectation {
        let start = advance().range
        let negated = accept(.kwNo) != nil
        let what: Expectation.What
        switch kind {
        case .kwRequire:
            advance()
            what = .require(try parseName("an approval name"))
        case .kwDeny:
            advance()
            what = .deny
        case .kwWarn:
            advance()
            what = .warn
        case .kwRule:
            advance()
            if kind == .text {
                let (name, range) = try parseTextLiteral("a rule name")
                what = .rule(Name(name, range))
            } else {
                what = .rule(try parseName("a rule name"))
            }
        case .name where !negated:
            let t = advance()
            guard let d = DecisionKind(rawValue: text(t)) else {
                let names = DecisionKind.allCases.map(\.rawValue)
                throw fail(.expectedToken, "`\(text(t))` is not a decision", at: t.range,
                           help: Suggestions.didYouMean(text(t), names) ?? "a decision is one of \(names.joined(separator: ", "))")
            }
            what = .decision(d)
        default:
            throw fail(.expectedToken, "expected a decision, `require`, `deny`, `warn` or `rule` after `expect\(negated ? " no" : "")`, found \(describe(tok))")
        }
        return Expectation(negated: negated, what: what, range: start.union(previous.range))
    }

    // MARK: Expressions

    /// expression = or_expr ;
    mutating func parseExpression() throws(Failure) -> Expr {
        try nest()
        defer { depth -= 1 }
        return try parseOr()
    }

    /// or_expr = and_expr , { "or" , and_expr } ;
    mutating func parseOr() throws(Failure) -> Expr {
        var left = try parseAnd()
        while kind == .kwOr {
            let op = advance()
            let right = try parseAnd()
            left = Expr(.binary(.or, left, right), left.range.union(right.range), operatorRange: op.range)
        }
        return left
    }

    /// and_expr = not_expr , { "and" , not_expr } ;
    mutating func parseAnd() throws(Failure) -> Expr {
        var left = try parseNot()
        while kind == .kwAnd {
            let op = advance()
            let right = try parseNot()
            left = Expr(.binary(.and, left, right), left.range.union(right.range), operatorRange: op.range)
        }
        return left
    }

    /// not_expr = "not" , not_expr | comparison ;
    mutating func parseNot() throws(Failure) -> Expr {
        guard kind == .kwNot else { return try parseComparison() }
        let op = advance()
        try nest()
        defer { depth -= 1 }
        let operand = try parseNot()
        return Expr(.not(operand), op.range.union(operand.range), operatorRange: op.range)
    }

    /// comparison = additive , [ comparison_op , additive
    ///            | [ "not" ] , "between" , additive , "and" , additive
    ///            | [ "not" ] , "in" , ( "catalog" | additive ) | "contains" , additive ] ;
    /// comparison_op = "is" , [ "not" ] | "=" | "!=" | "<" | "<=" | ">" | ">=" ;
    mutating func parseComparison() throws(Failure) -> Expr {
        let left = try parseAdditive()
        if atBoundary { return left }
        let opStart = tok.range
        var op: ComparisonOperator
        switch kind {
        case .kwIs:
            advance()
            if kind == .kwIn {
                report(.wrongOperator, "`is in` is not an operator", at: opStart.union(tok.range), help: "write `in`")
                advance()
                op = .in
            } else if kind == .kwNot {
                advance()
                op = .isNot
                if kind == .kwIn {
                    report(.wrongOperator, "`is not in` is not an operator", at: opStart.union(tok.range), help: "write `not in`")
                    advance()
                    op = .notIn
                }
            } else if kind == .kwBetween || kind == .kwContains {
                report(.wrongOperator, "`is \(text(tok))` is not an operator", at: opStart.union(tok.range),
                       help: "write `\(text(tok))` without `is`")
                if kind == .kwBetween { return try parseBetween(left, negated: false, opStart: opStart) }
                advance()
                op = .contains
            } else {
                op = .is
            }
        case .equals: advance(); op = .equals
        case .notEquals: advance(); op = .notEquals
        case .less: advance(); op = .less
        case .lessEqual: advance(); op = .lessEqual
        case .greater: advance(); op = .greater
        case .greaterEqual: advance(); op = .greaterEqual
        case .kwIn: advance(); op = .in
        case .kwContains: advance(); op = .contains
        case .kwBetween: return try parseBetween(left, negated: false, opStart: opStart)
        case .kwNot:
            switch peek().kind {
            case .kwIn:
                advance(); advance()
                op = .notIn
            case .kwBetween:
                advance()
                return try parseBetween(left, negated: true, opStart: opStart)
            case .kwContains:
                let l = source.text(of: left.range)
                throw fail(.wrongOperator, "`not contains` is not an operator", at: opStart.union(peek().range),
                           help: "write `not (\(l) contains …)`")
            default:
                throw fail(.expectedToken, "expected `in` or `between` after `not`, found \(describe(peek()))", at: peek().range,
                           help: "to negate a condition, put `not` before it: `not (…)`")
            }
        default:
            return left
        }
        let opRange = opStart.union(previous.range)
        let right: Expr
        if (op == .in || op == .notIn) && kind == .kwCatalog {
            right = Expr(.catalog, advance().range)
        } else {
            right = try parseAdditive()
        }
        try refuseChain(opRange)
        return Expr(.compare(op, left, right), left.range.union(right.range), operatorRange: opRange)
    }

    /// `X [not] between A and B`; A and B are additive expressions.
    private mutating func parseBetween(_ left: Expr, negated: Bool, opStart: SourceRange) throws(Failure) -> Expr {
        advance()
        let opRange = opStart.union(previous.range)
        let low = try parseAdditive()
        guard kind == .kwAnd else {
            throw fail(.expectedToken, "expected `and` between the two ends of `between`, found \(describe(tok))",
                       help: "write `x between 10% and 20%`")
        }
        advance()
        let high = try parseAdditive()
        try refuseChain(opRange)
        return Expr(.between(left, low: low, high: high, negated: negated), left.range.union(high.range), operatorRange: opRange)
    }

    private mutating func refuseChain(_ first: SourceRange) throws(Failure) {
        guard !atBoundary else { return }
        switch kind {
        case .kwIs, .equals, .notEquals, .less, .lessEqual, .greater, .greaterEqual, .kwIn, .kwContains, .kwBetween:
            if whereDepth > 0 {
                throw fail(.chainedComparison, "a `where` takes one comparison", at: tok.range,
                           help: "to compare the aggregate, put it in parentheses: `(count of … where …) > 2`",
                           notes: [.init("the `where` comparison is here", at: location(first))])
            }
            throw fail(.chainedComparison, "comparisons do not chain", at: tok.range,
                       help: "write `a < b and b < c`, or `x between a and b`",
                       notes: [.init("the first comparison is here", at: location(first))])
        default:
            return
        }
    }

    /// additive = multiplicative , { ( "+" | "-" ) , multiplicative } ;
    mutating func parseAdditive() throws(Failure) -> Expr {
        var left = try parseMultiplicative()
        while !atBoundary, kind == .plus || kind == .minus {
            let op = advance()
            let right = try parseMultiplicative()
            left = Expr(.binary(op.kind == .plus ? .add : .subtract, left, right), left.range.union(right.range),
                        operatorRange: op.range)
        }
        return left
    }

    /// multiplicative = unary , { ( "*" | "/" ) , unary } ;
    mutating func parseMultiplicative() throws(Failure) -> Expr {
        var left = try parseUnary()
        while !atBoundary, kind == .star || kind == .slash {
            let op = advance()
            let right = try parseUnary()
            left = Expr(.binary(op.kind == .star ? .multiply : .divide, left, right), left.range.union(right.range),
                        operatorRange: op.range)
        }
        return left
    }

    /// unary = "-" , unary | primary ;
    /// A `-` just before a number, money, percent or duration on its line is part of the
    /// literal (`-5`, `-$9,223,372,036,854.775808`, `-2,147,483,648 days`): so every value,
    /// the most negative ones too, can be written as it prints.
    mutating func parseUnary() throws(Failure) -> Expr {
        guard kind == .minus else { return try parsePrimary() }
        let next = peek()
        if [.number, .money, .percent, .duration].contains(next.kind), !next.startsLine {
            let op = advance()
            advance()
            var e = literal(next, negative: true)
            e.range = op.range.union(next.range)
            return e
        }
        let op = advance()
        try nest()
        defer { depth -= 1 }
        let operand = try parseUnary()
        return Expr(.negate(operand), op.range.union(operand.range), operatorRange: op.range)
    }

    /// primary = literal | path | "today" | list | quantified | aggregate | "(" , expression , ")" ;
    /// literal = NUMBER | MONEY | PERCENT | DURATION | DATE | TEXT | "yes" | "no" ;
    mutating func parsePrimary() throws(Failure) -> Expr {
        let t = tok
        if atDeclarationStart || atEnd {
            let after = p > 0 ? " after \(describeToken(previous))" : ""
            throw fail(.expectedExpression, "expected a value or condition\(after)")
        }
        switch t.kind {
        case .number, .money, .percent, .duration, .date:
            advance()
            return literal(t)
        case .text:
            advance()
            return Expr(.text(decodeText(t.range)), t.range)
        case .kwYes:
            advance()
            return Expr(.flag(true), t.range)
        case .kwNo where peek().kind == .name && !peek().startsLine:
            return try parseQuantified()
        case .kwNo:
            advance()
            return Expr(.flag(false), t.range)
        case .kwAny, .kwEvery:
            return try parseQuantified()
        case .kwCount, .kwSum, .kwMin, .kwMax:
            return try parseAggregate()
        case .kwToday:
            advance()
            if kind == .dot, !atBoundary {
                throw fail(.expectedToken, "`today` is a date and has no fields", at: tok.range)
            }
            return Expr(.today, t.range)
        case .name:
            let names = try parsePathNames()
            return Expr(.path(names), names[0].range.union(names[names.count - 1].range))
        case .leftParen:
            advance()
            groupDepth += 1
            let savedWhere = whereDepth
            whereDepth = 0
            defer {
                groupDepth -= 1
                whereDepth = savedWhere
            }
            let inner = try parseExpression()
            let closer = try close(.rightParen, opener: t, "`(`")
            return Expr(.group(inner), t.range.union(closer.range))
        case .leftBracket:
            return try parseList()
        case .kwCatalog:
            throw fail(.expectedToken, "`catalog` can only follow `in` or `not in`", at: t.range,
                       help: "write `service in catalog`")
        case .invalid:
            advance()
            throw Failure()
        default:
            if t.kind.isKeyword, [TokenKind.kwAnd, .kwOr, .kwWhen, .kwUnless, .kwBecause, .kwIs, .kwIn,
                                   .kwContains, .kwBetween].contains(t.kind) || atBoundary {
                let after = p > 0 ? " after \(describeToken(previous))" : ""
                throw fail(.expectedExpression, "expected a value or condition\(after), found \(describe(t))")
            }
            if t.kind.isKeyword {
                throw fail(.reservedWord, "`\(text(t))` is a reserved word, not a value", at: t.range)
            }
            if t.kind == .leftBrace {
                // JSON pasted where a value goes: `services = [{"name": "SIEM", "seats": 20}]`.
                throw fail(.expectedExpression, "expected a value or condition, found \(describe(t)): objects are JSON, not values here",
                           help: "add each item by its name instead: `add KIND \"NAME\" with FIELD = VALUE`, as in `add service \"SIEM\" with seats = 20`; a list of values is `[a, b]`")
            }
            throw fail(.expectedExpression, "expected a value or condition, found \(describe(t))")
        }
    }

    private func describeToken(_ t: Token) -> String {
        switch t.kind {
        case .name, .number, .money, .percent, .duration, .date, .text: "`\(text(t))`"
        default: t.kind.description
        }
    }

    /// path = NAME , { "." , NAME } ;
    mutating func parsePathNames() throws(Failure) -> [Name] {
        var names = [try parseName("a field name")]
        while kind == .dot, !atBoundary {
            advance()
            names.append(try parseName("a field name after `.`"))
        }
        return names
    }

    /// list = "[" , [ expression , { "," , expression } , [ "," ] ] , "]" ;
    mutating func parseList() throws(Failure) -> Expr {
        let opener = advance()
        groupDepth += 1
        defer { groupDepth -= 1 }
        var elements: [Expr] = []
        while kind != .rightBracket {
            if atEnd || (tok.startsLine && kind.startsDeclaration) { break }
            elements.append(try parseExpression())
            if accept(.comma) == nil { break }
        }
        let closer = try close(.rightBracket, opener: opener, "`[`")
        return Expr(.list(elements), opener.range.union(closer.range))
    }

    /// quantified = ( "any" | "every" | "no" ) , NAME , ( "(" , expression , ")" | comparison ) ;
    /// The comparison must start with the item: `any service is "SIEM"`, `every service.seats >= 5`.
    mutating func parseQuantified() throws(Failure) -> Expr {
        let q = advance()
        let quantifier: Quantifier = q.kind == .kwAny ? .any : q.kind == .kwEvery ? .every : .no
        guard kind == .name else {
            throw fail(.expectedToken, "expected an item kind after `\(text(q))`, found \(describe(tok))",
                       help: "write `\(text(q)) service is \"SIEM\"`")
        }
        let itemToken = tok
        let item = Name(text(itemToken), itemToken.range)
        let next = peek()
        if next.kind == .leftParen, !next.startsLine {
            advance()
            let body = try parsePrimary()
            return Expr(.quantified(quantifier, item, body), q.range.union(body.range), operatorRange: q.range)
        }
        let ends = next.kind == .endOfInput || next.kind == .rightParen || next.kind == .rightBracket
            || next.kind == .comma || next.kind == .kwAnd || next.kind == .kwOr || next.kind == .kwUnless
            || next.kind == .kwBecause || (next.startsLine && groupDepth == 0)
        if ends {
            throw fail(.bareQuantifier, "`\(text(q)) \(item.text)` needs a condition about the \(item.text)",
                       at: q.range.union(itemToken.range),
                       help: quantifier == .no
                           ? "to ask whether there are none, write `count of \(item.text)s = 0`"
                           : "to ask whether there are any, write `count of \(item.text)s > 0`; or add a condition: `\(text(q)) \(item.text) is \"…\"`")
        }
        try nest()
        defer { depth -= 1 }
        let body = try parseComparison()
        guard leftmostPath(body)?.text == item.text else {
            throw fail(.expectedToken, "the condition after `\(text(q)) \(item.text)` must start with `\(item.text)`",
                       at: body.range, help: "write `\(text(q)) \(item.text) (…)` for any other condition")
        }
        return Expr(.quantified(quantifier, item, body), q.range.union(body.range), operatorRange: q.range)
    }

    private func leftmostPath(_ e: Expr) -> Name? {
        switch e.kind {
        case .path(let names): names.first
        case .compare(_, let l, _), .binary(_, let l, _): leftmostPath(l)
        case .between(let l, _, _, _): leftmostPath(l)
        case .number, .money, .percent, .duration, .date, .text, .flag, .list, .today, .catalog, .negate, .not,
             .quantified, .aggregate, .group, .interpolated, .invalid: nil
        }
    }

    /// aggregate = ( "count" | "sum" | "min" | "max" ) , "of" , path , [ "where" , where_condition ] ;
    /// where_condition = "(" , expression , ")" | { "not" } , comparison ;
    mutating func parseAggregate() throws(Failure) -> Expr {
        let a = advance()
        let kind: AggregateKind = switch a.kind {
        case .kwCount: .count
        case .kwSum: .sum
        case .kwMin: .min
        default: .max
        }
        guard self.kind == .kwOf else {
            throw fail(.expectedToken, "expected `of` after `\(text(a))`, found \(describe(tok))",
                       help: "write `\(text(a)) of services\(kind == .count ? "" : ".seats")`")
        }
        advance()
        let path = try parsePathNames()
        var condition: Expr?
        if self.kind == .kwWhere, !atBoundary {
            advance()
            whereDepth += 1
            defer { whereDepth -= 1 }
            condition = try parseWhereCondition()
        }
        let end = condition?.range ?? path[path.count - 1].range
        return Expr(.aggregate(kind, path, where: condition), a.range.union(end), operatorRange: a.range)
    }

    private mutating func parseWhereCondition() throws(Failure) -> Expr {
        try nest()
        defer { depth -= 1 }
        if kind == .kwNot {
            let op = advance()
            let inner = try parseWhereCondition()
            return Expr(.not(inner), op.range.union(inner.range), operatorRange: op.range)
        }
        return try parseComparison()
    }

    // MARK: Literals

    /// A literal token's value; `negative` when a `-` came just before it.
    private mutating func literal(_ t: Token, negative: Bool = false) -> Expr {
        let bytes = source.bytes[Int(t.range.start)..<Int(t.range.end)]
        switch t.kind {
        case .number:
            return Expr(.number(fixed(bytes, t, negative: negative)), t.range)
        case .money:
            return Expr(.money(fixed(bytes.dropFirst(), t, negative: negative)), t.range)
        case .percent:
            return Expr(.percent(fixed(bytes.dropLast(), t, negative: negative)), t.range)
        case .date:
            return Expr(.date(Day.parse(bytes) ?? Day(number: 0)), t.range)
        default:
            let text = String(decoding: bytes, as: UTF8.self)
            let digits = text.prefix { $0.isNumber || $0 == "," || $0 == "." }
            let unit = text.dropFirst(digits.count).trimmingSpaces
            let count = fixed(Array(digits.utf8)[...], t, negative: negative)
            guard let u = Duration.unit(Array(unit.utf8)), count.isWhole,
                  let n = Int32(exactly: count.raw / Fixed.scale) else {
                if count.isWhole {
                    report(.invalidNumber, "`\(text)` is too long a duration", at: t.range)
                }
                return Expr(.duration(Duration()), t.range)
            }
            let (m, o1) = u.months.multipliedReportingOverflow(by: n)
            let (d, o2) = u.days.multipliedReportingOverflow(by: n)
            if o1 || o2 { report(.invalidNumber, "`\(text)` is too long a duration", at: t.range) }
            return Expr(.duration(Duration(months: o1 ? 0 : m, days: o2 ? 0 : d)), t.range)
        }
    }

    private mutating func fixed(_ bytes: ArraySlice<UInt8>, _ t: Token, negative: Bool = false) -> Fixed {
        switch Fixed.parse(negative ? [UInt8(ascii: "-")] + bytes : bytes, allowExponent: false) {
        case .success(let v): return v
        case .failure(.overflow):
            report(.invalidNumber, "`\(negative ? "-" : "")\(text(t))` is too large", at: t.range,
                   help: "amounts go from -9,223,372,036,854.775808 to 9,223,372,036,854.775807")
        case .failure:
            break  // the lexer has reported it
        }
        return .zero
    }

    /// The text between the quotes, with `\"` and `\\` resolved. Inside a message's `{…}`
    /// the text is escaped once more (`\"SIEM\"`, see `Lexer.lexEscapedText`): resolved twice.
    func decodeText(_ r: SourceRange) -> String {
        let b = source.bytes
        let escaped = inMessage && b[Int(r.start)] == UInt8(ascii: "\\")
        let quote = escaped ? 2 : 1
        let start = min(Int(r.start) + quote, Int(r.end))
        var end = Int(r.end)
        if end - start >= quote, b[end - 1] == UInt8(ascii: "\"") { end -= quote }
        let once = Parser.unescape(b[start..<max(start, end)])
        return String(decoding: escaped ? Parser.unescape(once[...]) : once, as: UTF8.self)
    }

    /// `\"` and `\\` resolved; any other backslash kept as it is.
    static func unescape(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == UInt8(ascii: "\\"), i + 1 < text.endIndex,
               text[i + 1] == UInt8(ascii: "\"") || text[i + 1] == UInt8(ascii: "\\") {
                out.append(text[i + 1])
                i += 2
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }

    /// message = TEXT ;  (with `{expression}` parts; `{{` and `}}` are literal braces)
    mutating func parseMessage(_ t: Token) -> Expr {
        let b = source.bytes
        var segments: [TextSegment] = []
        var literal: [UInt8] = []
        var i = Int(t.range.start) + 1
        var end = Int(t.range.end)
        if end > i, b[end - 1] == UInt8(ascii: "\"") { end -= 1 }
        func flush() {
            if !literal.isEmpty {
                segments.append(.literal(String(decoding: literal, as: UTF8.self)))
                literal.removeAll()
            }
        }
        while i < end {
            let c = b[i]
            if c == UInt8(ascii: "\\"), i + 1 < end, b[i + 1] == UInt8(ascii: "\"") || b[i + 1] == UInt8(ascii: "\\") {
                literal.append(b[i + 1])
                i += 2
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "}"), i + 1 < end, b[i + 1] == c {
                // `{{` and `}}` are literal braces.
                literal.append(c)
                i += 2
            } else if c == UInt8(ascii: "{") {
                guard let close = Parser.interpolationEnd(b, from: i + 1, to: end) else {
                    report(.invalidInterpolation, "`{` in the message is not closed", at: SourceRange(i, i + 1),
                           help: "close it with `}`, or write `{{` for a literal brace")
                    literal.append(c)
                    i += 1
                    continue
                }
                flush()
                if let e = parseInterpolation(from: i + 1, to: close) {
                    segments.append(.expression(e))
                }
                i = close + 1
            } else {
                literal.append(c)
                i += 1
            }
        }
        flush()
        return Expr(.interpolated(segments), t.range)
    }

    /// The `}` that closes a message's `{…}` opened before `from`: the first one outside the
    /// text written in it (`{name is \"a}b\"}`).
    static func interpolationEnd(_ b: [UInt8], from: Int, to end: Int) -> Int? {
        var i = from
        var inText = false
        while i < end {
            if b[i] == UInt8(ascii: "\\"), i + 1 < end {
                // `\"` opens or closes text; inside it, `\\\"` and `\\\\` are characters.
                if b[i + 1] == UInt8(ascii: "\"") {
                    inText.toggle()
                } else if inText, i + 3 < end, b[i + 1] == UInt8(ascii: "\\"), b[i + 2] == UInt8(ascii: "\\") {
                    i += 4
                    continue
                }
                i += 2
                continue
            }
            if b[i] == UInt8(ascii: "}"), !inText { return i }
            i += 1
        }
        return nil
    }

    /// Parses the expression between `{` and `}` of a message, with ranges in the file.
    private mutating func parseInterpolation(from start: Int, to end: Int) -> Expr? {
        let sub = Lexer.tokenize(source, range: start..<end, inMessage: true)
        var inner = sub.tokens
        if inner.count == 1 {
            report(.invalidInterpolation, "empty `{}` in the message", at: SourceRange(start - 1, end + 1),
                   help: "put an expression inside, like `{service.name}`, or write `{{` for a literal brace")
            return nil
        }
        for k in inner.indices { inner[k].newlinesBefore = 0 }
        diagnostics += sub.diagnostics
        var parser = Parser(source, tokens: inner, limits: .default)
        parser.depth = depth
        parser.inMessage = true
        let e = try? parser.parseExpression()
        // What the `{…}` lacks to be an expression is said as the parser says it, under the
        // code of a broken interpolation.
        diagnostics += parser.diagnostics.map { d in
            guard [.expectedExpression, .expectedToken, .unclosed].contains(d.code) else { return d }
            var d = d
            d.code = .invalidInterpolation
            return d
        }
        if e != nil, !parser.atEnd {
            report(.invalidInterpolation, "unexpected \(parser.describe(parser.tok)) in `{…}`", at: parser.tok.range,
                   help: "a `{…}` holds one expression, like `{service.lead_time}`")
            return nil
        }
        return e
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
