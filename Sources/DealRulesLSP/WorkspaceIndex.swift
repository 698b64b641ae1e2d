import DealRules

/// Every file's index, and the declarations of all of them: what resolves a name written in
/// one file to its declaration in another. Rebuilt when a file's index changes (it copies only
/// declarations, not rules or references).
package struct WorkspaceIndex: Sendable {
    /// By absolute path (or, for text that never was a file, its path).
    package private(set) var files: [String: FileIndex] = [:]
    /// Declared names, kind by kind: a deal field's type text (`list of service`), an item
    /// kind's fields with their types, a choice's values.
    private var fields: [String: String] = [:]
    private var itemFields: [String: [String: String]] = [:]
    private var choices: [String: [String]] = [:]
    /// A value's choices (a value may belong to several).
    private var valueChoices: [String: [String]] = [:]
    private var defines: Set<String> = []
    private var approvals: Set<String> = []
    /// Catalog entries by item kind, in order.
    private var catalogs: [String: [String]] = [:]

    package init(files: [FileIndex] = []) {
        for f in files { self.files[Self.key(f.source)] = f }
        rebuild()
    }

    static func key(_ source: SourceFile) -> String { source.absolutePath ?? source.path }

    package mutating func replace(_ file: FileIndex) {
        files[Self.key(file.source)] = file
        rebuild()
    }

    private mutating func rebuild() {
        fields = [:]
        itemFields = [:]
        choices = [:]
        valueChoices = [:]
        defines = []
        approvals = []
        catalogs = [:]
        for key in files.keys.sorted() {
            for d in files[key]!.definitions {
                let s = d.symbol
                switch s.kind {
                case .field:
                    if case .type(let t, _) = d.detail { fields[s.name] = t }
                case .itemKind:
                    if itemFields[s.name] == nil { itemFields[s.name] = ["name": "text"] }
                case .itemField:
                    if case .type(let t, _) = d.detail { itemFields[s.container, default: ["name": "text"]][s.name] = t }
                case .choice:
                    if case .values(let v) = d.detail { choices[s.name] = v }
                case .value:
                    valueChoices[s.name, default: []].append(s.container)
                case .define: defines.insert(s.name)
                case .approval: approvals.insert(s.name)
                case .catalogEntry: catalogs[s.container, default: []].append(s.name)
                case .rule, .scenario, .file: break
                }
            }
        }
    }

    // MARK: What is declared

    package var fieldNames: [(name: String, type: String)] { fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    package var itemKindNames: [String] { itemFields.keys.sorted() }
    package var defineNames: [String] { defines.sorted() }
    package var approvalNames: [String] { approvals.sorted() }
    package var choiceNames: [String] { choices.keys.sorted() }
    package func choiceValues(_ choice: String) -> [String] { choices[choice] ?? [] }
    package func fieldType(_ name: String) -> String? { fields[name] }
    package func fieldsOf(itemKind kind: String) -> [(name: String, type: String)] {
        (itemFields[kind] ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
    package func catalogNames(_ kind: String) -> [String] { catalogs[kind] ?? [] }
    package var ruleNames: [String] { files.keys.sorted().flatMap { files[$0]!.rules.map(\.name) } }

    /// The item kind a path's first name stands for: the kind itself, or a deal field that
    /// lists items of a kind.
    package func itemKind(of name: String) -> String? {
        if itemFields[name] != nil, fields[name] == nil { return name }
        if let t = fields[name], t.hasPrefix("list of ") {
            let kind = String(t.dropFirst("list of ".count))
            if itemFields[kind] != nil { return kind }
        }
        return nil
    }

    /// The choice a path's values come from: a choice-typed field or item field (or a list of them).
    package func choice(ofPath names: [String]) -> String? {
        var type: String?
        if names.count == 1 {
            type = fields[names[0]]
        } else if names.count == 2, let kind = itemKind(of: names[0]) {
            type = itemFields[kind]?[names[1]]
        }
        guard var t = type else { return nil }
        if t.hasPrefix("list of ") { t = String(t.dropFirst("list of ".count)) }
        return choices[t] != nil ? t : nil
    }

    // MARK: Resolving

    /// What a reference names, with the range of each part (a path names up to two things).
    func resolve(_ reference: RawReference) -> [(Symbol, SourceRange)] {
        switch reference {
        case .path(let names):
            let first = names[0]
            var out: [(Symbol, SourceRange)] = []
            if fields[first.text] != nil {
                out.append((Symbol(.field, first.text), first.range))
            } else if itemFields[first.text] != nil {
                out.append((Symbol(.itemKind, first.text), first.range))
            } else if defines.contains(first.text) {
                out.append((Symbol(.define, first.text), first.range))
            } else if let c = valueChoices[first.text]?.first {
                out.append((Symbol(.value, first.text, in: c), first.range))
            }
            if names.count > 1, let kind = itemKind(of: first.text) {
                out.append((Symbol(.itemField, names[1].text, in: kind), names[1].range))
            }
            return out
        case .type(let name):
            if choices[name.text] != nil { return [(Symbol(.choice, name.text), name.range)] }
            if itemFields[name.text] != nil { return [(Symbol(.itemKind, name.text), name.range)] }
            return []
        case .approval(let name): return [(Symbol(.approval, name.text), name.range)]
        case .rule(let name): return [(Symbol(.rule, name.text), name.range)]
        case .itemKind(let name): return [(Symbol(.itemKind, name.text), name.range)]
        case .itemField(let kind, let name): return [(Symbol(.itemField, name.text, in: kind), name.range)]
        case .catalog(let kind, let name, let range):
            guard let k = itemKind(of: kind) else { return [] }
            return [(Symbol(.catalogEntry, name, in: k), range)]
        case .file(let path, let range):
            return path.map { [(Symbol(.file, $0), range)] } ?? []
        }
    }

    /// The symbol at a byte offset of a file, and the range of its name there.
    package func symbol(in key: String, at offset: Int) -> (Symbol, SourceRange)? {
        guard let file = files[key] else { return nil }
        func contains(_ r: SourceRange) -> Bool { Int(r.start) <= offset && offset <= Int(r.end) }
        for d in file.definitions where contains(d.nameRange) { return (d.symbol, d.nameRange) }
        for (ref, range) in file.references {
            // A path's range is its first name's; its second name follows within a few bytes.
            guard Int(range.start) <= offset, offset <= Int(range.end) + 256 else { continue }
            for (s, r) in resolve(ref) where contains(r) { return (s, r) }
        }
        return nil
    }

    /// Where a symbol is declared (a file is its own first byte).
    package func definitions(of symbol: Symbol) -> [(FileIndex, SourceRange)] {
        if symbol.kind == .file {
            return files[symbol.name].map { [($0, SourceRange(0, 0))] } ?? []
        }
        return files.keys.sorted().compactMap { key in
            files[key]!.definition(of: symbol).map { (files[key]!, $0.nameRange) }
        }
    }

    func definition(of symbol: Symbol) -> (FileIndex, Definition)? {
        for key in files.keys.sorted() {
            if let d = files[key]!.definition(of: symbol) { return (files[key]!, d) }
        }
        return nil
    }

    /// Every place a symbol is written, its declaration included when asked.
    package func references(to symbol: Symbol, includeDeclaration: Bool) -> [(FileIndex, SourceRange)] {
        var out: [(FileIndex, SourceRange)] = []
        for key in files.keys.sorted() {
            let file = files[key]!
            var ranges: [SourceRange] = []
            if includeDeclaration {
                ranges += file.definitions.filter { $0.symbol == symbol }.map(\.nameRange)
            }
            for (ref, _) in file.references {
                for (s, r) in resolve(ref) where s == symbol { ranges.append(r) }
            }
            for r in Set(ranges).sorted(by: { $0.start < $1.start }) { out.append((file, r)) }
        }
        return out
    }

    /// The rules that require an approval.
    package func rules(requiring approval: String) -> [String] {
        files.keys.sorted().flatMap { files[$0]!.rules.filter { $0.approvals.contains(approval) }.map(\.name) }
    }
}
