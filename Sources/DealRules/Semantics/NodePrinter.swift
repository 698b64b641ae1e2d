/// Where a printed condition's values come from: an evaluator (each path's value shown beside
/// it: `discount (25%) > 20%`), or nowhere (the condition as written).
protocol PathValues {
    /// Writes what follows path `node` in the printed condition: ` (25%)`, or nothing.
    mutating func annotate(_ node: Node, into out: inout TextBuffer, valueText: ValueText)
}

struct NoValues: PathValues {
    func annotate(_ node: Node, into out: inout TextBuffer, valueText: ValueText) {}
}

/// Where a message's values come from: the engine's evaluator, set up for the rule (and
/// item) being written.
protocol ValueSource {
    mutating func eval(_ node: Node) -> Value
}

/// A value source shows each path's value beside it: `discount (25%)`.
extension PathValues where Self: ValueSource {
    mutating func annotate(_ node: Node, into out: inout TextBuffer, valueText: ValueText) {
        out.raw(" (")
        valueText.write(eval(node), kind: node.itemKind, into: &out)
        out.raw(")")
    }
}

/// Records where each path's value would go, to make a message template.
/// Where a generated message's values go: each a piece of the template, in order.
private struct ValueSites: PathValues {
    var pieces: [MessageTemplate.Piece]

    mutating func annotate(_ node: Node, into out: inout TextBuffer, valueText: ValueText) {
        pieces.append(MessageTemplate.Piece(textEnd: Int32(out.count), jsonEnd: Int32(out.count), node: node, kind: node.itemKind,
                                            parenthesized: true))
    }
}

/// A message made once per rule: text that never changes, and the places where a path's value
/// goes. Writing it is copying bytes and printing values, with no walk over the condition.
struct MessageTemplate: Sendable {
    struct Piece: Sendable {
        /// Where its text (before the value) ends in `text`, and escaped for JSON in `json`; it
        /// starts where the previous piece's ends.
        var textEnd: Int32
        var jsonEnd: Int32
        /// The value written after the text, if any; `parenthesized` in a generated message
        /// (`discount (25%)`), bare in a `because` message (`{discount}`).
        var node: Node?
        var kind: Int?
        var parenthesized = false
    }

    /// The pieces' texts end to end, as they are and escaped for JSON (one array each, not one
    /// per piece: writing a message then retains no array per piece).
    var text: [UInt8] = []
    var json: [UInt8] = []
    var pieces: [Piece] = []

    /// The generated message: the condition (and `unless …`) with each path's value beside it.
    init(condition: Node, unless: Node?) {
        let printer = NodePrinter(valueText: ValueText(choices: []))
        var out = TextBuffer(capacity: 128)
        // Most conditions show a few values: grown one by one, the pieces were three allocations.
        var sites = ValueSites(pieces: [])
        sites.pieces.reserveCapacity(4)
        printer.write(condition, into: &out, values: &sites)
        if let unless {
            out.append(" unless ")
            printer.write(unless, into: &out, values: &sites)
        }
        text = out.bytes
        sites.pieces.append(Piece(textEnd: Int32(text.count), jsonEnd: Int32(text.count), node: nil, kind: nil))
        swap(&pieces, &sites.pieces)
        escapeForJSON()
    }

    /// A `because` message: its text, and the value of each `{…}`.
    init(parts: [MessagePart]) {
        for p in parts {
            switch p {
            case .literal(let s): text += s.utf8
            case .value(let node, let type):
                var kind: Int?
                if case .item(let k) = type { kind = k }
                if case .list(.item(let k)) = type { kind = k }
                pieces.append(Piece(textEnd: Int32(text.count), jsonEnd: Int32(text.count), node: node, kind: kind))
            }
        }
        pieces.append(Piece(textEnd: Int32(text.count), jsonEnd: Int32(text.count), node: nil, kind: nil))
        escapeForJSON()
    }

    /// Makes `json` from `text`, and each piece's `jsonEnd` (made equal to its `textEnd`) when
    /// escaping moves it. Most messages need no escaping: then `json` shares `text`'s storage.
    private mutating func escapeForJSON() {
        let plain = text.withUnsafeBufferPointer { all in
            for b in all where b == 0x22 || b == 0x5C || b < 0x20 { return false }
            return true
        }
        guard !plain else {
            json = text
            return
        }
        var escaped = TextBuffer(json: true, capacity: text.count + 16)
        text.withUnsafeBufferPointer { all in
            var start = 0
            for i in pieces.indices {
                let end = Int(pieces[i].textEnd)
                escaped.append(bytes: UnsafeBufferPointer(rebasing: all[start..<end]))
                pieces[i].jsonEnd = Int32(escaped.count)
                start = end
            }
        }
        json = escaped.bytes
    }

    /// Writes the message for the rule the evaluator is set up for.
    func write<Source: ValueSource>(into out: inout TextBuffer, _ ev: inout Source, _ valueText: ValueText) {
        let useJSON = out.json
        (useJSON ? json : text).withUnsafeBufferPointer { bytes in
            var start = 0
            for i in pieces.indices {
                let end = Int(useJSON ? pieces[i].jsonEnd : pieces[i].textEnd)
                if end > start { out.raw(UnsafeBufferPointer(start: bytes.baseAddress! + start, count: end - start)) }
                start = end
                guard case .some(let node) = pieces[i].node else { continue }
                if pieces[i].parenthesized { out.raw(" (") }
                valueText.write(ev.eval(node), kind: pieces[i].kind, into: &out)
                if pieces[i].parenthesized { out.raw(")") }
            }
        }
    }
}

/// Prints a checked expression the one way every message, `:why` and `--explain` shows it:
/// the condition's text, and, with values, each path's value beside it.
struct NodePrinter {
    let valueText: ValueText

    init(valueText: ValueText) {
        self.valueText = valueText
    }

    /// The condition as written.
    func text(_ n: Node) -> String {
        var out = TextBuffer()
        var none = NoValues()
        write(n, into: &out, values: &none)
        return out.string
    }

    /// The condition with each path's value beside it, as the evaluator sees them.
    func text<Values: PathValues & ValueSource>(_ n: Node, values ev: inout Values) -> String {
        var out = TextBuffer()
        write(n, into: &out, values: &ev)
        return out.string
    }

    func write<V: PathValues>(_ n: Node, into out: inout TextBuffer, values: inout V, show: Bool = true) {
        func shown(_ name: String) {
            out.append(name)
            if show { values.annotate(n, into: &out, valueText: valueText) }
        }
        switch n {
        case .constant(_, _, let t): out.append(t)
        case .list(let nodes, _):
            out.append("[")
            for (i, x) in nodes.enumerated() {
                if i > 0 { out.append(", ") }
                write(x, into: &out, values: &values, show: show)
            }
            out.append("]")
        case .field(_, _, let name), .itemList(_, _, let name), .item(_, _, let name), .itemNames(_, _, let name),
             .define(_, _, let name), .itemField(_, _, _, _, let name):
            shown(name)
        case .today: shown("today")
        case .aggregateItems(_, _, _, _, _, _, _, let t), .aggregateList(_, _, _, let t): shown(t)
        case .nameOf(let x, _): write(x, into: &out, values: &values, show: show)
        case .group(let x):
            out.append("(")
            write(x, into: &out, values: &values, show: show)
            out.append(")")
        case .not(let x):
            out.append("not ")
            write(x, into: &out, values: &values, show: show)
        case .and(let a, let b): infix(a, " and ", b, &out, &values, show)
        case .or(let a, let b): infix(a, " or ", b, &out, &values, show)
        case .negate(let x):
            out.append("-")
            write(x, into: &out, values: &values, show: show)
        case .arithmetic(_, let a, let b, let op, _): infix(a, op.rawValue, b, &out, &values, show, spaced: true)
        case .compare(_, let a, let b, let op): infix(a, op.rawValue, b, &out, &values, show, spaced: true)
        case .between(let x, let lo, let hi, let negated):
            write(x, into: &out, values: &values, show: show)
            out.append(negated ? " not between " : " between ")
            infix(lo, " and ", hi, &out, &values, show)
        case .member(let x, let list, let negated): infix(x, negated ? " not in " : " in ", list, &out, &values, show)
        case .contains(let a, let b): infix(a, " contains ", b, &out, &values, show)
        case .inCatalog(let x, _, let negated):
            write(x, into: &out, values: &values, show: show)
            out.append(negated ? " not in catalog" : " in catalog")
        case .quantified(let q, _, _, _, let body, let variable):
            // Inside a quantifier the item changes, so no values are shown there.
            out.append(q.rawValue)
            out.append(" ")
            if case .group = body {
                out.append(variable)
                out.append(" ")
            }
            write(body, into: &out, values: &values, show: false)
        }
    }

    /// `a op b`; `spaced` puts a space either side of `op`.
    private func infix<V: PathValues>(_ a: Node, _ op: String, _ b: Node, _ out: inout TextBuffer, _ values: inout V, _ show: Bool,
                                      spaced: Bool = false) {
        write(a, into: &out, values: &values, show: show)
        if spaced { out.append(byte: UInt8(ascii: " ")) }
        out.append(op)
        if spaced { out.append(byte: UInt8(ascii: " ")) }
        write(b, into: &out, values: &values, show: show)
    }
}

extension Node {
    /// The expressions directly inside this one.
    var children: [Node] {
        switch self {
        case .constant, .field, .itemList, .item, .itemField, .itemNames, .today, .define: []
        case .list(let nodes, _): nodes
        case .nameOf(let x, _), .group(let x), .not(let x), .negate(let x): [x]
        case .and(let a, let b), .or(let a, let b), .arithmetic(_, let a, let b, _, _), .compare(_, let a, let b, _),
             .member(let a, let b, _), .contains(let a, let b):
            [a, b]
        case .between(let x, let lo, let hi, _): [x, lo, hi]
        case .inCatalog(let x, _, _): [x]
        case .quantified(_, _, _, _, let body, _): [body]
        case .aggregateItems(_, _, _, _, let value, let condition, _, _): [condition, value].compactMap { $0 }
        case .aggregateList(_, let list, _, _): [list]
        }
    }

    /// A node that reads a fact and is shown with its value in messages.
    var isPath: Bool {
        switch self {
        case .field, .itemList, .item, .itemField, .itemNames, .define, .today, .aggregateItems, .aggregateList: true
        case .constant, .list, .nameOf, .not, .and, .or, .negate, .arithmetic, .compare, .between, .member,
             .contains, .inCatalog, .quantified, .group: false
        }
    }

    /// The item kind of a value this node gives, when it gives items.
    var itemKind: Int? {
        switch self {
        case .item(_, let k, _), .itemList(_, let k, _): k
        case .constant, .list, .field, .itemField, .nameOf, .itemNames, .today, .define, .not, .and, .or, .negate,
             .arithmetic, .compare, .between, .member, .contains, .inCatalog, .quantified, .aggregateItems,
             .aggregateList, .group: nil
        }
    }
}
