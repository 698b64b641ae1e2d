import DealRules

/// What a name in a rule file stands for: the editor's unit of hover, definition and references.
package struct Symbol: Hashable, Sendable {
    package enum Kind: String, Sendable {
        case choice, value, field, itemKind, itemField, catalogEntry, approval, define, rule, scenario, file
    }

    package var kind: Kind
    /// What it belongs to: the choice of a value, the item kind of an item field or catalog entry.
    package var container: String
    package var name: String

    package init(_ kind: Kind, _ name: String, in container: String = "") {
        self.kind = kind
        self.container = container
        self.name = name
    }
}

/// A name as written, not yet resolved: what it means depends on every file's declarations, so
/// it is resolved when asked (`WorkspaceIndex.resolve`).
enum RawReference: Sendable {
    /// `discount`, `service.seats`, `EU`, `big_deal`: whatever the first name is.
    case path([Name])
    /// A field's type: a choice or an item kind.
    case type(Name)
    case approval(Name)
    case rule(Name)
    case itemKind(Name)
    case itemField(kind: String, Name)
    /// `service is "SIEM"`: a text compared with an item (`kind` is the item kind or the deal
    /// field that lists them).
    case catalog(kind: String, name: String, range: SourceRange)
    /// An `include` or `catalog … from` path, resolved to a file on disk when it exists.
    case file(absolutePath: String?, range: SourceRange)
}

/// A declaration's entry in the file's outline (`textDocument/documentSymbol`).
package struct OutlineEntry: Sendable {
    package var name: String
    package var symbol: Symbol
    package var range: SourceRange
    package var nameRange: SourceRange
    package var children: [OutlineEntry] = []
}

/// What a definition is, for hover.
enum Detail: Sendable {
    case none
    case type(String, defaultValue: String?)
    case values([String])
    case text(String)
    case rule(outcome: OutcomeKind, approvals: [String], condition: String)
}

struct Definition: Sendable {
    var symbol: Symbol
    var nameRange: SourceRange
    var range: SourceRange
    var detail: Detail
}

/// One file's declarations and the names it mentions, read from its syntax tree alone (so a
/// file that does not check, or is half typed, still has its index).
package final class FileIndex: Sendable {
    package let source: SourceFile
    package let isCatalog: Bool
    let definitions: [Definition]
    let definitionIndex: [Symbol: Int]
    let references: [(RawReference, SourceRange)]
    package let outline: [OutlineEntry]
    /// Every rule's name with the approvals it requires (for an approval's hover).
    let rules: [(name: String, approvals: [String])]
    /// The catalog spreadsheets the file names, by item kind: their absolute paths.
    let catalogFiles: [(kind: String, absolutePath: String)]

    private init(source: SourceFile, isCatalog: Bool, definitions: [Definition], references: [(RawReference, SourceRange)],
                 outline: [OutlineEntry], rules: [(name: String, approvals: [String])], catalogFiles: [(kind: String, absolutePath: String)]) {
        self.source = source
        self.isCatalog = isCatalog
        self.definitions = definitions
        var index: [Symbol: Int] = [:]
        for (i, d) in definitions.enumerated() where index[d.symbol] == nil { index[d.symbol] = i }
        definitionIndex = index
        self.references = references
        self.outline = outline
        self.rules = rules
        self.catalogFiles = catalogFiles
    }

    /// Indexes a rule file.
    package convenience init(rules source: SourceFile) {
        self.init(tree: Parser.parse(source))
    }

    /// Indexes a rule file already parsed.
    package convenience init(tree: SyntaxTree) {
        let source = tree.source
        var builder = IndexBuilder(source: source)
        builder.index(tree)
        self.init(source: source, isCatalog: false, definitions: builder.definitions, references: builder.references,
                  outline: builder.outline, rules: builder.rules, catalogFiles: builder.catalogFiles)
    }

    /// Indexes a catalog spreadsheet of item kind `kind`: each row's name cell defines an entry.
    package convenience init(catalog source: SourceFile, kind: String) {
        var definitions: [Definition] = []
        var outline: [OutlineEntry] = []
        for row in CatalogRows.read(source) {
            let symbol = Symbol(.catalogEntry, row.name, in: kind)
            let cells = row.cells.filter { !$0.text.isEmpty }.map { "\($0.column): \($0.text)" }
            definitions.append(Definition(symbol: symbol, nameRange: row.nameRange, range: row.range,
                                          detail: .text(cells.joined(separator: ", "))))
            outline.append(OutlineEntry(name: row.name, symbol: symbol, range: row.range, nameRange: row.nameRange))
        }
        self.init(source: source, isCatalog: true, definitions: definitions, references: [], outline: outline,
                  rules: [], catalogFiles: [])
    }

    func definition(of symbol: Symbol) -> Definition? { definitionIndex[symbol].map { definitions[$0] } }
}

/// Walks one syntax tree.
private struct IndexBuilder {
    let source: SourceFile
    var definitions: [Definition] = []
    var references: [(RawReference, SourceRange)] = []
    var outline: [OutlineEntry] = []
    var rules: [(name: String, approvals: [String])] = []
    var catalogFiles: [(kind: String, absolutePath: String)] = []
    var unnamed = 0

    init(source: SourceFile) { self.source = source }

    func text(_ range: SourceRange) -> String { source.text(of: range) }

    /// A path named in this file, on disk: relative to the file's folder.
    func resolve(_ path: String) -> String? {
        guard let own = source.absolutePath else { return nil }
        let directory = own.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return normalize(path.hasPrefix("/") ? path : directory + "/" + path)
    }

    @discardableResult
    mutating func define(_ symbol: Symbol, _ nameRange: SourceRange, _ range: SourceRange, _ detail: Detail = .none) -> OutlineEntry {
        definitions.append(Definition(symbol: symbol, nameRange: nameRange, range: range, detail: detail))
        return OutlineEntry(name: symbol.name, symbol: symbol, range: range, nameRange: nameRange)
    }

    mutating func index(_ tree: SyntaxTree) {
        for decl in tree.declarations { index(decl) }
    }

    mutating func index(_ decl: Declaration) {
        switch decl.kind {
        case .choice(let name, let values):
            var entry = define(Symbol(.choice, name.text), name.range, decl.range, .values(values.map(\.text)))
            for v in values {
                entry.children.append(define(Symbol(.value, v.text, in: name.text), v.range, v.range))
            }
            outline.append(entry)
        case .deal(let fields):
            var entry = OutlineEntry(name: "deal", symbol: Symbol(.itemKind, "deal"), range: decl.range,
                                     nameRange: SourceRange(Int(decl.range.start), Int(decl.range.start) + 4))
            for f in fields { entry.children.append(field(f, .field, container: "")) }
            outline.append(entry)
        case .item(let name, let fields):
            var entry = define(Symbol(.itemKind, name.text), name.range, decl.range,
                               .values(["name: text"] + fields.map { "\($0.name.text): \(typeText($0.type))" }))
            for f in fields { entry.children.append(field(f, .itemField, container: name.text)) }
            outline.append(entry)
        case .catalog(let item, let entries):
            references.append((.itemKind(item), item.range))
            var entry = OutlineEntry(name: "catalog \(item.text)", symbol: Symbol(.itemKind, item.text), range: decl.range, nameRange: item.range)
            for e in entries {
                let row = e.values.map { "\($0.0.text): \(text($0.1.range))" }.joined(separator: ", ")
                entry.children.append(define(Symbol(.catalogEntry, e.name, in: item.text), e.nameRange, e.range, .text(row)))
                for (fieldName, value) in e.values {
                    references.append((.itemField(kind: item.text, fieldName), fieldName.range))
                    walk(value)
                }
            }
            outline.append(entry)
        case .catalogFile(let item, let path, let pathRange):
            references.append((.itemKind(item), item.range))
            let file = resolve(path)
            references.append((.file(absolutePath: file, range: pathRange), pathRange))
            if let file { catalogFiles.append((item.text, file)) }
            outline.append(OutlineEntry(name: "catalog \(item.text) from \"\(path)\"", symbol: Symbol(.itemKind, item.text),
                                        range: decl.range, nameRange: item.range))
        case .approval(let name, let team, _):
            outline.append(define(Symbol(.approval, name.text), name.range, decl.range, .text(team)))
        case .define(let name, let value):
            outline.append(define(Symbol(.define, name.text), name.range, decl.range, .text(text(value.range))))
            walk(value)
        case .include(let path, let pathRange):
            references.append((.file(absolutePath: resolve(path), range: pathRange), pathRange))
        case .rule(let rule):
            let name: String
            if let n = rule.name {
                name = n.text
            } else {
                unnamed += 1
                name = "\(source.path)#\(unnamed)"
            }
            var condition = text(rule.condition.range)
            if let u = rule.unless { condition += " unless " + text(u.range) }
            let symbol = Symbol(.rule, name)
            outline.append(define(symbol, rule.name?.range ?? rule.outcomeRange, decl.range,
                                  .rule(outcome: rule.outcome, approvals: rule.approvals.map(\.text), condition: condition)))
            rules.append((name, rule.approvals.map(\.text)))
            for a in rule.approvals { references.append((.approval(a), a.range)) }
            walk(rule.condition)
            if let u = rule.unless { walk(u) }
            if let b = rule.because { walk(b) }
        case .scenario(let name, let nameRange, let statements):
            outline.append(define(Symbol(.scenario, name), nameRange, decl.range))
            for s in statements { index(s) }
        }
    }

    mutating func field(_ f: FieldDecl, _ kind: Symbol.Kind, container: String) -> OutlineEntry {
        references.append((.type(f.type.name), f.type.name.range))
        if let d = f.defaultValue { walk(d) }
        return define(Symbol(kind, f.name.text, in: container), f.name.range, f.range,
                      .type(typeText(f.type), defaultValue: f.defaultValue.map { text($0.range) }))
    }

    func typeText(_ t: TypeRef) -> String { t.isList ? "list of \(t.name.text)" : t.name.text }

    mutating func index(_ statement: ScenarioStatement) {
        switch statement {
        case .fact(let fact, _):
            switch fact {
            case .set(let path, let value):
                references.append((.path(path), path[0].range))
                walk(value)
            case .today(let value):
                walk(value)
            case .add(let kind, let name, let nameRange, let fields):
                references.append((.itemKind(kind), kind.range))
                references.append((.catalog(kind: kind.text, name: name, range: nameRange), nameRange))
                for a in fields {
                    references.append((.itemField(kind: kind.text, a.field), a.field.range))
                    walk(a.value)
                }
            case .remove(let kind, let name, let nameRange):
                references.append((.itemKind(kind), kind.range))
                references.append((.catalog(kind: kind.text, name: name, range: nameRange), nameRange))
            case .unset(let path):
                references.append((.path(path), path[0].range))
            }
        case .expect(let e):
            switch e.what {
            case .require(let a): references.append((.approval(a), a.range))
            case .rule(let r): references.append((.rule(r), r.range))
            case .decision, .deny, .warn: break
            }
        }
    }

    /// Records every name an expression mentions.
    mutating func walk(_ e: Expr) {
        switch e.kind {
        case .number, .money, .percent, .duration, .date, .text, .flag, .today, .catalog, .invalid:
            break
        case .list(let elements):
            for x in elements { walk(x) }
        case .path(let names):
            references.append((.path(names), names[0].range))
        case .negate(let x), .not(let x), .group(let x):
            walk(x)
        case .binary(_, let l, let r):
            walk(l)
            walk(r)
        case .compare(_, let l, let r):
            walk(l)
            walk(r)
            catalogNames(l, r)
            catalogNames(r, l)
        case .between(let x, let low, let high, _):
            walk(x)
            walk(low)
            walk(high)
        case .quantified(_, let name, let body):
            references.append((.itemKind(name), name.range))
            walk(body)
        case .aggregate(_, let names, let condition):
            if !names.isEmpty { references.append((.path(names), names[0].range)) }
            if let condition { walk(condition) }
        case .interpolated(let segments):
            for case .expression(let x) in segments { walk(x) }
        }
    }

    /// Texts compared with an item (`service is "SIEM"`, `"SIEM" in services`) name catalog
    /// entries; which kind is decided when the reference is resolved.
    mutating func catalogNames(_ item: Expr, _ other: Expr) {
        guard case .path(let names) = item.kind, names.count == 1 || (names.count == 2 && names[1].text == "name") else { return }
        var texts: [Expr] = [other]
        if case .list(let elements) = other.kind { texts = elements }
        for t in texts {
            if case .text(let s) = t.kind { references.append((.catalog(kind: names[0].text, name: s, range: t.range), t.range)) }
        }
    }
}

/// `/a/./b/../c` → `/a/c`.
func normalize(_ path: String) -> String {
    var parts: [Substring] = []
    for p in path.split(separator: "/") {
        if p == "." || p.isEmpty { continue }
        if p == ".." {
            if !parts.isEmpty { parts.removeLast() }
            continue
        }
        parts.append(p)
    }
    return "/" + parts.joined(separator: "/")
}
