/// The kinds of token. A kind's `description` is how messages spell it.
package enum TokenKind: UInt8, Sendable, Hashable, CustomStringConvertible {
    case name
    case number      // 1,200  3.5
    case money       // $120,000
    case percent     // 20%
    case duration    // 30 days
    case date        // 2026-12-01
    case text        // "SIEM"

    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    case comma, colon, dot
    case equals, notEquals, less, lessEqual, greater, greaterEqual
    case plus, minus, star, slash

    // Keywords: reserved everywhere.
    case kwAnd, kwOr, kwNot, kwIs, kwIn, kwContains, kwBetween
    case kwAny, kwEvery, kwNo, kwYes
    case kwOf, kwWhere, kwCount, kwSum, kwMin, kwMax
    case kwWhen, kwUnless, kwBecause, kwRequire, kwDeny, kwWarn, kwRule
    case kwChoice, kwDeal, kwItem, kwCatalog, kwFrom, kwApproval, kwDefine, kwInclude, kwList
    case kwToday, kwScenario, kwExpect, kwAdd, kwRemove, kwUnset, kwWith

    case endOfInput
    /// Something the lexer already reported; the parser skips it quietly.
    case invalid

    package var description: String {
        switch self {
        case .name: "a name"
        case .number: "a number"
        case .money: "an amount of money"
        case .percent: "a percent"
        case .duration: "a duration"
        case .date: "a date"
        case .text: "a text in quotes"
        case .leftParen: "`(`"
        case .rightParen: "`)`"
        case .leftBracket: "`[`"
        case .rightBracket: "`]`"
        case .leftBrace: "`{`"
        case .rightBrace: "`}`"
        case .comma: "`,`"
        case .colon: "`:`"
        case .dot: "`.`"
        case .equals: "`=`"
        case .notEquals: "`!=`"
        case .less: "`<`"
        case .lessEqual: "`<=`"
        case .greater: "`>`"
        case .greaterEqual: "`>=`"
        case .plus: "`+`"
        case .minus: "`-`"
        case .star: "`*`"
        case .slash: "`/`"
        case .endOfInput: "the end of the input"
        case .invalid: "an invalid token"
        default: "`\(keywordSpelling ?? "?")`"
        }
    }

    package var keywordSpelling: String? { TokenKind.spellings[self] }

    package var isKeyword: Bool { rawValue >= TokenKind.kwAnd.rawValue && rawValue <= TokenKind.kwWith.rawValue }

    package var isLiteral: Bool { rawValue >= TokenKind.number.rawValue && rawValue <= TokenKind.text.rawValue }

    /// Keywords that start a declaration: where the parser resynchronises after an error.
    package var startsDeclaration: Bool {
        switch self {
        case .kwRule, .kwRequire, .kwDeny, .kwWarn, .kwChoice, .kwDeal, .kwItem, .kwCatalog,
             .kwApproval, .kwDefine, .kwInclude, .kwScenario: true
        default: false
        }
    }

    /// A line that starts with one of these continues the line before.
    package var continuesLine: Bool {
        switch self {
        case .kwAnd, .kwOr, .kwWhen, .kwUnless, .kwBecause: true
        default: false
        }
    }

    static let keywords: [(String, TokenKind)] = [
        ("and", .kwAnd), ("or", .kwOr), ("not", .kwNot), ("is", .kwIs), ("in", .kwIn),
        ("contains", .kwContains), ("between", .kwBetween), ("any", .kwAny), ("every", .kwEvery),
        ("no", .kwNo), ("yes", .kwYes), ("of", .kwOf), ("where", .kwWhere), ("count", .kwCount),
        ("sum", .kwSum), ("min", .kwMin), ("max", .kwMax), ("when", .kwWhen), ("unless", .kwUnless),
        ("because", .kwBecause), ("require", .kwRequire), ("deny", .kwDeny), ("warn", .kwWarn),
        ("rule", .kwRule), ("choice", .kwChoice), ("deal", .kwDeal), ("item", .kwItem),
        ("catalog", .kwCatalog), ("from", .kwFrom), ("approval", .kwApproval), ("define", .kwDefine),
        ("include", .kwInclude), ("list", .kwList), ("today", .kwToday), ("scenario", .kwScenario),
        ("expect", .kwExpect), ("add", .kwAdd), ("remove", .kwRemove), ("unset", .kwUnset),
        ("with", .kwWith),
    ]

    static let spellings: [TokenKind: String] = Dictionary(uniqueKeysWithValues: keywords.map { ($1, $0) })

    /// Every reserved word, for messages and completion.
    package static var reservedWords: [String] { keywords.map(\.0) }

    /// The keyword spelled by these bytes, if any. Every keyword has at most eight bytes, so a
    /// name of two to eight bytes is packed into one integer and compared with the keywords of
    /// its length: a few integer comparisons, no String made.
    static func keyword(_ bytes: ArraySlice<UInt8>) -> TokenKind? {
        let n = bytes.count
        guard n >= 2, n <= 8 else { return nil }
        let code = packed(bytes)
        for entry in keywordCodes[n] where entry.code == code { return entry.kind }
        return nil
    }

    /// Up to eight bytes as one integer, the first in the lowest byte.
    private static func packed<C: Collection<UInt8>>(_ bytes: C) -> UInt64 {
        var code: UInt64 = 0, shift: UInt64 = 0
        for byte in bytes {
            code |= UInt64(byte) << shift
            shift += 8
        }
        return code
    }

    /// The keywords packed (`packed`), by their length in bytes.
    private static let keywordCodes: [[(code: UInt64, kind: TokenKind)]] = {
        var table = [[(code: UInt64, kind: TokenKind)]](repeating: [], count: 9)
        for (w, k) in keywords {
            precondition(w.utf8.count <= 8, "a keyword longer than eight bytes: \(w)")
            table[w.utf8.count].append((packed(w.utf8), k))
        }
        return table
    }()
}

/// One token: its kind, its range of UTF-8 offsets, and how many line breaks came before it
/// (0: same line as the previous token). Line and column are computed only for messages.
package struct Token: Sendable, Hashable {
    package var kind: TokenKind
    package var range: SourceRange
    package var newlinesBefore: UInt8

    package var startsLine: Bool { newlinesBefore > 0 }
}

/// A comment and where it is; the formatter puts each one back.
package struct Comment: Sendable, Hashable {
    package var range: SourceRange
    /// True when code stands before it on its line (`deal { # the facts`).
    package var trailing: Bool
}
