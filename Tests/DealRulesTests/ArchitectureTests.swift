import Foundation
import Testing

/// The library's folders are the pipeline's layers, and dependencies point only down (README,
/// "How the code is laid out"). These tests read the sources: a file that names a type (or a
/// top-level function or constant) declared in a folder above its own fails here.
@Suite struct ArchitectureTests {
    /// Each folder, with the folders its files may use. `Platform` and `Diagnostics` sit to the
    /// side (any layer may use them); `Interactive` sits above everything but the façade.
    static let layers: [(folder: String, uses: [String])] = [
        ("Platform", []),
        ("Diagnostics", ["Platform"]),
        ("Values", ["Platform", "Diagnostics"]),
        ("Syntax", ["Platform", "Diagnostics", "Values"]),
        ("Semantics", ["Platform", "Diagnostics", "Values", "Syntax"]),
        ("Plan", ["Platform", "Diagnostics", "Values", "Syntax", "Semantics"]),
        ("Engine", ["Platform", "Diagnostics", "Values", "Syntax", "Semantics", "Plan"]),
        ("Output", ["Platform", "Diagnostics", "Values", "Syntax", "Semantics", "Plan", "Engine"]),
        ("Interactive", ["Platform", "Diagnostics", "Values", "Syntax", "Semantics", "Plan", "Engine", "Output", "Analysis"]),
        ("Analysis", ["Platform", "Diagnostics", "Values", "Syntax", "Semantics", "Plan", "Engine", "Output"]),
    ]

    static let library = packageRoot.appendingPathComponent("Sources/DealRules")

    /// Every Swift file of the library, by folder (the façade's files at the top level are "").
    static func files() throws -> [String: [URL]] {
        var out: [String: [URL]] = [:]
        let e = FileManager.default.enumerator(at: library, includingPropertiesForKeys: nil)!
        for case let url as URL in e where url.pathExtension == "swift" {
            let parts = url.path.dropFirst(library.path.count + 1).split(separator: "/")
            out[parts.count > 1 ? String(parts[0]) : "", default: []].append(url)
        }
        return out
    }

    /// The names a file declares at its top level: types, functions, constants.
    static func declared(in code: String) -> Set<String> {
        let pattern = try! NSRegularExpression(
            pattern: #"^(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*(?:public\s+|package\s+|internal\s+|private\s+|fileprivate\s+)?(?:final\s+|indirect\s+)*(?:struct|class|enum|protocol|typealias|actor|func|let|var)\s+([A-Za-z_][A-Za-z0-9_]*)"#,
            options: [.anchorsMatchLines])
        let ns = code as NSString
        return Set(pattern.matches(in: code, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) })
    }

    /// The code without comments and string literals (what is left names things).
    static func code(_ text: String) -> String {
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            let rest = text[i...]
            if rest.hasPrefix("//") {
                i = text[i...].firstIndex(of: "\n") ?? text.endIndex
            } else if rest.hasPrefix("/*") {
                i = text.range(of: "*/", range: i..<text.endIndex)?.upperBound ?? text.endIndex
            } else if rest.hasPrefix("\"\"\"") {
                let from = text.index(i, offsetBy: 3)
                i = text.range(of: "\"\"\"", range: from..<text.endIndex)?.upperBound ?? text.endIndex
                out += "\"\""
            } else if text[i] == "\"" {
                var j = text.index(after: i)
                while j < text.endIndex, text[j] != "\"", text[j] != "\n" {
                    if text[j] == "\\" { j = text.index(after: j) }
                    if j < text.endIndex { j = text.index(after: j) }
                }
                i = j < text.endIndex ? text.index(after: j) : j
                out += "\"\""
            } else {
                out.append(text[i])
                i = text.index(after: i)
            }
        }
        return out
    }

    static func identifiers(_ code: String) -> Set<String> {
        var out: Set<String> = []
        var word = ""
        for c in code.unicodeScalars {
            if CharacterSet.alphanumerics.contains(c) || c == "_" {
                word.unicodeScalars.append(c)
            } else {
                if !word.isEmpty { out.insert(word) }
                word = ""
            }
        }
        if !word.isEmpty { out.insert(word) }
        return out
    }

    @Test func everyFileIsInALayer() throws {
        let folders = Set(try Self.files().keys)
        let known = Set(Self.layers.map(\.folder) + [""])
        #expect(folders.subtracting(known).isEmpty, "folders not in a layer: \(folders.subtracting(known).sorted())")
    }

    @Test func dependenciesPointDown() throws {
        let files = try Self.files()
        var owner: [String: String] = [:]
        for (folder, urls) in files {
            for url in urls {
                for name in Self.declared(in: Self.code(try String(contentsOf: url, encoding: .utf8))) { owner[name] = folder }
            }
        }
        var found: [String] = []
        for (folder, uses) in Self.layers {
            let allowed = Set(uses + [folder])
            for url in files[folder] ?? [] {
                let used = Self.identifiers(Self.code(try String(contentsOf: url, encoding: .utf8)))
                for name in used.sorted() {
                    guard let from = owner[name], !allowed.contains(from) else { continue }
                    found.append("\(folder)/\(url.lastPathComponent) names `\(name)` from \(from.isEmpty ? "the façade" : from)/")
                }
            }
        }
        #expect(found.isEmpty, "a lower layer names a higher one:\n\(found.joined(separator: "\n"))")
    }

    /// Case names of the syntax tree (`Expr.Kind`, `Declaration.Kind`) and the checked tree
    /// (`Node`, which the plan runs on) that no other enum of ours uses as widely: a switch that
    /// names one of them is a switch over nodes.
    static let nodeCases: Set<String> = [
        "constant", "field", "itemList", "itemField", "nameOf", "itemNames", "define", "arithmetic", "inCatalog",
        "quantified", "aggregateItems", "aggregateList", "group", "negate", "compare", "between", "member",
        "path", "binary", "aggregate", "interpolated", "catalog", "catalogFile", "include", "scenario",
    ]

    /// Switches over nodes, with whether they end in `default:` (`file:line`).
    static func nodeSwitches() throws -> [(place: String, hasDefault: Bool)] {
        var out: [(String, Bool)] = []
        let sources = packageRoot.appendingPathComponent("Sources")
        let e = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let url as URL in e where url.pathExtension == "swift" {
            let text = code(try String(contentsOf: url, encoding: .utf8))
            var search = text.startIndex
            while let found = text.range(of: #"\bswitch\b[^{]*\{"#, options: .regularExpression, range: search..<text.endIndex) {
                search = found.upperBound
                // The switch's own lines: its body without what nested braces hold.
                var depth = 1, own = "", i = found.upperBound
                while i < text.endIndex, depth > 0 {
                    let c = text[i]
                    if c == "{" { depth += 1 } else if c == "}" { depth -= 1 } else if depth == 1 { own.append(c) }
                    i = text.index(after: i)
                }
                var cases: Set<String> = []
                for line in own.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix("case ") {
                    for m in line.matches(of: /(?:^|[\s,(])\.(\w+)/) { cases.insert(String(m.1)) }
                }
                guard !cases.isDisjoint(with: nodeCases) else { continue }
                let hasDefault = own.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("default:") }
                let line = text[..<found.lowerBound].filter { $0 == "\n" }.count + 1
                out.append(("\(url.path.dropFirst(sources.path.count + 1)):\(line)", hasDefault))
            }
        }
        return out
    }

    /// Adding an operator (or a declaration) must not compile while a switch silently skips it:
    /// every switch over nodes names every case (README, "Adding an operator").
    @Test func switchesOverNodesAreExhaustive() throws {
        let switches = try Self.nodeSwitches()
        #expect(switches.count > 30, "the switches over nodes were not found: \(switches.count)")
        let defaults = switches.filter(\.hasDefault).map(\.place).sorted()
        #expect(defaults.isEmpty, "switches over nodes that end in `default:`:\n\(defaults.joined(separator: "\n"))")
    }

    /// The façade (docs: `Sources/DealRules/DealRules.docc`): fewer than 160 public
    /// declarations (lines that declare something `public`), each with a doc comment.
    @Test func thePublicSurfaceIsSmallAndDocumented() throws {
        var count = 0
        var undocumented: [String] = []
        for (_, urls) in try Self.files() {
            for url in urls {
                let lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
                for (i, line) in lines.enumerated() where line.contains(#/^\s*(@\w+(\([^)]*\))?\s+)*public /#) {
                    count += 1
                    var j = i - 1
                    while j >= 0, lines[j].contains(/^\s*@\w+/) { j -= 1 }
                    if j < 0 || !lines[j].trimmingCharacters(in: .whitespaces).hasPrefix("///") {
                        undocumented.append("\(url.lastPathComponent):\(i + 1): \(line.trimmingCharacters(in: .whitespaces))")
                    }
                }
            }
        }
        #expect(count < 160, "\(count) public declarations")
        #expect(count > 50, "the count found too few: \(count)")
        #expect(undocumented.isEmpty, "public declarations without a doc comment:\n\(undocumented.joined(separator: "\n"))")
    }
}
