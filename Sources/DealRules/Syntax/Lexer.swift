/// Turns a source file into tokens, by hand, one byte at a time. Never fails: a character it
/// cannot read becomes a diagnostic and an `invalid` token, and lexing goes on.
package struct Lexer {
    package let source: SourceFile
    private let b: [UInt8]
    private var i = 0
    private var newlines = 1  // the start of the file counts as a line start
    private var lastTokenLine = -1
    private var line = 0
    package private(set) var tokens: [Token] = []
    package private(set) var comments: [Comment] = []
    package private(set) var diagnostics: [Diagnostic] = []
    private let maxTokenBytes: Int
    /// Where lexing stops: the end of the file, or of the `{…}` being lexed.
    private let end: Int
    /// Lexing the `{…}` of a `because` message, which sits inside a text literal: there a text
    /// literal is written with escaped quotes, `\"SIEM\"` (see `lexEscapedText`).
    private let inMessage: Bool

    package init(_ source: SourceFile, limits: Limits = .default, range: Range<Int>? = nil, inMessage: Bool = false) {
        self.source = source
        self.b = source.bytes
        self.maxTokenBytes = limits.maxTokenBytes
        self.i = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? source.bytes.count
        self.inMessage = inMessage
    }

    /// Lexes the whole file, or one range of it (a piece of a large file, or, `inMessage`, the
    /// `{…}` of a message).
    package static func tokenize(_ source: SourceFile, limits: Limits = .default, range: Range<Int>? = nil,
                                inMessage: Bool = false) -> Lexer {
        var lexer = Lexer(source, limits: limits, range: range, inMessage: inMessage)
        lexer.run()
        return lexer
    }

    private mutating func run() {
        tokens.reserveCapacity((end - i) / 4)
        while true {
            skipTrivia()
            if i >= end {
                tokens.append(Token(kind: .endOfInput, range: SourceRange(end, end),
                                    newlinesBefore: UInt8(min(newlines, 255))))
                return
            }
            let start = i
            let kind = lexToken()
            if i - start > maxTokenBytes {
                report(.limitExceeded, "this token is \(i - start) bytes long; the limit is \(maxTokenBytes)",
                       start, i, help: "split it, or raise the limit with `--max-token-bytes`")
            }
            tokens.append(Token(kind: kind, range: SourceRange(start, i), newlinesBefore: UInt8(min(newlines, 255))))
            newlines = 0
            lastTokenLine = line
        }
    }

    // MARK: Trivia

    private mutating func skipTrivia() {
        while i < end {
            switch b[i] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                i += 1
            case UInt8(ascii: "\n"):
                newlines += 1
                line += 1
                i += 1
            case UInt8(ascii: "#"):
                let start = i
                while i < end, b[i] != UInt8(ascii: "\n") { i += 1 }
                var end = i
                if end > start, b[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                comments.append(Comment(range: SourceRange(start, end), trailing: lastTokenLine == line))
            default:
                return
            }
        }
    }

    // MARK: Tokens

    private mutating func lexToken() -> TokenKind {
        let c = b[i]
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return lexNumber()
        case UInt8(ascii: "$"):
            return lexMoney()
        case UInt8(ascii: "\""):
            return lexText()
        case UInt8(ascii: "\\") where inMessage && peek(1) == UInt8(ascii: "\""):
            return lexEscapedText()
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            return lexName()
        case UInt8(ascii: "("): i += 1; return .leftParen
        case UInt8(ascii: ")"): i += 1; return .rightParen
        case UInt8(ascii: "["): i += 1; return .leftBracket
        case UInt8(ascii: "]"): i += 1; return .rightBracket
        case UInt8(ascii: "{"): i += 1; return .leftBrace
        case UInt8(ascii: "}"): i += 1; return .rightBrace
        case UInt8(ascii: ","): i += 1; return .comma
        case UInt8(ascii: ":"): i += 1; return .colon
        case UInt8(ascii: "+"): i += 1; return .plus
        case UInt8(ascii: "-"): i += 1; return .minus
        case UInt8(ascii: "*"): i += 1; return .star
        case UInt8(ascii: "/"): i += 1; return .slash
        case UInt8(ascii: "."):
            if peek(1).map(isDigit) == true {
                i += 1
                while i < end, isDigit(b[i]) { i += 1 }
                report(.invalidNumber, "a number cannot start with `.`", i - 1, i,
                       help: "write a digit before the point: `0\(source.text(i - 1, i))`…")
                return .number
            }
            i += 1
            return .dot
        case UInt8(ascii: "="):
            if peek(1) == UInt8(ascii: "=") { return misspelt(2, .equals, "`==` is not an operator", "write `is` or `=`") }
            if peek(1) == UInt8(ascii: "<") { return misspelt(2, .lessEqual, "`=<` is not an operator", "write `<=`") }
            if peek(1) == UInt8(ascii: ">") { return misspelt(2, .greaterEqual, "`=>` is not an operator", "write `>=`") }
            i += 1
            return .equals
        case UInt8(ascii: "!"):
            if peek(1) == UInt8(ascii: "=") { i += 2; return .notEquals }
            return misspelt(1, .kwNot, "`!` is not an operator", "write `not`")
        case UInt8(ascii: "<"):
            if peek(1) == UInt8(ascii: "=") { i += 2; return .lessEqual }
            if peek(1) == UInt8(ascii: ">") { return misspelt(2, .notEquals, "`<>` is not an operator", "write `is not` or `!=`") }
            i += 1
            return .less
        case UInt8(ascii: ">"):
            if peek(1) == UInt8(ascii: "=") { i += 2; return .greaterEqual }
            i += 1
            return .greater
        case UInt8(ascii: "&"):
            return misspelt(peek(1) == UInt8(ascii: "&") ? 2 : 1, .kwAnd, "`\(peek(1) == UInt8(ascii: "&") ? "&&" : "&")` is not an operator", "write `and`")
        case UInt8(ascii: "|"):
            return misspelt(peek(1) == UInt8(ascii: "|") ? 2 : 1, .kwOr, "`\(peek(1) == UInt8(ascii: "|") ? "||" : "|")` is not an operator", "write `or`")
        case UInt8(ascii: "%"):
            i += 1
            if i >= 2, b[i - 2] == UInt8(ascii: "%") {
                report(.unexpectedCharacter, "a percent takes one `%`", i - 1, i, help: "write `20%`")
            } else {
                report(.unexpectedCharacter, "`%` must follow a number directly", i - 1, i,
                       help: "write percents with no space: `20%`")
            }
            return .invalid
        default:
            if c >= 0x80, let (scalar, length) = decodeScalar(at: i) {
                if scalar.properties.isAlphabetic { return lexName() }
                i += length
                var help: String?
                if scalar.properties.isWhitespace {
                    help = "this is an unusual space (U+\(String(scalar.value, radix: 16, uppercase: true))); retype it as a plain space"
                } else if "“”„‟".unicodeScalars.contains(scalar) {
                    help = "write text in straight quotes: \"…\""
                }
                report(.unexpectedCharacter, "unexpected character `\(scalar)`", i - length, i, help: help)
                return .invalid
            }
            let start = i
            i += 1
            let shown = c >= 0x20 && c < 0x7F ? "`\(Character(UnicodeScalar(c)))`" : "byte 0x\(String(c, radix: 16, uppercase: true))"
            report(.unexpectedCharacter, "unexpected character \(shown)", start, i,
                   help: c == UInt8(ascii: ";") ? "end a rule with a new line, not `;`" : nil)
            return .invalid
        }
    }

    private mutating func misspelt(_ length: Int, _ kind: TokenKind, _ message: String, _ help: String) -> TokenKind {
        report(.wrongOperator, message, i, i + length, help: help)
        i += length
        return kind
    }

    private mutating func lexName() -> TokenKind {
        let start = i
        while i < end {
            let c = b[i]
            if Self.isNameByte(c) {
                i += 1
            } else if c >= 0x80, let (scalar, length) = decodeScalar(at: i),
                      scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                i += length
            } else {
                break
            }
        }
        return TokenKind.keyword(b[start..<i]) ?? .name
    }

    /// `1,200`  `3.5`  `20%`  `30 days`  `2026-12-01`
    private mutating func lexNumber() -> TokenKind {
        let start = i
        // A date: four digits, `-`, two digits, `-`, two digits.
        if i + 10 <= end, (0..<4).allSatisfy({ isDigit(b[i + $0]) }), b[i + 4] == UInt8(ascii: "-"),
           isDigit(b[i + 5]), isDigit(b[i + 6]), b[i + 7] == UInt8(ascii: "-"), isDigit(b[i + 8]),
           isDigit(b[i + 9]), i + 10 == end || !isDigit(b[i + 10]) {
            i += 10
            if Day.parse(b[start..<i]) == nil {
                report(.invalidDate, "`\(source.text(start, i))` is not a day of the calendar", start, i,
                       help: "write dates as YYYY-MM-DD with a real month and day")
            }
            return .date
        }
        let whole = scanDigits()
        var fraction = false
        if i + 1 < end, b[i] == UInt8(ascii: "."), isDigit(b[i + 1]) {
            i += 1
            fraction = true
            while i < end, isDigit(b[i]) { i += 1 }
        }
        checkPrecision(start, whole: whole)
        if i < end, b[i] == UInt8(ascii: "%") {
            i += 1
            return .percent
        }
        // A duration: the number, optional spaces, a unit word.
        var j = i
        while j < end, b[j] == UInt8(ascii: " ") || b[j] == UInt8(ascii: "\t") { j += 1 }
        var k = j
        while k < end, Self.isNameByte(b[k]) { k += 1 }
        if k > j, Duration.unit(b[j..<k]) != nil {
            i = k
            if fraction {
                report(.invalidNumber, "a duration is a whole number of days, weeks, months or years", start, i,
                       help: "write `1 month + 15 days`, or use a smaller unit")
            }
            return .duration
        }
        return .number
    }

    /// Digits with optional thousands separators: a comma continues the number only when three
    /// digits and then no digit follow. Returns the end of the whole part.
    private mutating func scanDigits() -> Int {
        while i < end, isDigit(b[i]) { i += 1 }
        while i + 3 < end, b[i] == UInt8(ascii: ","),
              isDigit(b[i + 1]), isDigit(b[i + 2]), isDigit(b[i + 3]),
              i + 4 == end || !isDigit(b[i + 4]) {
            i += 4
        }
        return i
    }

    private mutating func checkPrecision(_ start: Int, whole: Int) {
        if i - whole - 1 > Fixed.places, whole < i {
            // Trailing zeros beyond the sixth place are harmless; anything else is not.
            let digits = b[(whole + 1 + Fixed.places)..<i]
            if digits.contains(where: { $0 != UInt8(ascii: "0") }) {
                report(.tooPrecise, "`\(source.text(start, i))` has more than \(Fixed.places) digits after the point",
                       start, i, help: "amounts are exact to six decimal places; round it")
            }
        }
    }

    /// `$120,000`  `$99.50`
    private mutating func lexMoney() -> TokenKind {
        let start = i
        i += 1
        guard i < end, isDigit(b[i]) else {
            report(.invalidNumber, "`$` must be followed by an amount", start, i, help: "write money as `$1,200` or `$99.50`")
            return .invalid
        }
        let whole = scanDigits()
        if i + 1 < end, b[i] == UInt8(ascii: "."), isDigit(b[i + 1]) {
            i += 1
            while i < end, isDigit(b[i]) { i += 1 }
        }
        checkPrecision(start, whole: whole)
        return .money
    }

    /// `"…"` with `\"` and `\\`; it must end on its own line.
    private mutating func lexText() -> TokenKind {
        let start = i
        i += 1
        while i < end {
            switch b[i] {
            case UInt8(ascii: "\""):
                i += 1
                return .text
            case UInt8(ascii: "\\"):
                let next = peek(1)
                if next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") {
                    i += 2
                } else if next == nil || next == UInt8(ascii: "\n") {
                    i += 1
                } else {
                    let len = decodeScalar(at: i + 1)?.1 ?? 1
                    report(.invalidEscape, "unknown escape `\(source.text(i, i + 1 + len))` in text", i, i + 1 + len,
                           help: "only `\\\"` and `\\\\` are escapes; write `\\\\` for a backslash")
                    i += 1 + len
                }
            case UInt8(ascii: "\n"):
                report(.unterminatedText, "text is not closed on its line", start, start + 1,
                       help: "close it with `\"` before the end of the line")
                return .text
            case UInt8(ascii: "\r") where peek(1) == UInt8(ascii: "\n"):
                report(.unterminatedText, "text is not closed on its line", start, start + 1,
                       help: "close it with `\"` before the end of the line")
                return .text
            default:
                i += 1
            }
        }
        report(.unterminatedText, "text is not closed before the end of the file", start, start + 1,
               help: "close it with `\"`")
        return .text
    }

    /// Text inside a message's `{…}`: the message's own quotes are escaped, so this text is
    /// `\"…\"`, and inside it `\\\"` is a quote and `\\\\` a backslash (each escaped once
    /// more). `Parser.decodeText` reads it back.
    private mutating func lexEscapedText() -> TokenKind {
        let start = i
        i += 2
        while i < end {
            if b[i] == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "\"") {
                i += 2
                return .text
            }
            // `\\` then an escaped quote or backslash: one escaped character of the text.
            if b[i] == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "\\"), peek(2) == UInt8(ascii: "\\"),
               peek(3) == UInt8(ascii: "\"") || peek(3) == UInt8(ascii: "\\") {
                i += 4
                continue
            }
            i += 1
        }
        report(.unterminatedText, "text in `{…}` is not closed", start, start + 2,
               help: "close it with `\\\"`, as it opened")
        return .text
    }

    // MARK: Helpers

    private func peek(_ k: Int) -> UInt8? { i + k < end ? b[i + k] : nil }

    private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    static func isNameByte(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F
    }

    private func decodeScalar(at j: Int) -> (Unicode.Scalar, Int)? {
        guard j < end else { return nil }
        var it = b[j...].makeIterator()
        var decoder = UTF8()
        switch decoder.decode(&it) {
        case .scalarValue(let s): return (s, UTF8.width(s))
        default: return nil
        }
    }

    private mutating func report(_ code: DiagnosticCode, _ message: String, _ start: Int, _ end: Int, help: String? = nil) {
        diagnostics.append(Diagnostic(code, message, at: SourceLocation(source, SourceRange(start, end)), help: help))
    }
}

/// Whether bytes are a name: what `dealrules` accepts as a field, choice value or rule name.
package func isValidName(_ text: String) -> Bool {
    let lexer = Lexer.tokenize(SourceFile(path: "", text: text))
    return lexer.diagnostics.isEmpty && lexer.tokens.count == 2 && lexer.tokens[0].kind == .name
        && lexer.tokens[0].range == SourceRange(0, text.utf8.count)
}
