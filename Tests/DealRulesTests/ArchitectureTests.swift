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
        ("Interactive", ["Platform", "Diagnostics", "Values", "Syntax", "Semantics", "Plan", "Engine", "Output"]),
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
}
