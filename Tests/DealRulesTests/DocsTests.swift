import Foundation
import Testing
@testable import DealRules

@Suite struct DocsTests {
    @Test func everyDiagnosticCodeIsDocumented() throws {
        let doc = try String(contentsOf: packageRoot.appendingPathComponent("docs/diagnostics.md"), encoding: .utf8)
        for code in DiagnosticCode.allCases {
            let row = "| `\(code.rawValue)` | \(code.defaultSeverity.rawValue) | \(code.meaning.replacingOccurrences(of: "|", with: "\\|")) |"
            #expect(doc.contains(row), "docs/diagnostics.md lacks or misstates \(code.rawValue)")
        }
    }

    /// `name = body ;` with white space folded, for each production in `text`.
    static func productions(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        let pattern = try! NSRegularExpression(pattern: #"([a-z_]+)\s+=\s+(.*?);"#, options: [.dotMatchesLineSeparators])
        let ns = text as NSString
        for m in pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let name = ns.substring(with: m.range(at: 1))
            let body = ns.substring(with: m.range(at: 2)).split(whereSeparator: \.isWhitespace).joined(separator: " ")
            out[name] = body
        }
        return out
    }

    @Test func theParserMirrorsTheGrammar() throws {
        var grammar = try String(contentsOf: packageRoot.appendingPathComponent("grammar/dealrules.ebnf"), encoding: .utf8)
        // Drop comments: `(* … *)`.
        while let open = grammar.range(of: "(*"), let close = grammar.range(of: "*)", range: open.upperBound..<grammar.endIndex) {
            grammar.removeSubrange(open.lowerBound..<close.upperBound)
        }
        let source = try String(contentsOf: packageRoot.appendingPathComponent("Sources/DealRules/Syntax/Parser.swift"), encoding: .utf8)
        // Doc comments, joined per block.
        var docs = ""
        var block: [String] = []
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("///") {
                block.append(String(t.dropFirst(3)))
            } else if !block.isEmpty {
                docs += block.joined(separator: " ") + "\n"
                block = []
            }
        }
        let wanted = Self.productions(grammar)
        let found = Self.productions(docs)
        #expect(wanted.count >= 35)
        for (name, body) in wanted {
            #expect(found[name] == body, "the parser's doc comment for `\(name)` differs from grammar/dealrules.ebnf")
        }
        for name in found.keys {
            #expect(wanted[name] != nil, "the parser names a production `\(name)` that the grammar lacks")
        }
    }

    @Test func theGrammarListsEveryKeyword() throws {
        let grammar = try String(contentsOf: packageRoot.appendingPathComponent("grammar/dealrules.ebnf"), encoding: .utf8)
        let listed = grammar.components(separatedBy: "Keywords are reserved:")[1].components(separatedBy: "Line breaks")[0]
        let words = Set(listed.split(whereSeparator: { $0.isWhitespace }).map(String.init))
        #expect(words == Set(TokenKind.reservedWords))
    }

    /// Each test folder's README names every test file in it, so a failure can be traced to
    /// the code it points at.
    @Test func testFolderReadmesNameEveryTestFile() throws {
        for folder in ["Tests/DealRulesTests", "Tests/DealRulesREPLTests", "Tests/CLITests"] {
            let dir = packageRoot.appendingPathComponent(folder)
            let readme = try String(contentsOf: dir.appendingPathComponent("README.md"), encoding: .utf8)
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".swift") }
            #expect(files.count > 3)
            for file in files {
                #expect(readme.contains("`\(file.dropLast(".swift".count))`"), "\(folder)/README.md does not name \(file)")
            }
        }
    }

    /// The project documents itself: no comment or doc points at a file outside the repository.
    @Test func nothingCitesTheDesignBriefOutsideTheRepository() throws {
        var found: [String] = []
        // (scripts/bench* run the bench-peers harness, which lives beside the project.)
        for folder in ["Sources", "Tests", "docs", "grammar", "include", "samples", "Fuzz/Sources", "Benchmarks/Benchmarks"] {
            let dir = packageRoot.appendingPathComponent(folder)
            guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in e where ["swift", "md", "h", "c", "py", "ebnf", "json", "rules"].contains(url.pathExtension) || url.pathExtension.isEmpty {
                guard url.lastPathComponent != "DocsTests.swift", let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
                if text.contains("LANGUAGE.md") || text.contains("CONVENTIONS.md") || text.contains("../shared/") {
                    found.append(String(url.path.dropFirst(packageRoot.path.count + 1)))
                }
            }
        }
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        if readme.contains("LANGUAGE.md") || readme.contains("CONVENTIONS.md") { found.append("README.md") }
        #expect(found.isEmpty, "files that cite a document outside the repository: \(found.sorted())")
    }
}
