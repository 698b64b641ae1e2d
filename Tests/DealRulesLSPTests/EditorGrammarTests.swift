import DealRules
import Foundation
import Testing

/// `editors/dealrules.tmLanguage.json` against the lexer: every keyword, operator and kind of
/// literal the lexer knows is coloured, and each token of the samples gets the scope its kind
/// calls for. A small TextMate matcher (first match on the line, earliest pattern first) stands
/// in for the editor.
@Suite struct EditorGrammarTests {
    struct Pattern {
        var name: String?
        var match: NSRegularExpression?
        var begin: NSRegularExpression?
        var end: NSRegularExpression?
        var captures: [Int: String] = [:]
    }

    nonisolated(unsafe) static let grammar: [String: Any] = {
        let data = try! Data(contentsOf: packageRoot.appendingPathComponent("editors/dealrules.tmLanguage.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    /// The top-level patterns, includes resolved, in order.
    static let patterns: [Pattern] = {
        let repository = grammar["repository"] as! [String: [String: Any]]
        func flatten(_ p: [String: Any]) -> [Pattern] {
            if let include = p["include"] as? String { return flatten(repository[String(include.dropFirst())]!) }
            if let list = p["patterns"] as? [[String: Any]], p["begin"] == nil { return list.flatMap(flatten) }
            func regex(_ key: String) -> NSRegularExpression? {
                (p[key] as? String).map { try! NSRegularExpression(pattern: $0, options: [.anchorsMatchLines]) }
            }
            var captures: [Int: String] = [:]
            for (k, v) in (p["captures"] as? [String: [String: String]]) ?? [:] { captures[Int(k)!] = v["name"] }
            return [Pattern(name: p["name"] as? String, match: regex("match"), begin: regex("begin"), end: regex("end"), captures: captures)]
        }
        return (grammar["patterns"] as! [[String: Any]]).flatMap(flatten)
    }()

    /// The scopes of one line: ranges of UTF-16 units and their scope names.
    static func scopes(_ line: String) -> [(NSRange, String)] {
        let ns = line as NSString
        var out: [(NSRange, String)] = []
        var at = 0
        while at < ns.length {
            var best: (NSTextCheckingResult, Pattern)?
            for p in patterns {
                guard let r = (p.match ?? p.begin)?.firstMatch(in: line, range: NSRange(location: at, length: ns.length - at)) else { continue }
                if best == nil || r.range.location < best!.0.range.location { best = (r, p) }
            }
            guard let (m, p) = best else { break }
            var range = m.range
            if let end = p.end {
                let from = m.range.location + m.range.length
                let e = end.firstMatch(in: line, range: NSRange(location: from, length: ns.length - from))
                range.length = (e.map { $0.range.location + $0.range.length } ?? ns.length) - range.location
            }
            for (i, name) in p.captures where m.range(at: i).location != NSNotFound { out.append((m.range(at: i), name)) }
            if let name = p.name { out.append((range, name)) }
            at = max(range.location + range.length, at + 1)
        }
        return out
    }

    /// The scope at a column of a line (the innermost: the shortest range holding it).
    static func scope(_ line: String, at column: Int) -> String? {
        scopes(line).filter { NSLocationInRange(column, $0.0) }.min { $0.0.length < $1.0.length }?.1
    }

    @Test func isValidJSONWithScopesOfItsLanguage() throws {
        #expect(Self.grammar["scopeName"] as? String == "source.dealrules")
        #expect(Self.patterns.count > 20)
        let roots = ["comment", "constant", "entity", "keyword", "punctuation", "storage", "string", "support", "variable", "meta"]
        for p in Self.patterns {
            for name in [p.name].compactMap({ $0 }) + Array(p.captures.values) {
                #expect(name.hasSuffix(".dealrules") && roots.contains(String(name.prefix { $0 != "." })), "\(name)")
            }
        }
        // The VS Code extension's copy is the same file.
        let linked = packageRoot.appendingPathComponent("editors/vscode/syntaxes/dealrules.tmLanguage.json")
        #expect(try Data(contentsOf: linked) == Data(contentsOf: URL(fileURLWithPath: path("editors/dealrules.tmLanguage.json"))))
    }

    @Test func everyKeywordIsAKeyword() {
        for word in TokenKind.reservedWords {
            let scope = Self.scope("x \(word) y", at: 2)
            #expect(scope.map { !$0.hasPrefix("variable.other") } == true, "`\(word)`: \(scope ?? "no scope")")
        }
    }

    @Test func everyOperatorAndPunctuation() {
        var found = 0
        for raw in 0...UInt8.max {
            guard let kind = TokenKind(rawValue: raw), !kind.isKeyword, !kind.isLiteral, kind != .name, kind != .endOfInput,
                  kind != .invalid else { continue }
            let spelling = kind.description.trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let scope = Self.scope("a \(spelling) b", at: 2)
            #expect(scope?.hasPrefix("keyword.operator") == true || scope?.hasPrefix("punctuation") == true, "`\(spelling)`: \(scope ?? "none")")
            found += 1
        }
        #expect(found == 19)
    }

    @Test(arguments: [
        ("1,200", "constant.numeric.number"), ("3.5", "constant.numeric.number"), ("$120,000", "constant.numeric.money"),
        ("$99.50", "constant.numeric.money"), ("20%", "constant.numeric.percent"), ("30 days", "constant.numeric.duration"),
        ("1 month", "constant.numeric.duration"), ("2026-12-01", "constant.numeric.date"), ("\"SIEM\"", "string.quoted"),
        ("# a comment", "comment.line"), ("discount", "variable.other"), ("yes", "constant.language"),
    ])
    func literals(_ text: String, _ scope: String) {
        #expect(Self.scope("x = \(text)", at: 4)?.hasPrefix(scope) == true, "\(text): \(Self.scope("x = \(text)", at: 4) ?? "none")")
    }

    /// Each token of the samples gets a scope for its kind.
    @Test func theSamplesAreColouredByKind() throws {
        var checked = 0
        for file in try FileManager.default.subpathsOfDirectory(atPath: path("samples/northwind")) where file.hasSuffix(".rules") {
            let source = SourceFile(path: file, bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path("samples/northwind/" + file)))))
            let lines = String(decoding: source.bytes, as: UTF8.self).components(separatedBy: "\n")
            for token in Lexer.tokenize(source).tokens where token.kind != .endOfInput {
                let (line, _) = source.position(of: Int(token.range.start))
                let lineStart = source.bytes[..<Int(token.range.start)].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
                let column = String(decoding: source.bytes[lineStart..<Int(token.range.start)], as: UTF8.self).utf16.count
                let scope = Self.scope(lines[line - 1], at: column) ?? "none"
                let ok: Bool = switch token.kind {
                case .name: ["variable.other", "entity.name", "support.type"].contains { scope.hasPrefix($0) }
                case .text: scope.hasPrefix("string")
                case .number, .money, .percent, .duration, .date: scope.hasPrefix("constant.numeric")
                default: token.kind.isKeyword ? !scope.hasPrefix("variable.other") && scope != "none"
                    : scope.hasPrefix("keyword.operator") || scope.hasPrefix("punctuation")
                }
                #expect(ok, "\(file):\(line): `\(source.text(of: token.range))` (\(token.kind)) is \(scope)")
                checked += 1
            }
        }
        #expect(checked > 1000)
    }
}
