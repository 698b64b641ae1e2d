/// Reads a checked condition as a union of boxes (its cases, in disjunctive normal form).
///
/// `and`, `or` and `not` are distributed (De Morgan and distribution hold in the language's
/// three-valued logic too), so a condition is decided yes on a deal exactly when one of its boxes
/// has every variable known and inside its constraint. A comparison of one fact with constants
/// is an atom; defines are read through. Everything else (arithmetic, two facts compared,
/// aggregates, quantifiers, `contains`, lists) ends the fragment: the rule is skipped, never
/// guessed about.

/// One comparison the boxes came from: shown as evidence, where it is written.
struct AnalysisAtom: Sendable {
    /// The comparison as the rule (or define) writes it.
    let text: String
    /// Whether the case needs it to be `no` rather than `yes`.
    let negated: Bool
    let location: SourceLocation
}

/// Why a rule is outside what the analysis reads.
struct OutsideFragment: Error {
    let reason: String
}

struct ConditionReader {
    /// A condition that splits into more cases than this is skipped (docs/analysis.md).
    static let maxBoxes = 64

    let rules: RuleSet
    /// The rule's own item kind, when it is per item.
    let itemKind: Int?
    let printer: NodePrinter
    private(set) var atoms: [AnalysisAtom] = []
    /// The atoms on a variable that two cases combined left empty: what proves a contradiction.
    private(set) var contradictions: Set<Int> = []
    /// Where the node being read is written: the rule's condition, or a define's.
    private var place: SourceLocation
    private var placeEnd: Int

    init(rules: RuleSet, rule: Rule) {
        self.rules = rules
        itemKind = rule.itemKind
        printer = NodePrinter(valueText: ValueText(choices: rules.choices))
        place = rule.location
        placeEnd = ConditionReader.declarationEnd(rule.location)
    }

    /// Whether binding 0 of the frame being read is the rule's own item.
    private var itemBound = true

    // MARK: Conditions

    /// The cases where `node` is `yes` (positive) or `no` (negative).
    mutating func cases(_ node: Node, positive: Bool) throws(OutsideFragment) -> [Box] {
        switch node {
        case .group(let x):
            return try cases(x, positive: positive)
        case .not(let x):
            return try cases(x, positive: !positive)
        case .and(let a, let b):
            let l = try cases(a, positive: positive), r = try cases(b, positive: positive)
            return positive ? try product(l, r) : try union(l, r)
        case .or(let a, let b):
            let l = try cases(a, positive: positive), r = try cases(b, positive: positive)
            return positive ? try union(l, r) : try product(l, r)
        case .define(let index, let binding, _):
            let define = rules.defines[index]
            if !define.readsFacts, let v = constant(node), case .flag(let b) = v { return b == positive ? [Box()] : [] }
            let saved = (place, placeEnd, itemBound)
            defer { (place, placeEnd, itemBound) = saved }
            if let binding {
                guard binding == 0, itemBound else { throw OutsideFragment(reason: "it reads an item that `any`, `every` or `no` binds") }
            }
            itemBound = binding != nil
            place = define.location
            placeEnd = ConditionReader.declarationEnd(define.location)
            return try cases(define.body, positive: positive)
        case .constant(let v, _, _):
            guard case .flag(let b) = v else { throw OutsideFragment(reason: "a condition is not a flag") }
            return b == positive ? [Box()] : []
        case .field(_, .flag, _), .itemField(_, _, _, .flag, _):
            guard let (v, domain) = try variable(node) else { throw OutsideFragment(reason: "a flag it reads is not a fact") }
            return atom(node, v, [.set(0b10)], domain, positive: positive)
        case .compare(let cmp, let a, let b, _):
            return try comparison(node, cmp, a, b, positive: positive)
        case .between(let x, let lo, let hi, let negated):
            guard let (v, domain) = try variable(x), let l = constant(lo), let h = constant(hi),
                  let kl = key(l), let kh = key(h) else {
                throw OutsideFragment(reason: "`between` compares something other than one fact with constants")
            }
            return atom(node, v, [span(from: kl, to: kh, domain)], domain, positive: positive != negated)
        case .member(let x, let list, let negated):
            guard let (v, domain) = try variable(x), case .list(let elements)? = constant(list) else {
                throw OutsideFragment(reason: "`in` asks about something other than one fact and a list of constants")
            }
            var points: [Constraint] = []
            for e in elements {
                guard let k = key(e) else { throw OutsideFragment(reason: "a list holds a value the analysis does not read") }
                points.append(point(k, domain))
            }
            // A choice's or a text's values are one set; numbers are points apart.
            switch domain {
            case .finite:
                let mask = points.reduce(UInt64(0)) { m, p in if case .set(let b) = p { m | b } else { m } }
                points = [.set(mask)]
            case .text:
                points = [.only(Set(points.flatMap { p -> Set<String> in if case .only(let t) = p { t } else { [] } }))]
            case .ordered:
                break
            }
            return atom(node, v, points, domain, positive: positive != negated)
        case .inCatalog(let x, let kind, let negated):
            guard let catalog = rules.itemKinds[kind].catalog, let (v, domain) = try variable(x), v == .itemField(0) else {
                throw OutsideFragment(reason: "`in catalog` asks about an item other than the rule's own")
            }
            return atom(node, v, [.only(Set(catalog.entries.map(\.name)))], domain, positive: positive != negated)
        case .contains:
            throw OutsideFragment(reason: "it uses `contains`")
        case .arithmetic:
            throw OutsideFragment(reason: "it computes with arithmetic")
        case .quantified:
            throw OutsideFragment(reason: "it uses `any`, `every` or `no`")
        case .aggregateItems, .aggregateList:
            throw OutsideFragment(reason: "it uses an aggregate (`count of`, `sum of`, `min of`, `max of`)")
        case .field, .itemField, .list, .itemList, .item, .nameOf, .itemNames, .today, .negate:
            throw OutsideFragment(reason: "a condition is not a flag")
        }
    }

    private mutating func comparison(_ node: Node, _ cmp: Comparison, _ a: Node, _ b: Node,
                                     positive: Bool) throws(OutsideFragment) -> [Box] {
        let left = try variable(a), right = try variable(b)
        if left != nil && right != nil { throw OutsideFragment(reason: "it compares two facts with each other") }
        if left == nil && right == nil {
            guard let x = constant(a), let y = constant(b), case .flag(let r) = Evaluator.compare(cmp, x, y) else {
                throw OutsideFragment(reason: Self.why(constant(a) == nil ? a : b))
            }
            return r == positive ? [Box()] : []
        }
        let (v, domain) = (left ?? right)!
        guard let c = constant(left != nil ? b : a), let k = key(c) else {
            throw OutsideFragment(reason: Self.why(left != nil ? b : a))
        }
        // With the fact on the left: `5 < seats` is `seats > 5`.
        var op = cmp
        if left == nil {
            switch cmp {
            case .less: op = .greater
            case .lessEqual: op = .greaterEqual
            case .greater: op = .less
            case .greaterEqual: op = .lessEqual
            case .equal, .notEqual: break
            }
        }
        let allowed: [Constraint]
        switch op {
        case .equal: allowed = [point(k, domain)]
        case .notEqual: allowed = point(k, domain).complement(in: domain)
        case .less, .lessEqual, .greater, .greaterEqual:
            guard case .number(let n) = k else { throw OutsideFragment(reason: "it orders values that have no order") }
            guard case .ordered(let lo, let hi) = domain else {
                guard case .finite(let count) = domain else { throw OutsideFragment(reason: "it orders values that have no order") }
                var mask: UInt64 = 0
                for i in 0..<count where op.holds(Int64(i), n) { mask |= 1 << UInt64(i) }
                return atom(node, v, [.set(mask)], domain, positive: positive)
            }
            switch op {
            case .less: allowed = [n == .min ? .range(1, 0) : .range(lo, n - 1)]
            case .lessEqual: allowed = [.range(lo, n)]
            case .greater: allowed = [n == .max ? .range(1, 0) : .range(n + 1, hi)]
            default: allowed = [.range(n, hi)]
            }
        }
        return atom(node, v, allowed, domain, positive: positive)
    }

    /// The cases of one comparison: `allowed` (a union) when positive, what the domain has
    /// besides when negative. Every case reads the variable, so needs it known.
    private mutating func atom(_ node: Node, _ v: AnalysisVariable, _ allowed: [Constraint], _ domain: AnalysisDomain,
                               positive: Bool) -> [Box] {
        let index = atoms.count
        atoms.append(AnalysisAtom(text: printer.text(node), negated: !positive, location: locate(printer.text(node))))
        let constraints = positive ? allowed.filter { !$0.isEmpty } : Constraint.complement(of: allowed, in: domain)
        return constraints.map { Box(constraints: [v: $0], atoms: [v: [index]]) }
    }

    private mutating func union(_ a: [Box], _ b: [Box]) throws(OutsideFragment) -> [Box] {
        let out = a + b
        guard out.count <= Self.maxBoxes else { throw tooManyCases }
        return out
    }

    mutating func product(_ a: [Box], _ b: [Box]) throws(OutsideFragment) -> [Box] {
        guard a.count * b.count <= Self.maxBoxes * Self.maxBoxes else { throw tooManyCases }
        var out: [Box] = []
        for x in a {
            for y in b {
                let (box, emptied) = x.intersected(with: y)
                if let emptied {
                    contradictions.formUnion(x.atoms[emptied] ?? [])
                    contradictions.formUnion(y.atoms[emptied] ?? [])
                    continue
                }
                out.append(box)
                guard out.count <= Self.maxBoxes else { throw tooManyCases }
            }
        }
        return out
    }

    private var tooManyCases: OutsideFragment {
        OutsideFragment(reason: "its condition splits into more than \(Self.maxBoxes) cases")
    }

    // MARK: Facts and constants

    /// The fact a node reads, when it is one fact of a type the analysis reasons about.
    private func variable(_ node: Node) throws(OutsideFragment) -> (AnalysisVariable, AnalysisDomain)? {
        switch node {
        case .field(let slot, let type, let name):
            guard let d = AnalysisDomain(type, choices: rules.choices) else {
                throw OutsideFragment(reason: "`\(name)` is a list")
            }
            return (.field(slot), d)
        case .itemField(let binding, _, let field, let type, let name):
            guard binding == 0, itemBound, itemKind != nil else {
                throw OutsideFragment(reason: "it reads an item that `any`, `every` or `no` binds")
            }
            guard let d = AnalysisDomain(type, choices: rules.choices) else { throw OutsideFragment(reason: "`\(name)` is a list") }
            return (.itemField(field), d)
        case .item(let binding, _, _), .nameOf(.item(let binding, _, _), _):
            guard binding == 0, itemBound, itemKind != nil else {
                throw OutsideFragment(reason: "it reads an item that `any`, `every` or `no` binds")
            }
            return (.itemField(0), .text)
        case .today:
            return (.today, AnalysisDomain(.date, choices: [])!)
        case .group(let x):
            return try variable(x)
        case .define(let index, let binding, _):
            let define = rules.defines[index]
            guard define.readsFacts else { return nil }
            guard binding == nil || (binding == 0 && itemBound) else {
                throw OutsideFragment(reason: "it reads an item that `any`, `every` or `no` binds")
            }
            guard binding != nil || !Self.mentionsItem(define.body) else { return nil }
            return try variable(define.body)
        case .constant, .list, .itemList, .nameOf, .itemNames, .not, .and, .or, .negate, .arithmetic, .compare,
             .between, .member, .contains, .inCatalog, .quantified, .aggregateItems, .aggregateList:
            return nil
        }
    }

    /// Why a value the analysis cannot read is outside it.
    private static func why(_ node: Node) -> String {
        switch node {
        case .arithmetic: "it computes with arithmetic on facts"
        case .aggregateItems, .aggregateList: "it uses an aggregate (`count of`, `sum of`, `min of`, `max of`)"
        case .group(let x), .negate(let x): why(x)
        case .field, .itemField, .item, .nameOf, .today: "it compares two facts with each other"
        case .itemList, .itemNames: "it reads a list of items as a value"
        case .constant, .list, .define, .not, .and, .or, .compare, .between, .member, .contains, .inCatalog, .quantified:
            "it compares with a value the analysis does not read"
        }
    }

    /// Whether a node reads an item binding (a define read with no item in reach cannot).
    private static func mentionsItem(_ node: Node) -> Bool {
        if case .itemField = node { return true }
        if case .item = node { return true }
        return false
    }

    /// The value of a node that reads no fact.
    private func constant(_ node: Node) -> Value? {
        switch node {
        case .constant(let v, _, _): return v
        case .group(let x): return constant(x)
        case .negate(let x): return constant(x).map(Evaluator.negate)
        case .arithmetic(let op, let a, let b, _, _):
            guard let x = constant(a), let y = constant(b) else { return nil }
            let v = Evaluator.arithmetic(op, x, y)
            return v.isKnown ? v : nil
        case .list(let xs, _):
            var out: [Value] = []
            for x in xs {
                guard let v = constant(x) else { return nil }
                out.append(v)
            }
            return .list(out)
        case .define(let index, _, _):
            let define = rules.defines[index]
            return define.readsFacts ? nil : constant(define.body)
        case .field, .itemField, .itemList, .item, .nameOf, .itemNames, .today, .not, .and, .or, .compare,
             .between, .member, .contains, .inCatalog, .quantified, .aggregateItems, .aggregateList:
            return nil
        }
    }

    private func key(_ v: Value) -> ConstraintValue? { ConstraintValue(v) }

    private func point(_ k: ConstraintValue, _ domain: AnalysisDomain) -> Constraint {
        switch (k, domain) {
        case (.number(let n), .ordered): .range(n, n)
        case (.number(let n), .finite): n >= 0 && n < 64 ? .set(1 << UInt64(n)) : .set(0)
        case (.text(let s), _): .only([s])
        case (.number, .text): .only([])
        }
    }

    private func span(from lo: ConstraintValue, to hi: ConstraintValue, _ domain: AnalysisDomain) -> Constraint {
        guard case .number(let a) = lo, case .number(let b) = hi else { return .range(1, 0) }
        switch domain {
        case .ordered: return .range(a, b)
        case .finite(let count):
            var mask: UInt64 = 0
            for i in 0..<count where Int64(i) >= a && Int64(i) <= b { mask |= 1 << UInt64(i) }
            return .set(mask)
        case .text: return .range(1, 0)
        }
    }

    // MARK: Where atoms are written

    /// Where the comparison printed as `text` is written in the rule or define being read: the
    /// first place it appears as written, else the rule (or define) itself.
    private func locate(_ text: String) -> SourceLocation {
        let bytes = place.file.bytes, needle = Array(text.utf8)
        let start = Int(place.range.start)
        guard !needle.isEmpty, placeEnd - start >= needle.count else { return place }
        var i = start
        while i + needle.count <= placeEnd {
            if bytes[i] == needle[0], bytes[i..<(i + needle.count)].elementsEqual(needle) {
                return SourceLocation(place.file, SourceRange(i, i + needle.count))
            }
            i += 1
        }
        return place
    }

    /// Where the declaration at `location` ends: before the next line that starts at its
    /// first column (another declaration), or the file's end.
    static func declarationEnd(_ location: SourceLocation) -> Int {
        let bytes = location.file.bytes
        var i = Int(location.range.start)
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\n"), i + 1 < bytes.count, bytes[i + 1] != UInt8(ascii: " "),
               bytes[i + 1] != UInt8(ascii: "\t"), bytes[i + 1] != UInt8(ascii: "\n"), bytes[i + 1] != UInt8(ascii: "\r") {
                return i
            }
            i += 1
        }
        return bytes.count
    }
}

extension ConditionReader {
    /// The cases where `rule` fires: its condition's, less its `unless`'s.
    static func fires(_ rule: Rule, in rules: RuleSet) throws(OutsideFragment) -> [Box] {
        var reader = ConditionReader(rules: rules, rule: rule)
        let condition = try reader.cases(rule.condition, positive: true)
        guard let unless = rule.unless else { return condition }
        return try reader.product(condition, try reader.cases(unless, positive: false))
    }
}

extension Constraint {
    /// What the domain holds outside every one of `allowed`: the cases of `not (… or …)`.
    static func complement(of allowed: [Constraint], in domain: AnalysisDomain) -> [Constraint] {
        var rest = [domain.full]
        for a in allowed where !a.isEmpty {
            rest = rest.flatMap { r in
                a.complement(in: domain).compactMap { c -> Constraint? in
                    guard let x = r.intersected(with: c), !x.isEmpty else { return nil }
                    return x
                }
            }
        }
        return rest
    }

}
