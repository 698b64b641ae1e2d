import Testing
@testable import DealRules

@Suite struct LexerTests {
    func kinds(_ text: String) -> [TokenKind] {
        Lexer.tokenize(SourceFile(path: "t", text: text)).tokens.map(\.kind).dropLast()
    }

    func texts(_ text: String) -> [String] {
        let src = SourceFile(path: "t", text: text)
        return Lexer.tokenize(src).tokens.dropLast().map { src.text(of: $0.range) }
    }

    func codes(_ text: String) -> [DiagnosticCode] {
        Lexer.tokenize(SourceFile(path: "t", text: text)).diagnostics.map(\.code)
    }

    @Test func literals() {
        #expect(kinds("1,200 3.5 $120,000 $99.50 20% 2.5% 30 days 2 weeks 12 months 1 year 2026-12-01 \"SIEM\" yes no")
            == [.number, .number, .money, .money, .percent, .percent, .duration, .duration, .duration, .duration,
                .date, .text, .kwYes, .kwNo])
        #expect(texts("30 days 12months") == ["30 days", "12months"])
    }

    @Test(arguments: [
        ("1,200", ["1,200"]),
        ("[1, 200]", ["[", "1", ",", "200", "]"]),
        ("[1,200]", ["[", "1,200", "]"]),
        ("1,2000", ["1", ",", "2000"]),
        ("1,20", ["1", ",", "20"]),
        ("1,200,000.5", ["1,200,000.5"]),
        ("$1,200.50", ["$1,200.50"]),
        // The digits before the first comma are not counted (docs/language.md).
        ("$2850,000", ["$2850,000"]),
    ])
    func thousandsSeparators(text: String, expected: [String]) {
        #expect(texts(text) == expected)
    }

    @Test func dateIsNotSubtraction() {
        #expect(kinds("2026-12-01") == [.date])
        #expect(kinds("2026 - 12") == [.number, .minus, .number])
        #expect(kinds("2026-12") == [.number, .minus, .number])
        #expect(codes("2026-02-30") == [.invalidDate])
        #expect(codes("2024-02-29").isEmpty)
    }

    @Test func keywordsAndNames() {
        #expect(kinds("require finance_approval when discount") == [.kwRequire, .name, .kwWhen, .name])
        #expect(kinds("service.lead_time") == [.name, .dot, .name])
        #expect(kinds("café") == [.name])
        #expect(kinds("Count count") == [.name, .kwCount])
    }

    /// Every keyword is one (matched as a packed integer of its bytes), and a name that shares
    /// a keyword's first bytes, or has a byte more or fewer, is a name.
    @Test func everyKeywordAndOnlyKeywords() {
        for (word, kind) in TokenKind.keywords {
            #expect(kinds(word) == [kind], "\(word)")
            #expect(kinds(word + "s") == [.name], "\(word)s")
            #expect(kinds(String(word.dropLast())).first != kind, "\(word.dropLast())")
            #expect(kinds(word.uppercased()) == [.name], "\(word.uppercased())")
        }
        #expect(kinds("a") == [.name])
        #expect(kinds("scenarios includes approvals") == [.name, .name, .name])
    }

    @Test func text() {
        let src = SourceFile(path: "t", text: #""a \"quoted\" \\ word""#)
        let lexer = Lexer.tokenize(src)
        #expect(lexer.diagnostics.isEmpty)
        #expect(lexer.tokens.map(\.kind) == [.text, .endOfInput])
        #expect(codes("\"open\nnext") == [.unterminatedText])
        #expect(codes("\"C:\\temp\"") == [.invalidEscape])
    }

    @Test func operatorsFromOtherLanguagesAreNamed() {
        #expect(codes("a == b") == [.wrongOperator])
        #expect(codes("a && b || !c") == [.wrongOperator, .wrongOperator, .wrongOperator])
        #expect(kinds("a == b") == [.name, .equals, .name])
        #expect(kinds("a <> b") == [.name, .notEquals, .name])
        #expect(kinds("a != b <= c >= d") == [.name, .notEquals, .name, .lessEqual, .name, .greaterEqual, .name])
    }

    @Test func unexpectedCharacters() {
        #expect(codes("a ; b") == [.unexpectedCharacter])
        #expect(codes("discount > 20 %") == [.unexpectedCharacter])
        #expect(codes("a\u{00A0}b") == [.unexpectedCharacter])
        #expect(codes(".5") == [.invalidNumber])
        #expect(codes("$x") == [.invalidNumber])
        #expect(codes("1.5 days") == [.invalidNumber])
        #expect(codes("0.1234567") == [.tooPrecise])
        #expect(codes("0.1234560000").isEmpty)
    }

    @Test func commentsAndLineBreaks() {
        let src = SourceFile(path: "t", text: "a # one\n\n  b # two\n# three\nc")
        let lexer = Lexer.tokenize(src)
        #expect(lexer.comments.map { src.text(of: $0.range) } == ["# one", "# two", "# three"])
        #expect(lexer.comments.map(\.trailing) == [true, true, false])
        #expect(lexer.tokens.map(\.newlinesBefore) == [1, 2, 2, 0])
    }

    @Test func byteOrderMarkAndCRLF() {
        let src = SourceFile(path: "t", bytes: [0xEF, 0xBB, 0xBF] + Array("a\r\nb".utf8))
        #expect(Lexer.tokenize(src).tokens.map(\.kind) == [.name, .name, .endOfInput])
        #expect(src.lineText(1) == "a")
    }

    @Test func positionsCountCharacters() {
        let src = SourceFile(path: "t", text: "\"café\" x")
        let x = Lexer.tokenize(src).tokens[1]
        #expect(src.position(of: Int(x.range.start)) == (1, 8))
    }

    /// Columns count characters as a reader sees them: one per ASCII byte, one per accented
    /// letter whether precomposed or combined, on whichever line.
    @Test func columnsCountCharacters() {
        let src = SourceFile(path: "t", text: "rule a:\n  deny when x\n\"cafe\u{301}\" y\n\"é\" z")
        let offsets = ["x", "y", "z"].map { name in src.bytes.lastIndex(of: name.utf8.first!)! }
        #expect(offsets.map { src.position(of: $0) }.map { [$0.line, $0.column] } == [[2, 13], [3, 8], [4, 5]])
        #expect(src.position(of: 0) == (1, 1))
        #expect(src.position(of: src.bytes.count + 10) == (4, 6))
    }
}
