import Glibc
import DealRules

/// `textDocument/completion`: what may be written at the cursor, read from the tokens before
/// it (the file may be half typed) and the workspace's declarations.
extension LanguageServer {
    enum CompletionKind: Int {
        case text = 1, function = 3, field = 5, variable = 6, `class` = 7, module = 9, value = 12, `enum` = 13,
             keyword = 14, file = 17, reference = 18, enumMember = 20, constant = 21, `struct` = 22, event = 23,
             `operator` = 24, typeParameter = 25
    }

    struct Candidate {
        var label: String
        var kind: CompletionKind
        var detail: String?
        /// Replaces this byte range with `insert` (inside quotes), else the label is inserted.
        var edit: (Range<Int>, String)?
    }

    func completion(_ params: JSON) throws(RequestError) -> JSON {
        let doc = try document(params)
        let at = try offset(params, in: doc)
        let candidates = complete(doc, at: at)
        var seen: Set<String> = []
        let items: [JSON] = candidates.filter { seen.insert($0.label).inserted }.enumerated().map { i, c in
            object(("label", .string(c.label)), ("kind", JSON(c.kind.rawValue)), ("detail", c.detail.map(JSON.string)),
                   ("sortText", .string(String(1000 + i))),
                   ("textEdit", c.edit.map { object(("range", doc.map.json($0.0.lowerBound, $0.0.upperBound)), ("newText", .string($0.1))) }))
        }
        return object(("isIncomplete", false), ("items", .array(items)))
    }

    static let declarationKeywords = ["rule", "require", "deny", "warn", "choice", "deal", "item", "catalog", "approval",
                                      "define", "include", "scenario"]
    static let expressionKeywords = ["any", "every", "no", "count of", "sum of", "min of", "max of", "today", "not", "yes"]
    static let types = ["text", "number", "money", "percent", "duration", "date", "flag"]

    func complete(_ doc: Document, at offset: Int) -> [Candidate] {
        let source = doc.source
        var lineEnd = offset
        while lineEnd < doc.bytes.count, doc.bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        let tokens = Lexer.tokenize(source, range: 0..<lineEnd).tokens.filter { $0.kind != .endOfInput }
        // The token being typed (a name, a keyword or a text), if the cursor is in or just after it.
        let typing = tokens.last {
            Int($0.range.start) < offset && offset <= Int($0.range.end)
                && ($0.kind == .name || $0.kind.isKeyword || $0.kind == .text || $0.kind == .invalid || $0.kind.isLiteral)
        }
        let startsWithQuote = typing.map { doc.bytes[Int($0.range.start)] == UInt8(ascii: "\"") } ?? false
        let cut = typing.map { Int($0.range.start) } ?? offset
        let before = tokens.filter { Int($0.range.end) <= cut }
        var context = CompletionContext(tokens: before, bytes: doc.bytes)

        if let typing, startsWithQuote {
            let closed = typing.kind == .text && typing.range.end - typing.range.start >= 2
                && doc.bytes[Int(typing.range.end) - 1] == UInt8(ascii: "\"") && offset < Int(typing.range.end)
            let range = Int(typing.range.start) + 1..<(closed ? Int(typing.range.end) - 1 : offset)
            return quoted(&context, doc: doc).map { c in
                var c = c
                c.edit = (range, c.label + (closed ? "" : "\""))
                return c
            }
        }
        if let typing, typing.kind != .name, !typing.kind.isKeyword { return [] }  // inside a number or an operator
        // `// not after a dot` etc.: a line break before the cursor matters at the top level.
        let lineStart = context.last.map { tokenLine(doc, $0) != cursorLine(doc, cut) } ?? true
        return names(&context, doc: doc, lineStart: lineStart)
    }

    private func tokenLine(_ doc: Document, _ t: Token) -> Int { doc.map.position(of: Int(t.range.end)).line }
    private func cursorLine(_ doc: Document, _ offset: Int) -> Int { doc.map.position(of: offset).line }

    /// Inside quotes: file names after `include` and `from`, catalog names after an item, rule
    /// names after `expect rule`.
    private func quoted(_ c: inout CompletionContext, doc: Document) -> [Candidate] {
        guard let last = c.last else { return [] }
        switch last.kind {
        case .kwInclude: return files(near: doc, ending: ".rules")
        case .kwFrom: return files(near: doc, ending: ".csv")
        case .kwRule where c.kind(back: 1) == .kwExpect || c.kind(back: 2) == .kwExpect:
            return workspace.ruleNames.map { Candidate(label: $0, kind: .reference, detail: "rule") }
        default:
            if let kind = c.itemKindForText(workspace) {
                return workspace.catalogNames(kind).map { Candidate(label: $0, kind: .constant, detail: "\(kind) catalog entry") }
            }
            return []
        }
    }

    /// Rule files or spreadsheets beside the file and below its folder, as an include names them.
    private func files(near doc: Document, ending: String) -> [Candidate] {
        guard let path = doc.path else { return [] }
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        return listFiles(under: directory, ending: ending).filter { directory + "/" + $0 != path }
            .map { Candidate(label: $0, kind: .file, detail: nil) }
    }

    private func names(_ c: inout CompletionContext, doc: Document, lineStart: Bool) -> [Candidate] {
        let block = c.block
        let last = c.last
        func keywords(_ words: [String], _ detail: String? = nil) -> [Candidate] {
            words.map { Candidate(label: $0, kind: .keyword, detail: detail) }
        }
        var fields: [Candidate] { workspace.fieldNames.map { Candidate(label: $0.name, kind: .field, detail: $0.type) } }
        var expression: [Candidate] {
            fields + workspace.defineNames.map { Candidate(label: $0, kind: .function, detail: "define") }
                + workspace.itemKindNames.map { Candidate(label: $0, kind: .class, detail: "item") }
                + keywords(Self.expressionKeywords)
        }
        var approvals: [Candidate] {
            workspace.approvalNames.map { Candidate(label: $0, kind: .enumMember, detail: "approval") }
        }
        var itemKinds: [Candidate] { workspace.itemKindNames.map { Candidate(label: $0, kind: .class, detail: "item") } }
        var types: [Candidate] {
            keywords(Self.types, "type") + keywords(["list of"])
                + workspace.choiceNames.map { Candidate(label: $0, kind: .enum, detail: "choice") } + itemKinds
        }

        // After a dot: the fields of the item before it.
        if last?.kind == .dot, let name = c.kind(back: 1) == .name ? c.text(back: 1) : nil {
            guard let kind = workspace.itemKind(of: name) else { return [] }
            return workspace.fieldsOf(itemKind: kind).map { Candidate(label: $0.name, kind: .field, detail: $0.type) }
        }
        // After a comparison: a choice's values, an item's catalog names, or any operand.
        if let left = c.comparedPath() {
            if let choice = workspace.choice(ofPath: left) {
                return workspace.choiceValues(choice).map { Candidate(label: $0, kind: .enumMember, detail: "choice \(choice)") }
            }
            if let kind = c.itemKindForText(workspace) {
                return workspace.catalogNames(kind).map { Candidate(label: "\"\($0)\"", kind: .constant, detail: "\(kind) catalog entry") }
            }
            return expression
        }
        switch block {
        case .deal, .item:
            if last?.kind == .colon { return types }
            if last?.kind == .kwOf { return itemKinds + workspace.choiceNames.map { Candidate(label: $0, kind: .enum, detail: "choice") } + keywords(Self.types) }
            if last?.kind == .kwList { return keywords(["of"]) }
            if last?.kind == .equals { return expression }
            return []
        case .catalog(let kind):
            if lineStart || last?.kind == .leftBrace { return [] }
            if last?.kind == .text || last?.kind == .comma {
                return workspace.fieldsOf(itemKind: kind).filter { $0.name != "name" }
                    .map { Candidate(label: $0.name, kind: .field, detail: $0.type) }
            }
            return expression
        case .scenario:
            return scenario(&c, lineStart: lineStart, fields: fields, approvals: approvals, itemKinds: itemKinds,
                            expression: expression, keywords: keywords)
        case .top:
            break
        }
        guard let last else { return keywords(Self.declarationKeywords) }
        if c.inApprovalList { return approvals }
        switch last.kind {
        case .kwAny, .kwEvery, .kwNo: return itemKinds
        case .kwOf:
            return workspace.fieldNames.filter { $0.type.hasPrefix("list of ") }.map { Candidate(label: $0.name, kind: .field, detail: $0.type) }
                + itemKinds
        case .kwCatalog: return itemKinds
        case .kwRule, .kwDefine, .kwApproval, .kwChoice, .kwItem, .kwScenario, .kwInclude, .kwFrom: return []
        case .kwDeny, .kwWarn: return keywords(["when"])
        case .kwWhen, .kwUnless, .kwAnd, .kwOr, .kwNot, .leftParen, .plus, .minus, .star, .slash, .kwBetween, .kwWhere,
             .less, .lessEqual, .greater, .greaterEqual, .equals:
            return expression
        case .colon where c.kind(back: 2) == .kwRule:
            return keywords(["require", "deny", "warn"])
        default:
            break
        }
        if lineStart {
            let inRule = c.inRule
            return keywords(Self.declarationKeywords) + (inRule ? keywords(["and", "or", "unless", "because", "when"]) : [])
        }
        if c.inRule {
            // After an operand: what may follow it.
            let operators = ["and", "or", "is", "is not", "in", "not in", "contains", "between", "unless", "because"]
            return keywords(c.hasWhen ? operators : ["when"] + operators)
        }
        return []
    }

    private func scenario(_ c: inout CompletionContext, lineStart: Bool, fields: [Candidate], approvals: [Candidate],
                          itemKinds: [Candidate], expression: [Candidate],
                          keywords: ([String], String?) -> [Candidate]) -> [Candidate] {
        let last = c.last
        if lineStart || last?.kind == .leftBrace {
            return fields + keywords(["add", "remove", "unset", "expect", "today"], nil)
        }
        switch last?.kind {
        case .kwExpect?:
            return keywords(DecisionKind.allCases.map(\.rawValue), "decision") + keywords(["require", "deny", "warn", "rule", "not"], nil)
        case .kwNot? where c.kind(back: 1) == .kwExpect:
            return keywords(DecisionKind.allCases.map(\.rawValue), "decision") + keywords(["require", "deny", "warn", "rule"], nil)
        case .kwRequire?: return approvals
        case .kwRule?: return workspace.ruleNames.map { Candidate(label: isPlainName($0) ? $0 : "\"\($0)\"", kind: .reference, detail: "rule") }
        case .kwAdd?, .kwRemove?: return itemKinds
        case .name? where c.kind(back: 1) == .kwAdd || c.kind(back: 1) == .kwRemove:
            return workspace.catalogNames(c.text(back: 0)).map { Candidate(label: "\"\($0)\"", kind: .constant, detail: "catalog entry") }
        case .kwUnset?: return fields
        case .kwWith?, .comma?:
            if let kind = c.addedKind {
                return workspace.fieldsOf(itemKind: kind).filter { $0.name != "name" }.map { Candidate(label: $0.name, kind: .field, detail: $0.type) }
            }
            return []
        case .text? where c.kind(back: 2) == .kwAdd:
            return keywords(["with"], nil)
        default:
            return expression
        }
    }
}

/// Whether a rule name can be written without quotes.
func isPlainName(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x5F }
        && !(s.utf8.first! >= 0x30 && s.utf8.first! <= 0x39)
}

/// The tokens before the cursor, read backwards.
struct CompletionContext {
    let tokens: [Token]
    let bytes: [UInt8]

    enum Block: Equatable { case top, deal, item, catalog(String), scenario }

    var last: Token? { tokens.last }

    func kind(back n: Int) -> TokenKind? { n < tokens.count ? tokens[tokens.count - 1 - n].kind : nil }
    func text(back n: Int) -> String {
        guard n < tokens.count else { return "" }
        let r = tokens[tokens.count - 1 - n].range
        return String(decoding: bytes[Int(r.start)..<Int(r.end)], as: UTF8.self)
    }

    func text(_ t: Token) -> String { String(decoding: bytes[Int(t.range.start)..<Int(t.range.end)], as: UTF8.self) }

    /// The braces open at the cursor, and the declaration that opened the innermost.
    var block: Block {
        var stack: [Block] = []
        for (i, t) in tokens.enumerated() {
            if t.kind == .leftBrace {
                let opener = tokens[..<i].last { $0.kind.startsDeclaration }?.kind
                let item = tokens[..<i].last { $0.kind == .name }.map(text) ?? ""
                let opened: Block = opener == .kwDeal ? .deal : opener == .kwItem ? .item
                    : opener == .kwCatalog ? .catalog(item) : opener == .kwScenario ? .scenario : .top
                stack.append(opened)
            } else if t.kind == .rightBrace, !stack.isEmpty {
                stack.removeLast()
            }
        }
        return stack.last ?? .top
    }

    /// The tokens of the declaration the cursor is in.
    var declaration: ArraySlice<Token> {
        let start = tokens.lastIndex { $0.kind.startsDeclaration && $0.startsLine } ?? 0
        return tokens[start...]
    }

    var inRule: Bool {
        guard let first = declaration.first else { return false }
        return [.kwRule, .kwRequire, .kwDeny, .kwWarn].contains(first.kind)
    }

    var hasWhen: Bool { declaration.contains { $0.kind == .kwWhen } }

    /// After `require` and its approvals so far (`require a, b, `).
    var inApprovalList: Bool {
        var i = tokens.count - 1
        guard i >= 0 else { return false }
        if tokens[i].kind == .kwRequire { return true }
        guard tokens[i].kind == .comma else { return false }
        i -= 1
        while i >= 1, tokens[i].kind == .name {
            if tokens[i - 1].kind == .kwRequire { return true }
            guard tokens[i - 1].kind == .comma else { return false }
            i -= 2
        }
        return false
    }

    /// The path on the left of a comparison the cursor is the right side of (`region is`,
    /// `service not in [`, `x in ["a", `).
    func comparedPath() -> [String]? {
        var i = tokens.count - 1
        // Inside a list: back to its `[`.
        if i >= 0, tokens[i].kind == .leftBracket || tokens[i].kind == .comma {
            var j = i
            while j >= 0, tokens[j].kind != .leftBracket {
                if [.leftParen, .rightParen, .rightBracket, .kwWhen, .kwAnd, .kwOr, .colon].contains(tokens[j].kind) { return nil }
                j -= 1
            }
            guard j >= 1 else { return nil }
            i = j - 1
        }
        guard i >= 0 else { return nil }
        switch tokens[i].kind {
        case .kwIs, .equals, .notEquals, .kwContains: i -= 1
        case .kwIn:
            i -= 1
            if i >= 0, tokens[i].kind == .kwNot { i -= 1 }
        case .kwNot:
            guard i >= 1, tokens[i - 1].kind == .kwIs else { return nil }
            i -= 2
        default: return nil
        }
        var path: [String] = []
        while i >= 0, tokens[i].kind == .name {
            path.insert(text(tokens[i]), at: 0)
            if i >= 1, tokens[i - 1].kind == .dot { i -= 2 } else { break }
        }
        return path.isEmpty ? nil : path
    }

    /// The item kind whose catalog names fit here: after `ITEM is`, `ITEM.name in [`, or
    /// `add ITEM`/`remove ITEM` in a scenario.
    func itemKindForText(_ workspace: WorkspaceIndex) -> String? {
        if let last, last.kind == .name, kind(back: 1) == .kwAdd || kind(back: 1) == .kwRemove {
            return workspace.itemKind(of: text(last))
        }
        guard let path = comparedPath(), path.count == 1 || (path.count == 2 && path[1] == "name") else { return nil }
        return workspace.itemKind(of: path[0])
    }

    /// In a scenario's `add ITEM "NAME" with …`: the item kind.
    var addedKind: String? {
        guard let add = tokens.lastIndex(where: { $0.kind == .kwAdd }), add + 1 < tokens.count, tokens[add + 1].kind == .name else { return nil }
        if tokens[(add + 1)...].contains(where: { $0.startsLine }) { return nil }
        return text(tokens[add + 1])
    }
}

/// Files whose names end with `ending` below a folder, relative to it (not hidden ones), in order.
func listFiles(under root: String, ending: String) -> [String] {
    var out: [String] = []
    var pending = [""]
    while let rel = pending.popLast(), out.count < 500 {
        guard let d = opendir(rel.isEmpty ? root : root + "/" + rel) else { continue }
        defer { closedir(d) }
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard !name.hasPrefix(".") else { continue }
            let path = rel.isEmpty ? name : rel + "/" + name
            if entry.pointee.d_type == UInt8(DT_DIR) { pending.append(path) } else if name.hasSuffix(ending) { out.append(path) }
        }
    }
    return out.sorted()
}
