/// `dealrules fmt`: one canonical layout for every rule file.
///
/// - spacing: one space around operators and after `,` and `:`; none inside brackets;
/// - a named rule's outcome and `because` start lines indented 2 (so does `unless` when the
///   author put it on a line of its own); a line break the author put inside a condition is
///   kept, its line indented 4;
/// - fields, catalog entries and scenario statements one per line, indented 2; catalog
///   columns aligned;
/// - one blank line between rules and blocks; deliberate blank lines kept (at most one);
/// - every comment kept where it was, on its own line or at the end of its line.
///
/// A file that does not parse is not formatted. The output is checked before it is returned:
/// it must parse to the same declarations and keep every comment, or it is refused.
public enum Formatter {
    package static func format(_ source: SourceFile, limits: Limits = .default) -> Result<String, LoadError> {
        let lexer = Lexer.tokenize(source, limits: limits)
        var parser = Parser(source, tokens: lexer.tokens, limits: limits)
        let declarations = parser.parseRuleFile()
        let diagnostics = lexer.diagnostics + parser.diagnostics
        if diagnostics.hasErrors { return .failure(LoadError(diagnostics: diagnostics.sortedByLocation())) }
        var layout = Layout(src: source, tokens: lexer.tokens, comments: lexer.comments)
        let text = layout.run(declarations)
        let again = Parser.parse(SourceFile(path: source.path, text: text), limits: limits)
        let commentTexts = { (cs: [Comment], s: SourceFile) in cs.map { s.text(of: $0.range).trimmed } }
        guard !again.diagnostics.hasErrors, again.declarations.map(\.structure) == declarations.map(\.structure),
              commentTexts(again.comments, again.source) == commentTexts(lexer.comments, source) else {
            return .failure(LoadError(diagnostics: [Diagnostic(.formatChangedMeaning,
                "formatting `\(source.path)` would change what it says, so it is left as it is",
                help: "this is a bug in dealrules; please report it with the file")]))
        }
        return .success(text)
    }

    /// Formats rule text, as `dealrules fmt` does; `name` is how diagnostics name it. Text that
    /// does not parse gives its diagnostics.
    public static func format(text: String, name: String = "rules", limits: Limits = .default) -> Result<String, LoadError> {
        format(SourceFile(path: name, text: text), limits: limits)
    }
}

/// A line of output: its code (indent included) and the comment at its end, kept apart so
/// comments on neighbouring lines can be aligned at the end.
private struct Line {
    var code: String
    var comment: String?

    static let blank = Line(code: "", comment: nil)
    var isBlank: Bool { code.isEmpty && comment == nil }
}

/// Lines being built, with an indent per line and an optional comment at the end of it.
private struct Builder {
    var lines: [Line] = []
    var current = ""
    var indent = 0
    var trailing: String?

    mutating func flush() {
        guard !current.isEmpty || trailing != nil else { return }
        let pad = current.isEmpty ? "" : String(repeating: " ", count: indent)
        lines.append(Line(code: pad + current, comment: trailing))
        current = ""
        trailing = nil
    }

    mutating func start(_ indent: Int) {
        flush()
        self.indent = indent
    }

    mutating func add(_ text: String, space: Bool) {
        if space, !current.isEmpty { current += " " }
        current += text
    }

    /// A comment on a line of its own.
    mutating func ownLine(_ comment: String, indent: Int) {
        flush()
        lines.append(Line(code: String(repeating: " ", count: indent) + comment, comment: nil))
    }

    /// A comment at the end of the line being built, or of the last one.
    mutating func atEnd(_ comment: String) {
        if current.isEmpty, !lines.isEmpty, lines[lines.count - 1].code.trimmed.first != "#" {
            lines[lines.count - 1].comment = (lines[lines.count - 1].comment.map { $0 + " " } ?? "") + comment
        } else {
            trailing = (trailing.map { $0 + " " } ?? "") + comment
        }
    }
}

private struct Layout {
    let src: SourceFile
    let tokens: [Token]
    let comments: [Comment]
    var out: [Line] = []
    var nextComment = 0

    init(src: SourceFile, tokens: [Token], comments: [Comment]) {
        self.src = src
        self.tokens = tokens
        self.comments = comments
    }

    // MARK: The file

    enum Item { case comment, declaration(big: Bool) }

    mutating func run(_ declarations: [Declaration]) -> String {
        var previous: Item?
        var previousEnd = 0
        /// The comments before `limit` (all that are left when nil): on their own lines, or at
        /// the end of the last line.
        func placeComments(before limit: Int?, nextBig: Bool) {
            while nextComment < comments.count, limit.map({ Int(comments[nextComment].range.start) < $0 }) ?? true {
                let c = comments[nextComment]
                nextComment += 1
                if c.trailing, !out.isEmpty {
                    out[out.count - 1].comment = (out[out.count - 1].comment.map { $0 + " " } ?? "") + text(c)
                    continue
                }
                separate(previous, .comment, from: previousEnd, to: Int(c.range.start), nextBig: nextBig)
                out.append(Line(code: text(c), comment: nil))
                previous = .comment
                previousEnd = Int(c.range.end)
            }
        }
        for d in declarations {
            let big = isBig(d)
            placeComments(before: Int(d.range.start), nextBig: big)
            separate(previous, .declaration(big: big), from: previousEnd, to: Int(d.range.start), nextBig: big)
            out += declaration(d)
            previous = .declaration(big: big)
            previousEnd = Int(d.range.end)
        }
        placeComments(before: nil, nextBig: false)
        return out.isEmpty ? "" : Layout.render(out).joined(separator: "\n") + "\n"
    }

    /// Comments at the ends of lines are aligned within each run of lines without a blank
    /// line, two spaces after the longest code among the commented lines.
    static func render(_ lines: [Line]) -> [String] {
        var result: [String] = []
        var i = 0
        while i < lines.count {
            var j = i
            while j < lines.count, !lines[j].isBlank { j += 1 }
            let run = lines[i..<j]
            let column = run.filter { $0.comment != nil && !$0.code.isEmpty }.map(\.code.count).max() ?? 0
            for l in run {
                guard let c = l.comment else {
                    result.append(l.code)
                    continue
                }
                result.append(l.code.isEmpty ? c : l.code + String(repeating: " ", count: column - l.code.count + 2) + c)
            }
            if j < lines.count { result.append("") }
            i = j + 1
        }
        return result
    }

    /// One blank line where the author left one, and always between rules and blocks.
    mutating func separate(_ previous: Item?, _ next: Item, from: Int, to: Int, nextBig: Bool) {
        guard let previous else { return }
        var blank = blankLineBetween(from, to)
        if case .declaration(let prevBig) = previous {
            switch next {
            case .declaration(let big): if prevBig || big { blank = true }
            case .comment: if prevBig || nextBig { blank = true }
            }
        }
        if blank { out.append(.blank) }
    }

    func blankLineBetween(_ from: Int, _ to: Int) -> Bool {
        src.position(of: to).line - src.position(of: from).line > 1
    }

    func isBig(_ d: Declaration) -> Bool {
        switch d.kind {
        case .rule, .scenario, .deal, .item, .catalog: true
        case .choice, .catalogFile, .approval, .define, .include: false
        }
    }

    func text(_ c: Comment) -> String { src.text(of: c.range).trimmed }

    /// The indices of the tokens inside a range.
    func span(_ r: SourceRange) -> Range<Int> {
        var lo = 0, hi = tokens.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if tokens[mid].range.start < r.start { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < tokens.count, tokens[end].kind != .endOfInput, tokens[end].range.end <= r.end { end += 1 }
        return lo..<end
    }

    // MARK: Tokens

    func tokenText(_ t: Token) -> String {
        let raw = src.text(of: t.range)
        guard t.kind == .duration else { return raw }
        // `12months`, `12   months` → `12 months`
        let digits = raw.prefix { $0.isNumber || $0 == "," }
        return digits + " " + raw.dropFirst(digits.count).trimmed
    }

    func endsOperand(_ k: TokenKind) -> Bool {
        switch k {
        case .name, .number, .money, .percent, .duration, .date, .text, .rightParen, .rightBracket, .kwToday, .kwYes,
             .kwNo, .kwCatalog: true
        default: false
        }
    }

    func needsSpace(_ i: Int) -> Bool {
        guard i > 0 else { return false }
        let prev = tokens[i - 1], next = tokens[i]
        switch next.kind {
        case .rightParen, .rightBracket, .comma, .colon, .dot: return false
        default: break
        }
        switch prev.kind {
        case .leftParen, .leftBracket, .dot: return false
        case .minus: return i < 2 || endsOperand(tokens[i - 2].kind)
        default: return true
        }
    }

    /// Emits the comments that come before byte `offset`; true when the next token must start a line.
    mutating func comments(before offset: Int32, _ b: inout Builder, indent: Int) -> Bool {
        var breakNext = false
        while nextComment < comments.count, comments[nextComment].range.start < offset {
            let c = comments[nextComment]
            nextComment += 1
            if c.trailing, !(b.current.isEmpty && b.lines.isEmpty) {
                b.atEnd(text(c))
            } else {
                b.ownLine(text(c), indent: indent)
            }
            breakNext = true
        }
        return breakNext
    }

    /// Emits tokens `range`, keeping the author's line breaks (as lines indented `continuation`)
    /// when `keepBreaks`.
    mutating func emit(_ range: Range<Int>, _ b: inout Builder, keepBreaks: Bool, continuation: Int) {
        var first = true
        for i in range {
            let t = tokens[i]
            let broke = comments(before: t.range.start, &b, indent: continuation)
            if broke || (keepBreaks && !first && t.startsLine) {
                b.start(continuation)
                b.add(tokenText(t), space: false)
            } else {
                b.add(tokenText(t), space: !first || !b.current.isEmpty ? needsSpace(i) : false)
            }
            first = false
        }
    }

    // MARK: Declarations

    mutating func declaration(_ d: Declaration) -> [Line] {
        var b = Builder()
        let all = span(d.range)
        switch d.kind {
        case .rule:
            rule(all, &b)
        case .deal(let fields):
            block(all, entries: fields.map { span($0.range) }, &b) { layout, r, b in
                layout.emit(r, &b, keepBreaks: true, continuation: 4)
            }
        case .item(_, let fields):
            block(all, entries: fields.map { span($0.range) }, &b) { layout, r, b in
                layout.emit(r, &b, keepBreaks: true, continuation: 4)
            }
        case .scenario(_, _, let statements):
            let ranges = statements.map { s -> Range<Int> in
                switch s {
                case .fact(_, let r): span(r)
                case .expect(let e): span(e.range)
                }
            }
            block(all, entries: ranges, &b) { layout, r, b in layout.emit(r, &b, keepBreaks: true, continuation: 4) }
        case .catalog(_, let entries):
            catalog(all, entries, &b)
        case .define:
            b.start(0)
            emit(all, &b, keepBreaks: true, continuation: 2)
        case .choice, .approval, .include, .catalogFile:
            b.start(0)
            emit(all, &b, keepBreaks: false, continuation: 2)
        }
        b.flush()
        return b.lines
    }

    /// `[rule NAME:]` then the outcome; `unless` and `because` start lines indented 2;
    /// breaks the author made inside the condition are kept, indented 4.
    mutating func rule(_ all: Range<Int>, _ b: inout Builder) {
        var i = all.lowerBound
        b.start(0)
        var outcomeIndent = 0
        if tokens[i].kind == .kwRule {
            emit(i..<(i + 3), &b, keepBreaks: false, continuation: 2)
            i += 3
            outcomeIndent = 2
            b.start(outcomeIndent)
        }
        let clause = 2, continuation = 4
        var afterWhen = false
        var first = true
        for k in i..<all.upperBound {
            let t = tokens[k]
            let lineIndent = k == i ? outcomeIndent : afterWhen ? continuation : clause
            let broke = comments(before: t.range.start, &b, indent: lineIndent)
            if t.kind == .kwBecause || (t.kind == .kwUnless && (t.startsLine || broke)) {
                b.start(clause)
                b.add(tokenText(t), space: false)
            } else if broke || (afterWhen && t.startsLine) {
                b.start(lineIndent)
                b.add(tokenText(t), space: false)
            } else {
                b.add(tokenText(t), space: !first && needsSpace(k))
            }
            if t.kind == .kwWhen { afterWhen = true }
            first = false
        }
    }

    /// A `{ … }` block: its header, each entry on a line indented 2, `}`.
    mutating func block(_ all: Range<Int>, entries: [Range<Int>], _ b: inout Builder,
                        entry: (inout Layout, Range<Int>, inout Builder) -> Void) {
        guard let open = all.first(where: { tokens[$0].kind == .leftBrace }) else { return }
        let close = all.last(where: { tokens[$0].kind == .rightBrace })
        b.start(0)
        emit(all.lowerBound..<(open + 1), &b, keepBreaks: false, continuation: 2)
        let closeStart = close.map { tokens[$0].range.start } ?? tokens[all.upperBound - 1].range.end
        let hasInner = !entries.isEmpty || (nextComment < comments.count && comments[nextComment].range.start < closeStart)
        if !hasInner {
            b.add("}", space: false)
            return
        }
        var lastEnd = Int(tokens[open].range.end)
        for r in entries where !r.isEmpty {
            let start = Int(tokens[r.lowerBound].range.start)
            blankIfLeft(&b, from: &lastEnd, to: start, indent: 2)
            b.start(2)
            entry(&self, r, &b)
            lastEnd = Int(tokens[r.upperBound - 1].range.end)
        }
        blankIfLeft(&b, from: &lastEnd, to: Int(closeStart), indent: 2)
        b.start(0)
        b.add("}", space: false)
    }

    /// Between entries: comments on their own lines, and one blank line where the author left any.
    mutating func blankIfLeft(_ b: inout Builder, from lastEnd: inout Int, to start: Int, indent: Int) {
        while nextComment < comments.count, Int(comments[nextComment].range.start) < start {
            let c = comments[nextComment]
            nextComment += 1
            if c.trailing {
                b.atEnd(text(c))
                lastEnd = Int(c.range.end)
                continue
            }
            b.flush()
            if blankLineBetween(lastEnd, Int(c.range.start)) { b.lines.append(.blank) }
            b.ownLine(text(c), indent: indent)
            lastEnd = Int(c.range.end)
        }
        b.flush()
        if blankLineBetween(lastEnd, start) { b.lines.append(.blank) }
    }

    /// A catalog: one entry per line, its `field: value` columns aligned when entries give the
    /// same fields in the same order.
    mutating func catalog(_ all: Range<Int>, _ entries: [CatalogEntry], _ b: inout Builder) {
        // Each entry's cells as text, laid out on a scratch builder so comments are not consumed.
        func flat(_ r: SourceRange) -> String {
            var scratch = Layout(src: src, tokens: tokens, comments: [])
            var sb = Builder()
            scratch.emit(span(r), &sb, keepBreaks: false, continuation: 0)
            sb.flush()
            return sb.lines.map(\.code).joined(separator: " ")
        }
        let rows: [[String]] = entries.map { e in
            [src.text(of: e.nameRange)] + e.values.enumerated().map { i, v in
                "\(v.0.text): \(flat(v.1.range))" + (i < e.values.count - 1 ? "," : "")
            }
        }
        // Column c is aligned across the entries whose fields up to c are the most common ones.
        let columns = rows.map(\.count).max() ?? 0
        let keys = entries.map { e in ["name"] + e.values.map(\.0.text) }
        var aligned = Array(repeating: Array(repeating: false, count: columns), count: rows.count)
        var widths = Array(repeating: 0, count: columns)
        for c in 0..<columns {
            var counts: [[String]: Int] = [:]
            for k in keys where k.count > c { counts[Array(k.prefix(c + 1)), default: 0] += 1 }
            guard let common = counts.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key.joined() > $1.key.joined()) })?.key
            else { break }
            for (r, k) in keys.enumerated() where k.count > c && Array(k.prefix(c + 1)) == common {
                aligned[r][c] = true
                widths[c] = max(widths[c], rows[r][c].count)
            }
        }
        let ranges = entries.map { span($0.range) }
        var index = 0
        block(all, entries: ranges, &b) { layout, r, b in
            let row = rows[index]
            index += 1
            var line = ""
            let rowIndex = index - 1
            for (c, cell) in row.enumerated() {
                if c > 0 { line += " " }
                line += cell
                if c < row.count - 1, aligned[rowIndex][c] || c == 0 {
                    line += String(repeating: " ", count: max(0, widths[c] - cell.count) + (c == 0 ? 1 : 0))
                }
            }
            // Comments inside the entry's own range go at its end.
            while layout.nextComment < layout.comments.count,
                  layout.comments[layout.nextComment].range.start < layout.tokens[r.upperBound - 1].range.end {
                b.trailing = (b.trailing.map { $0 + " " } ?? "") + layout.text(layout.comments[layout.nextComment])
                layout.nextComment += 1
            }
            b.add(line, space: false)
        }
    }
}
