/// Prints a checked expression the one way every message, `:why` and `--explain` shows it:
/// the condition's text, and, when asked, each path's value beside it: `discount (25%) > 20%`.
struct NodePrinter {
    let valueText: ValueText
    /// Gives the value to show beside a path, or nil to show none.
    var show: ((Node) -> String?)?

    init(valueText: ValueText, show: ((Node) -> String?)? = nil) {
        self.valueText = valueText
        self.show = show
    }

    func text(_ n: Node) -> String { text(n, values: show != nil) }

    private func text(_ n: Node, values: Bool) -> String {
        func shown(_ s: String) -> String {
            guard values, let v = show?(n) else { return s }
            return "\(s) (\(v))"
        }
        switch n {
        case .constant(_, _, let t): return t
        case .list(let nodes, _): return "[" + nodes.map { text($0, values: values) }.joined(separator: ", ") + "]"
        case .field(_, _, let name), .itemList(_, _, let name), .item(_, _, let name), .itemNames(_, _, let name),
             .define(_, _, let name), .itemField(_, _, _, _, let name):
            return shown(name)
        case .today: return shown("today")
        case .aggregateItems(_, _, _, _, _, _, _, let t), .aggregateList(_, _, _, let t): return shown(t)
        case .nameOf(let x, _): return text(x, values: values)
        case .group(let x): return "(" + text(x, values: values) + ")"
        case .not(let x): return "not " + text(x, values: values)
        case .and(let a, let b): return text(a, values: values) + " and " + text(b, values: values)
        case .or(let a, let b): return text(a, values: values) + " or " + text(b, values: values)
        case .negate(let x): return "-" + text(x, values: values)
        case .arithmetic(_, let a, let b, let op):
            return text(a, values: values) + " \(op.rawValue) " + text(b, values: values)
        case .compare(_, let a, let b, let op):
            return text(a, values: values) + " \(op.rawValue) " + text(b, values: values)
        case .between(let x, let lo, let hi, let negated):
            return text(x, values: values) + (negated ? " not between " : " between ") + text(lo, values: values)
                + " and " + text(hi, values: values)
        case .member(let x, let list, let negated):
            return text(x, values: values) + (negated ? " not in " : " in ") + text(list, values: values)
        case .contains(let a, let b):
            return text(a, values: values) + " contains " + text(b, values: values)
        case .inCatalog(let x, _, let negated):
            return text(x, values: values) + (negated ? " not in catalog" : " in catalog")
        case .quantified(let q, _, _, _, let body, let variable):
            // Inside a quantifier the item changes, so no values are shown there.
            if case .group = body { return "\(q.rawValue) \(variable) " + text(body, values: false) }
            return "\(q.rawValue) " + text(body, values: false)
        }
    }
}

extension Node {
    /// The expressions directly inside this one.
    var children: [Node] {
        switch self {
        case .constant, .field, .itemList, .item, .itemField, .itemNames, .today, .define: []
        case .list(let nodes, _): nodes
        case .nameOf(let x, _), .group(let x), .not(let x), .negate(let x): [x]
        case .and(let a, let b), .or(let a, let b), .arithmetic(_, let a, let b, _), .compare(_, let a, let b, _),
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
        default: false
        }
    }

    /// The item kind of a value this node gives, when it gives items.
    var itemKind: Int? {
        switch self {
        case .item(_, let k, _), .itemList(_, let k, _): k
        default: nil
        }
    }
}
