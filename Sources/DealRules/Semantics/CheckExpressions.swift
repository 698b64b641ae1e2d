/// What an expression is checked within: the file, which item variables are bound, and what
/// the expression turned out to read.
struct Scope {
    let source: SourceFile
    /// Rules and defines may talk about "the" item (`service`); scenarios and constants may not.
    let allowsFreeItem: Bool
    /// Items bound by `any`/`every`/`no` and aggregates, innermost last.
    var bindings: [(name: String, kind: Int, slot: Int)] = []
    /// The kind of the free item variable (binding 0), once mentioned.
    var freeKind: Int?
    var freeItemRange: SourceRange?
    var nextBinding = 1
    var maxBinding = 1
    /// Whether anything read depends on the deal (fields, items, `today`).
    var readsFacts = false

    init(source: SourceFile, allowsFreeItem: Bool) {
        self.source = source
        self.allowsFreeItem = allowsFreeItem
    }
}

struct Typed {
    var node: Node
    var type: ValueType

    init(_ node: Node, _ type: ValueType) {
        self.node = node
        self.type = type
    }
}

extension Checker {
    // MARK: Expressions

    mutating func check(_ e: Expr, expecting expected: ValueType?, _ scope: inout Scope) -> Typed? {
        switch e.kind {
        case .number(let f): return Typed(.constant(.number(f), .number, text: f.formatted()), .number)
        case .money(let f): return Typed(.constant(.money(f), .money, text: f.moneyText), .money)
        case .percent(let f): return Typed(.constant(.percent(f), .percent, text: f.percentText), .percent)
        case .duration(let d): return Typed(.constant(.duration(d), .duration, text: d.description), .duration)
        case .date(let d): return Typed(.constant(.date(d), .date, text: d.description), .date)
        case .text(let s): return Typed(.constant(.text(s), .text, text: ValueText.quoted(s)), .text)
        case .flag(let b): return Typed(.constant(.flag(b), .flag, text: b ? "yes" : "no"), .flag)
        case .list(let elements): return checkList(elements, e, expected, &scope)
        case .path(let names): return resolvePath(names, expected, &scope)
        case .today:
            scope.readsFacts = true
            return Typed(.today, .date)
        case .catalog, .interpolated, .invalid:
            return nil
        case .group(let inner):
            return check(inner, expecting: expected, &scope).map { Typed(.group($0.node), $0.type) }
        case .negate(let x):
            guard let t = check(x, expecting: nil, &scope) else { return nil }
            guard t.type.isNumeric || t.type == .duration else {
                mismatch("`-` needs a number, money, percent or duration, not \(namer.article(t.type))", e.operatorRange, &scope)
                return nil
            }
            return Typed(.negate(t.node), t.type)
        case .not(let x):
            return checkCondition(x, &scope, what: "`not`").map { Typed(.not($0), .flag) }
        case .binary(let op, let l, let r):
            if op == .and || op == .or {
                let a = checkCondition(l, &scope, what: "`\(op.rawValue)`")
                let b = checkCondition(r, &scope, what: "`\(op.rawValue)`")
                guard let a, let b else { return nil }
                return Typed(op == .and ? .and(a, b) : .or(a, b), .flag)
            }
            return checkArithmetic(op, l, r, e, &scope)
        case .compare(let op, let l, let r):
            return checkComparison(op, l, r, e, &scope)
        case .between(let x, let low, let high, let negated):
            return checkBetween(x, low, high, negated, e, &scope)
        case .quantified(let q, let name, let body):
            return checkQuantified(q, name, body, &scope)
        case .aggregate(let kind, let path, let condition):
            return checkAggregate(kind, path, condition, e, &scope)
        }
    }

    func shown(_ e: Expr, _ scope: Scope) -> String {
        let t = scope.source.text(of: e.range)
        return t.count > 48 ? String(t.prefix(45)) + "…" : t
    }

    mutating func mismatch(_ message: String, _ range: SourceRange, _ scope: inout Scope, help: String? = nil) {
        error(.typeMismatch, message, scope.source, range, help: help)
    }

    /// A bare word that only a choice can give meaning to (`EU`), or a list of them.
    func isContextual(_ e: Expr, _ scope: Scope) -> Bool {
        switch e.kind {
        case .path(let names):
            let n = names[0].text
            return names.count == 1 && !scope.bindings.contains { $0.name == n } && fieldIndex[n] == nil
                && defineIndex[n] == nil && itemKindIndex[n] == nil && choiceValueOwners[n] != nil
        case .list(let elements):
            return elements.allSatisfy { isContextual($0, scope) }
        case .group(let inner):
            return isContextual(inner, scope)
        case .number, .money, .percent, .duration, .date, .text, .flag, .today, .catalog, .negate, .not, .binary,
             .compare, .between, .quantified, .aggregate, .interpolated, .invalid:
            return false
        }
    }

    // MARK: Paths

    mutating func resolvePath(_ names: [Name], _ expected: ValueType?, _ scope: inout Scope) -> Typed? {
        let first = names[0].text
        // Only a message shows the whole path.
        var display: String { names.map(\.text).joined(separator: ".") }
        let whole = names[0].range.union(names[names.count - 1].range)
        if let b = scope.bindings.last(where: { $0.name == first }) {
            return itemPath(b.kind, b.slot, names, &scope)
        }
        if let k = itemKindIndex[first] {
            guard bindFreeItem(k, names[0].range, &scope) else { return nil }
            return itemPath(k, 0, names, &scope)
        }
        if let f = fieldIndex[first] {
            scope.readsFacts = true
            let type = fields[f].type
            if names.count > 1 {
                if case .list(.item(let k)) = type {
                    let kind = itemKinds[k].name
                    let field = names[1].text
                    mismatch("`\(display)` is the \(field) of every \(kind); say which", whole, &scope,
                             help: "write `sum of \(display)`, `any \(kind) (\(kind).\(field) …)`, or `\(kind).\(field)` in a rule about one \(kind)")
                } else {
                    mismatch("`\(first)` is \(namer.article(type)) and has no fields", whole, &scope)
                }
                return nil
            }
            if case .list(.item(let k)) = type {
                return Typed(.itemList(slot: f, kind: k, name: first), type)
            }
            return Typed(.field(slot: f, type, name: first), type)
        }
        if let d = defineIndex[first] {
            if names.count > 1 {
                mismatch("define `\(first)` has no fields", whole, &scope)
                return nil
            }
            definesUsed.insert(d)
            guard let def = checkDefine(d) else { return nil }
            if def.readsFacts { scope.readsFacts = true }
            var binding: Int?
            if let k = def.itemKind {
                if let b = scope.bindings.last(where: { $0.kind == k }) {
                    binding = b.slot
                } else {
                    guard bindFreeItem(k, names[0].range, &scope, via: first) else { return nil }
                    binding = 0
                }
            }
            return Typed(.define(index: d, binding: binding, name: first), def.type)
        }
        if names.count == 1, let owners = choiceValueOwners[first] {
            var c: Int?
            if case .choice(let e)? = expected { c = e }
            if case .list(.choice(let e))? = expected { c = e }
            if let c {
                if let v = choices[c].index[first] {
                    choicesUsed.insert(c)
                    return Typed(.constant(.choice(ChoiceValue(choice: Int32(c), value: v)), .choice(c), text: first), .choice(c))
                }
                error(.unknownChoiceValue, "`\(first)` is not a value of `\(choices[c].name)`", scope.source, whole,
                      help: Suggestions.didYouMean(first, choices[c].values)
                          ?? "`\(choices[c].name)` is one of \(choices[c].values.joined(separator: ", "))")
                return nil
            }
            if owners.count > 1 {
                error(.ambiguousValue, "`\(first)` is a value of \(owners.map { "`\(choices[$0].name)`" }.joined(separator: " and "))",
                      scope.source, whole, help: "compare it with a field of the choice you mean")
                return nil
            }
            let c0 = owners[0]
            return Typed(.constant(.choice(ChoiceValue(choice: Int32(c0), value: choices[c0].index[first]!)), .choice(c0), text: first), .choice(c0))
        }
        if names.count == 1, case .choice(let c)? = expected {
            error(.unknownChoiceValue, "`\(first)` is not a value of `\(choices[c].name)`", scope.source, whole,
                  help: Suggestions.didYouMean(first, choices[c].values)
                      ?? "`\(choices[c].name)` is one of \(choices[c].values.joined(separator: ", "))")
            return nil
        }
        var candidates = fields.map(\.name) + defineDecls.map(\.name.text) + itemKinds.map(\.name)
        candidates += scope.bindings.map(\.name)
        if case .list(.choice(let c))? = expected { candidates += choices[c].values }
        candidates += choiceValueOwners.keys.sorted()
        var help = Suggestions.didYouMean(first, candidates)
        if help == nil, TokenKind.keywords.contains(where: { $0.0 == first.lowercased() }) {
            help = "keywords are lower case: `\(first.lowercased())`"
        }
        // Where a literal was expected (`discount = lots`), the word was most likely meant as one.
        if help == nil, names.count == 1, let expected, let example = namer.literalExample(expected) {
            error(.unknownField, "`\(first)` is neither a field nor \(namer.article(expected))", scope.source, names[0].range,
                  help: expected == .text ? "text goes in quotes: `\"\(first)\"`" : "write \(namer.article(expected)) such as \(example)")
            return nil
        }
        error(.unknownField, "unknown field `\(first)`", scope.source, names[0].range,
              help: help ?? "declare it in `deal { … }`, or check the spelling")
        return nil
    }

    /// Makes `k` the rule's free item kind, or explains why it cannot be.
    mutating func bindFreeItem(_ k: Int, _ range: SourceRange, _ scope: inout Scope, via define: String? = nil) -> Bool {
        let kind = itemKinds[k].name
        guard scope.allowsFreeItem else {
            let how = define.map { "`\($0)` talks about one \(kind)" } ?? "`\(kind)` means one \(kind) of the deal"
            error(.itemOutsideRule, "\(how), but there is no \(kind) here", scope.source, range,
                  help: "ask about the deal's items with `any \(kind) …`, `count of \(itemKinds[k].listField.map { fields[$0].name } ?? kind + "s")`")
            return false
        }
        if let other = scope.freeKind, other != k {
            error(.twoItemVariables, "this already talks about one `\(itemKinds[other].name)`; it cannot also be about one `\(kind)`",
                  scope.source, range, help: "use `any \(kind) (…)` for the other kind")
            return false
        }
        scope.freeKind = k
        scope.freeItemRange = scope.freeItemRange ?? range
        scope.readsFacts = true
        return true
    }

    mutating func itemPath(_ k: Int, _ slot: Int, _ names: [Name], _ scope: inout Scope) -> Typed? {
        scope.readsFacts = true
        let kind = itemKinds[k]
        if names.count == 1 {
            return Typed(.item(binding: slot, kind: k, name: names[0].text), .item(k))
        }
        guard names.count == 2 else {
            mismatch("`\(names[0].text).\(names[1].text)` has no fields", names[2].range, &scope)
            return nil
        }
        guard let f = kind.fieldIndex[names[1].text] else {
            error(.unknownField, "item `\(kind.name)` has no field `\(names[1].text)`", scope.source, names[1].range,
                  help: Suggestions.didYouMean(names[1].text, kind.fields.map(\.name))
                      ?? "its fields are \(kind.fields.map { "`\($0.name)`" }.joined(separator: ", "))")
            return nil
        }
        let type = kind.fields[f].type
        return Typed(.itemField(binding: slot, kind: k, field: f, type, name: names[0].text + "." + names[1].text), type)
    }

    // MARK: Lists

    mutating func checkList(_ elements: [Expr], _ e: Expr, _ expected: ValueType?, _ scope: inout Scope) -> Typed? {
        if elements.isEmpty {
            return Typed(.constant(.list([]), .emptyList, text: "[]"), .emptyList)
        }
        var elementType = expected?.element
        var typed: [Typed?] = Array(repeating: nil, count: elements.count)
        // Elements that can stand alone first; bare choice words take their type from them.
        // (Each element is checked once: one that failed has said why.)
        var checked = Array(repeating: false, count: elements.count)
        for (i, x) in elements.enumerated() where elementType != nil || !isContextual(x, scope) {
            typed[i] = check(x, expecting: elementType, &scope)
            checked[i] = true
            if elementType == nil, let t = typed[i] { elementType = t.type }
        }
        for (i, x) in elements.enumerated() where !checked[i] {
            typed[i] = check(x, expecting: elementType, &scope)
            if elementType == nil, let t = typed[i] { elementType = t.type }
        }
        guard typed.allSatisfy({ $0 != nil }), let first = typed[0] else { return nil }
        let type = first.type
        if type.isList {
            error(.nestedList, "a list cannot hold lists", scope.source, elements[0].range,
                  help: "write one list: `[US, EU]`")
            return nil
        }
        for (i, t) in typed.enumerated() where t!.type != type {
            mismatch("this list holds \(namer.name(type)) values, but `\(shown(elements[i], scope))` is \(namer.article(t!.type))",
                     elements[i].range, &scope)
            return nil
        }
        let nodes = typed.map { $0!.node }
        var constants: [Value] = []
        for n in nodes {
            guard case .constant(let v, _, _) = n else {
                return Typed(.list(nodes, .list(type)), .list(type))
            }
            constants.append(v)
        }
        let text = "[" + nodes.map { NodePrinter(valueText: valueText).text($0) }.joined(separator: ", ") + "]"
        return Typed(.constant(.list(constants), .list(type), text: text), .list(type))
    }

    // MARK: Arithmetic

    mutating func checkArithmetic(_ op: BinaryOperator, _ l: Expr, _ r: Expr, _ e: Expr, _ scope: inout Scope) -> Typed? {
        let a = check(l, expecting: nil, &scope)
        let b = check(r, expecting: nil, &scope)
        guard let a, let b else { return nil }
        let result: (Arithmetic, ValueType)?
        switch (op, a.type, b.type) {
        case (.add, .number, .number), (.subtract, .number, .number): result = (op == .add ? .add : .subtract, .number)
        case (.add, .money, .money), (.subtract, .money, .money): result = (op == .add ? .add : .subtract, .money)
        case (.add, .percent, .percent), (.subtract, .percent, .percent): result = (op == .add ? .add : .subtract, .percent)
        case (.add, .date, .duration): result = (.addDuration, .date)
        case (.subtract, .date, .duration): result = (.subtractDuration, .date)
        case (.add, .duration, .date): result = (.durationPlusDate, .date)
        case (.subtract, .date, .date): result = (.daysBetween, .duration)
        case (.add, .duration, .duration): result = (.addDurations, .duration)
        case (.subtract, .duration, .duration): result = (.subtractDurations, .duration)
        case (.multiply, .number, .number): result = (.multiply, .number)
        case (.multiply, .money, .number), (.multiply, .number, .money): result = (.multiply, .money)
        case (.multiply, .money, .percent), (.multiply, .percent, .money): result = (.multiplyByPercent, .money)
        case (.divide, .number, .number): result = (.divide, .number)
        case (.divide, .money, .number): result = (.divide, .money)
        case (.divide, .money, .money): result = (.divide, .number)
        case (.divide, .money, .percent): result = (.divideByPercent, .money)
        default: result = nil
        }
        guard let (kind, type) = result else {
            let verb = ["+": "add", "-": "subtract", "*": "multiply", "/": "divide"][op.rawValue] ?? op.rawValue
            mismatch("cannot \(verb) \(namer.article(a.type)) and \(namer.article(b.type)) (`\(shown(l, scope))` \(op.rawValue) `\(shown(r, scope))`)",
                     e.operatorRange, &scope, help: arithmeticHelp(op, a.type, b.type, l, r, scope))
            return nil
        }
        return Typed(.arithmetic(kind, a.node, b.node, spelled: op, type), type)
    }

    func arithmeticHelp(_ op: BinaryOperator, _ a: ValueType, _ b: ValueType, _ l: Expr, _ r: Expr, _ scope: Scope) -> String? {
        func literal(_ e: Expr) -> String? {
            if case .number(let f) = e.kind { return f.formatted() }
            return nil
        }
        switch (a, b) {
        case (.percent, .number): return literal(r).map { "write the number as a percent: `\($0)%`" } ?? "percent arithmetic takes percents: `5%`"
        case (.number, .percent): return literal(l).map { "write the number as a percent: `\($0)%`" } ?? "percent arithmetic takes percents: `5%`"
        case (.money, .number) where op == .add || op == .subtract: return literal(r).map { "write the number as money: `$\($0)`" }
        case (.number, .money) where op == .add || op == .subtract: return literal(l).map { "write the number as money: `$\($0)`" }
        case (.date, .number), (.number, .date): return "add a duration to a date: `start + 30 days`"
        case (.percent, .percent) where op == .multiply: return "to take a percent of an amount, multiply money by it: `total * 10%`"
        default: return "money goes with money, numbers and percents; percents with percents; dates with durations"
        }
    }

    // MARK: Comparisons

    /// Checks the two sides of a comparison, the side that can stand alone first, so that a
    /// bare choice value (`EU`) or list of them takes its type from the other side.
    mutating func checkPair(_ l: Expr, _ r: Expr, _ scope: inout Scope,
                            expectRight: (ValueType) -> ValueType?, expectLeft: (ValueType) -> ValueType?) -> (Typed, Typed)? {
        if isContextual(l, scope), !isContextual(r, scope) {
            guard let b = check(r, expecting: nil, &scope), let a = check(l, expecting: expectLeft(b.type), &scope) else { return nil }
            return (a, b)
        }
        guard let a = check(l, expecting: nil, &scope) else {
            _ = check(r, expecting: nil, &scope)
            return nil
        }
        guard let b = check(r, expecting: expectRight(a.type), &scope) else { return nil }
        return (a, b)
    }

    mutating func checkComparison(_ op: ComparisonOperator, _ l: Expr, _ r: Expr, _ e: Expr, _ scope: inout Scope) -> Typed? {
        if op == .in || op == .notIn {
            if case .catalog = r.kind { return checkInCatalog(op == .notIn, l, e, &scope) }
            guard let (a, b) = checkPair(l, r, &scope, expectRight: { .list($0) }, expectLeft: { $0.element }) else { return nil }
            return membership(a, b, negated: op == .notIn, l, r, e, &scope)
        }
        if op == .contains {
            // The right side is a value of the list, or (written as a list) values of it: `zones
            // contains EU`, `zones contains [EU, US]`, each bare value typed by the list.
            let rightIsList = if case .list = r.kind { true } else { false }
            guard let (a, b) = checkPair(l, r, &scope, expectRight: { rightIsList ? $0 : $0.element ?? $0 },
                                         expectLeft: { $0.isList ? $0 : .list($0) }) else { return nil }
            return containment(a, b, l, r, e, &scope)
        }
        guard let (a, b) = checkPair(l, r, &scope, expectRight: { $0 }, expectLeft: { $0 }) else { return nil }
        let cmp = Comparison(op)
        var (x, y) = (a, b)
        // An item compared with text compares its name.
        if case .item(let k) = x.type, y.type == .text { x = Typed(.nameOf(x.node, kind: k), .text) }
        if case .item(let k) = y.type, x.type == .text { y = Typed(.nameOf(y.node, kind: k), .text) }
        guard x.type.accepts(y.type) else {
            mismatch("cannot compare `\(shown(l, scope))` (\(namer.name(a.type))) with `\(shown(r, scope))` (\(namer.name(b.type)))",
                     e.operatorRange, &scope, help: comparisonHelp(a.type, b.type, l, r))
            return nil
        }
        if op.isOrdering {
            guard x.type.isOrdered else {
                let what = namer.article(x.type)
                mismatch("`\(op.rawValue)` needs values with an order, but `\(shown(l, scope))` is \(what)", e.operatorRange, &scope,
                         help: x.type == .text ? "text has no order; compare it with `is`" : "compare it with `is` or `is not`")
                return nil
            }
        }
        return Typed(.compare(cmp, x.node, y.node, spelled: op), .flag)
    }

    func comparisonHelp(_ a: ValueType, _ b: ValueType, _ l: Expr, _ r: Expr) -> String? {
        func literal(_ e: Expr) -> String? {
            if case .number(let f) = e.kind { return f.formatted() }
            return nil
        }
        switch (a, b) {
        case (.percent, .number): return literal(r).map { "write `\($0)%`" } ?? "compare a percent with a percent"
        case (.number, .percent): return literal(l).map { "write `\($0)%`" } ?? "compare a percent with a percent"
        case (.money, .number): return literal(r).map { "write `$\($0)`" } ?? "compare money with money"
        case (.number, .money): return literal(l).map { "write `$\($0)`" } ?? "compare money with money"
        case (.duration, .number): return literal(r).map { "write `\($0) days` or `\($0) months`" }
        case (.date, .text), (.text, .date): return "write dates without quotes: `2026-12-01`"
        case (.choice, .text), (.text, .choice): return "write choice values without quotes: `EU`"
        case (.list, _), (_, .list): return "to ask whether a list holds a value, use `in` or `contains`"
        default: return nil
        }
    }

    mutating func membership(_ a: Typed, _ b: Typed, negated: Bool, _ l: Expr, _ r: Expr, _ e: Expr, _ scope: inout Scope) -> Typed? {
        var x = a, y = b
        switch (a.type, b.type) {
        case (_, .emptyList):
            break
        case (.item(let k), .list(.text)):
            x = Typed(.nameOf(a.node, kind: k), .text)
        case (.text, .list(.item(let k))):
            guard case .itemList(let slot, _, let name) = b.node else {
                mismatch("cannot look for text in `\(shown(r, scope))`", e.operatorRange, &scope)
                return nil
            }
            y = Typed(.itemNames(slot: slot, kind: k, name: name), .list(.text))
        case (let t, .list(let element)) where element == t:
            break
        case (_, .list(let element)):
            mismatch("`\(shown(r, scope))` holds \(namer.name(element)) values, but `\(shown(l, scope))` is \(namer.article(a.type))",
                     e.operatorRange, &scope, help: comparisonHelp(a.type, element, l, r))
            return nil
        default:
            mismatch("`\(negated ? "not in" : "in")` needs a list on its right, but `\(shown(r, scope))` is \(namer.article(b.type))",
                     e.operatorRange, &scope,
                     help: b.type == .text && a.type == .text ? "to find text inside text, write `\(shown(r, scope)) contains \(shown(l, scope))`"
                         : "write a list: `\(shown(l, scope)) in [\(shown(r, scope)), …]`, or compare with `is`")
            return nil
        }
        return Typed(.member(x.node, y.node, negated: negated), .flag)
    }

    mutating func containment(_ a: Typed, _ b: Typed, _ l: Expr, _ r: Expr, _ e: Expr, _ scope: inout Scope) -> Typed? {
        var x = a, y = b
        switch (a.type, b.type) {
        case (.text, .text), (.list, .emptyList):
            break
        case (.list(let element), let t) where element.accepts(t) || t == .list(element):
            break
        case (.list(.item(let k)), .text):
            guard case .itemList(let slot, _, let name) = a.node else {
                mismatch("cannot look for text in `\(shown(l, scope))`", e.operatorRange, &scope)
                return nil
            }
            x = Typed(.itemNames(slot: slot, kind: k, name: name), .list(.text))
        case (.list(.text), .item(let k)):
            y = Typed(.nameOf(b.node, kind: k), .text)
        default:
            let help = a.type.isList ? nil : "`contains` asks whether a list holds a value, or text holds other text; to compare, use `is`"
            mismatch("cannot ask whether `\(shown(l, scope))` (\(namer.name(a.type))) contains `\(shown(r, scope))` (\(namer.name(b.type)))",
                     e.operatorRange, &scope, help: help)
            return nil
        }
        return Typed(.contains(x.node, y.node), .flag)
    }

    mutating func checkInCatalog(_ negated: Bool, _ l: Expr, _ e: Expr, _ scope: inout Scope) -> Typed? {
        guard let a = check(l, expecting: nil, &scope) else { return nil }
        let k: Int
        switch a.type {
        case .item(let kind):
            k = kind
        default:
            mismatch("only an item can be `in catalog`, but `\(shown(l, scope))` is \(namer.article(a.type))", e.operatorRange, &scope,
                     help: itemKinds.first.map { "write `\($0.name) in catalog`" })
            return nil
        }
        if itemKinds[k].catalog == nil {
            mismatch("item `\(itemKinds[k].name)` has no catalog", e.operatorRange, &scope,
                     help: "declare one: `catalog \(itemKinds[k].name) { \"Name\" field: value }` or `catalog \(itemKinds[k].name) from \"file.csv\"`")
            return nil
        }
        return Typed(.inCatalog(a.node, kind: k, negated: negated), .flag)
    }

    mutating func checkBetween(_ x: Expr, _ low: Expr, _ high: Expr, _ negated: Bool, _ e: Expr, _ scope: inout Scope) -> Typed? {
        guard let (a, lo) = checkPair(x, low, &scope, expectRight: { $0 }, expectLeft: { $0 }),
              let hi = check(high, expecting: a.type, &scope) else { return nil }
        guard a.type.isOrdered else {
            mismatch("`between` needs values with an order, but `\(shown(x, scope))` is \(namer.article(a.type))", e.operatorRange, &scope)
            return nil
        }
        for (t, ex) in [(lo, low), (hi, high)] where t.type != a.type {
            mismatch("cannot compare `\(shown(x, scope))` (\(namer.name(a.type))) with `\(shown(ex, scope))` (\(namer.name(t.type)))",
                     ex.range, &scope, help: comparisonHelp(a.type, t.type, x, ex))
            return nil
        }
        return Typed(.between(a.node, lo.node, hi.node, negated: negated), .flag)
    }

    // MARK: Items

    /// The item kind named by a quantifier or aggregate, with its list field.
    mutating func listedKind(_ name: Name, _ scope: inout Scope) -> (kind: Int, slot: Int)? {
        guard let k = itemKindIndex[name.text] else {
            var help = Suggestions.didYouMean(name.text, itemKinds.map(\.name))
            if let f = fieldIndex[name.text], case .list(.item(let k)) = fields[f].type {
                help = "name the item kind, not the list: `\(itemKinds[k].name)`"
            }
            error(.unknownItemKind, "unknown item kind `\(name.text)`", scope.source, name.range, help: help)
            return nil
        }
        guard let slot = itemKinds[k].listField else {
            error(.noItemList, "no deal field lists `\(name.text)` items", scope.source, name.range,
                  help: "declare one in `deal`: `\(name.text)s: list of \(name.text)`")
            return nil
        }
        scope.readsFacts = true
        return (k, slot)
    }

    mutating func pushBinding(_ name: String, _ kind: Int, _ scope: inout Scope) -> Int {
        let slot = scope.nextBinding
        scope.nextBinding += 1
        scope.maxBinding = max(scope.maxBinding, scope.nextBinding)
        scope.bindings.append((name, kind, slot))
        return slot
    }

    mutating func popBinding(_ scope: inout Scope) {
        scope.bindings.removeLast()
        scope.nextBinding -= 1
    }

    mutating func checkQuantified(_ q: Quantifier, _ name: Name, _ body: Expr, _ scope: inout Scope) -> Typed? {
        guard let (k, slot) = listedKind(name, &scope) else { return nil }
        let binding = pushBinding(name.text, k, &scope)
        let checked = checkCondition(body, &scope, what: "`\(q.rawValue) \(name.text)`")
        popBinding(&scope)
        guard let checked else { return nil }
        return Typed(.quantified(q, listSlot: slot, kind: k, binding: binding, body: checked, variable: name.text), .flag)
    }

    mutating func checkAggregate(_ kind: AggregateKind, _ path: [Name], _ condition: Expr?, _ e: Expr, _ scope: inout Scope) -> Typed? {
        let display = path.map(\.text).joined(separator: ".")
        let word = kind.rawValue
        // `services` / `services.seats`: over the deal's items.
        if let f = fieldIndex[path[0].text], case .list(.item(let k)) = fields[f].type, path.count <= 2 {
            scope.readsFacts = true
            let binding = pushBinding(itemKinds[k].name, k, &scope)
            defer { popBinding(&scope) }
            var value: Typed?
            if path.count == 2 {
                guard let fi = itemKinds[k].fieldIndex[path[1].text] else {
                    error(.unknownField, "item `\(itemKinds[k].name)` has no field `\(path[1].text)`", scope.source, path[1].range,
                          help: Suggestions.didYouMean(path[1].text, itemKinds[k].fields.map(\.name)))
                    return nil
                }
                let t = itemKinds[k].fields[fi].type
                value = Typed(.itemField(binding: binding, kind: k, field: fi, t, name: display), t)
            }
            var whereNode: Node?
            if let condition {
                guard let c = checkCondition(condition, &scope, what: "`where`") else { return nil }
                whereNode = c
            }
            guard let type = aggregateType(kind, value?.type, display, path, e, &scope) else { return nil }
            var text = "\(word) of \(display)"
            if let whereNode { text += " where " + NodePrinter(valueText: valueText).text(whereNode) }
            return Typed(.aggregateItems(kind, listSlot: f, kind: k, binding: binding, value: value?.node, where: whereNode,
                                         type, text: text), type)
        }
        // Any other list value: `regions`, `service.regions`.
        guard let list = resolvePath(path, nil, &scope) else { return nil }
        guard case .list(let element) = list.type else {
            if list.type == .emptyList { return nil }
            mismatch("`\(word) of` needs a list, but `\(display)` is \(namer.article(list.type))", e.range, &scope,
                     help: itemKinds.first.flatMap { k in k.listField.map { "for example `count of \(fields[$0].name)`" } })
            return nil
        }
        if let condition {
            mismatch("`where` filters items, and `\(display)` is a list of \(namer.name(element))", condition.range, &scope,
                     help: "use `where` with a list of items: `count of services where …`")
            return nil
        }
        guard let type = aggregateType(kind, element, display, path, e, &scope) else { return nil }
        return Typed(.aggregateList(kind, list.node, type, text: "\(word) of \(display)"), type)
    }

    /// The aggregate's type: `count` gives a number; `sum` needs numbers; `min`/`max` need an order.
    mutating func aggregateType(_ kind: AggregateKind, _ element: ValueType?, _ display: String, _ path: [Name],
                                _ e: Expr, _ scope: inout Scope) -> ValueType? {
        if kind == .count { return .number }
        guard let element else {
            mismatch("`\(kind.rawValue) of \(display)` needs a field to add up", e.range, &scope,
                     help: "name the field: `\(kind.rawValue) of \(display).seats`")
            return nil
        }
        if kind == .sum, !element.isNumeric {
            mismatch("`sum of` adds numbers, money or percents, but `\(display)` holds \(namer.name(element)) values", e.range, &scope)
            return nil
        }
        if (kind == .min || kind == .max), !element.isOrdered {
            mismatch("`\(kind.rawValue) of` needs values with an order, but `\(display)` holds \(namer.name(element)) values", e.range, &scope)
            return nil
        }
        return element
    }

    /// Requires `typed` to fit where a value of type `want` goes.
    mutating func expectType(_ want: ValueType, _ typed: Typed, _ e: Expr, _ src: SourceFile, _ what: String) -> Bool {
        if want.accepts(typed.type) { return true }
        var help: String?
        if case .number(let f) = e.kind {
            if want == .percent { help = "write `\(f.formatted())%`" }
            if want == .money { help = "write `$\(f.formatted())`" }
            if want == .duration { help = "write `\(f.formatted()) days` or `\(f.formatted()) months`" }
        }
        if want == .date, typed.type == .text { help = "write dates without quotes: `2026-12-01`" }
        if case .choice = want, typed.type == .text { help = "write choice values without quotes" }
        error(.typeMismatch, "\(what) needs \(namer.article(want)), but `\(src.text(of: e.range))` is \(namer.article(typed.type))",
              src, e.range, help: help)
        return false
    }

    // MARK: Defines

    /// How deep evaluating a node recurses, counting a define as its body's depth.
    func evaluationDepth(_ n: Node) -> Int {
        if case .define(let i, _, _) = n { return 1 + (defines[i]?.depth ?? 0) }
        return 1 + (n.children.map(evaluationDepth).max() ?? 0)
    }

    mutating func checkDefine(_ i: Int) -> Define? {
        switch defineState[i] {
        case .done: return defines[i]
        case .failed: return nil
        case .checking:
            let start = defineStack.firstIndex(of: i) ?? 0
            let chain = defineStack[start...].map { "`\(defineDecls[$0].name.text)`" } + ["`\(defineDecls[i].name.text)`"]
            let d = defineDecls[i]
            error(.defineCycle, "define `\(d.name.text)` refers to itself: \(chain.joined(separator: " → "))", d.source, d.name.range,
                  help: "break the circle: one of these defines must not use the others")
            for j in defineStack[start...] { defineState[j] = .failed }
            return nil
        case .unchecked:
            break
        }
        if defineStack.count >= limits.maxNesting {
            let d = defineDecls[i]
            error(.tooDeep, "defines use each other more than \(limits.maxNesting) levels deep", d.source, d.name.range)
            defineState[i] = .failed
            return nil
        }
        defineState[i] = .checking
        defineStack.append(i)
        let d = defineDecls[i]
        var scope = Scope(source: d.source, allowsFreeItem: true)
        let typed = check(d.value, expecting: nil, &scope)
        defineStack.removeLast()
        guard defineState[i] == .checking, let typed else {
            defineState[i] = .failed
            return nil
        }
        let depth = evaluationDepth(typed.node)
        if depth > limits.maxNesting * 4 {
            error(.tooDeep, "define `\(d.name.text)` nests \(depth) levels deep through the defines it uses; the limit is \(limits.maxNesting * 4)",
                  d.source, d.name.range, help: "shorten the chain of defines that use each other")
            defineState[i] = .failed
            return nil
        }
        let def = Define(name: d.name.text, type: typed.type, body: typed.node, itemKind: scope.freeKind,
                         bindingCount: scope.maxBinding, location: SourceLocation(d.source, d.name.range),
                         readsFacts: scope.readsFacts, depth: depth)
        defines[i] = def
        defineState[i] = .done
        return def
    }
}
