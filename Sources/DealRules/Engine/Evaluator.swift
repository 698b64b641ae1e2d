/// Evaluates checked expressions against one deal with Kleene's three-valued logic: a missing
/// fact is `unknown`, `no and unknown` is `no`, `yes or unknown` is `yes`. Arithmetic is exact
/// and checked; an overflow or a division by zero is a `failure`, which behaves like unknown.
struct Evaluator {
    let defines: [Define?]
    let deal: Deal
    /// The deal's field values with defaults applied.
    let values: [Value]
    let today: Day
    /// Item bindings: a frame per rule or define, `base` the current frame's first slot.
    var frame: [Int32]
    private var base = 0
    private var top: Int
    private let frameSize: Int

    init(defines: [Define?], deal: Deal, values: [Value], today: Day, frameSize: Int = 8) {
        self.defines = defines
        self.deal = deal
        self.values = values
        self.today = today
        // The frame is made when a rule first binds an item: deal-level rules never need one.
        self.frame = []
        self.frameSize = max(frameSize, 8)
        self.top = 0
    }

    init(_ rules: RuleSet, deal: Deal, today: Day) {
        self.init(defines: rules.evaluatorDefines, deal: deal,
                  values: rules.effectiveValues(deal), today: deal.today ?? today, frameSize: rules.maxBindings * 4)
    }

    /// The checker's constants (defaults, catalog values, constant conditions): an expression
    /// evaluated with no deal at all.
    static let constant: Checker.ConstantEvaluator = { node, defines in
        var ev = Evaluator(defines: defines, deal: Deal(fieldCount: 0, kindCount: 0), values: [], today: Day(number: 0))
        ev.beginRule(bindings: 1, item: nil)
        return ev.eval(node)
    }

    /// Starts a rule's frame; `item` goes in slot 0 for a per-item rule.
    mutating func beginRule(bindings: Int, item: Int32?) {
        base = 0
        top = max(bindings, 1)
        if bindings == 0 && item == nil && frame.isEmpty { return }
        ensureFrame(top)
        frame[0] = item ?? -1
    }

    // MARK: Evaluation

    mutating func eval(_ n: Node) -> Value {
        switch n {
        case .constant(let v, _, _):
            return v
        case .list(let nodes, _):
            var out: [Value] = []
            out.reserveCapacity(nodes.count)
            for x in nodes {
                let v = eval(x)
                guard v.isKnown else { return v }
                out.append(v)
            }
            return .list(out)
        case .field(let slot, _, _):
            return values[slot]
        case .itemList(let slot, let kind, _):
            guard values[slot].isKnown else { return .unknown }
            return .list(deal.items[kind].indices.map { .item(Int32($0)) })
        case .item(let binding, _, _):
            return .item(bound(binding))
        case .itemField(let binding, let kind, let field, _, _):
            let i = Int(bound(binding))
            guard i >= 0, i < deal.items[kind].count else { return .unknown }
            return deal.value(kind: kind, item: i, field: field)
        case .nameOf(let x, let kind):
            let v = eval(x)
            guard case .item(let i) = v else { return v }
            guard i >= 0, Int(i) < deal.items[kind].count else { return .unknown }
            return .text(deal.itemName(kind, Int(i)))
        case .itemNames(let slot, let kind, _):
            guard values[slot].isKnown else { return .unknown }
            return .list(deal.itemNames(kind).map(Value.text))
        case .today:
            return .date(today)
        case .define(let index, let binding, _):
            return withDefineFrame(index, binding) { $0.eval($1) } ?? .unknown
        case .group(let x):
            return eval(x)
        case .not(let x):
            return Evaluator.not(eval(x))
        case .and(let a, let b):
            let l = eval(a)
            if l == .no { return .no }
            let r = eval(b)
            if r == .no { return .no }
            return l == .yes ? r : l
        case .or(let a, let b):
            let l = eval(a)
            if l == .yes { return .yes }
            let r = eval(b)
            if r == .yes { return .yes }
            return l == .no ? r : l
        case .negate(let x):
            return Evaluator.negate(eval(x))
        case .arithmetic(let op, let a, let b, _, _):
            return Evaluator.arithmetic(op, eval(a), eval(b))
        case .compare(let cmp, let a, let b, _):
            return Evaluator.compare(cmp, eval(a), eval(b))
        case .between(let x, let lo, let hi, let negated):
            return Evaluator.between(eval(x), eval(lo), eval(hi), negated: negated)
        case .member(let x, let list, let negated):
            return Evaluator.member(eval(x), eval(list), negated: negated)
        case .contains(let a, let b):
            return Evaluator.contains(eval(a), eval(b))
        case .inCatalog(let x, let kind, let negated):
            let v = eval(x)
            guard case .item(let i) = v else { return v }
            guard i >= 0, Int(i) < deal.items[kind].count else { return .unknown }
            let inside = deal.items[kind][Int(i)].catalogEntry >= 0
            return .flag(inside != negated)
        case .quantified(let q, let listSlot, let kind, let binding, let body, _):
            guard values[listSlot].isKnown else { return .unknown }
            ensureFrame(base + binding + 1)
            var undecided: Value?
            for i in deal.items[kind].indices {
                frame[base + binding] = Int32(i)
                let r = eval(body)
                switch (q, r) {
                case (.any, .flag(true)): return .yes
                case (.every, .flag(false)): return .no
                case (.no, .flag(true)): return .no
                case (_, .flag): break
                default: undecided = undecided ?? r
                }
            }
            if let undecided { return undecided }
            return q == .any ? .no : .yes
        case .aggregateItems(let kind, let listSlot, let itemKind, let binding, let value, let condition, let type, _):
            guard values[listSlot].isKnown else { return .unknown }
            ensureFrame(base + binding + 1)
            var acc = Accumulator(kind, type)
            for i in deal.items[itemKind].indices {
                frame[base + binding] = Int32(i)
                if let condition {
                    let w = eval(condition)
                    if w == .no { continue }
                    if w != .yes { return w }
                }
                if kind == .count {
                    acc.count += 1
                } else if let value {
                    if let stop = acc.add(eval(value)) { return stop }
                }
            }
            return acc.result
        case .aggregateList(let kind, let list, let type, _):
            let l = eval(list)
            guard case .list(let elements) = l else { return l }
            var acc = Accumulator(kind, type)
            if kind == .count { return .number(Fixed(elements.count) ?? .zero) }
            for e in elements {
                if let stop = acc.add(e) { return stop }
            }
            return acc.result
        }
    }

    /// Runs `body` on a define's expression in a new frame whose slot 0 is the item at `binding`.
    mutating func withDefineFrame<R>(_ index: Int, _ binding: Int?, _ body: (inout Evaluator, Node) -> R) -> R? {
        guard let define = defines[index] else { return nil }
        let savedBase = base, savedTop = top
        let item = binding.map { bound($0) } ?? -1
        base = top
        top = base + max(define.bindingCount, 1)
        ensureFrame(top)
        frame[base] = item
        let r = body(&self, define.body)
        base = savedBase
        top = savedTop
        return r
    }

    /// The current item's index in slot `binding` (for messages); -1 when none is bound.
    func boundItem(_ binding: Int) -> Int32 { bound(binding) }

    mutating func setBinding(_ binding: Int, _ item: Int32) {
        ensureFrame(base + binding + 1)
        frame[base + binding] = item
    }

    private func bound(_ binding: Int) -> Int32 {
        base + binding < frame.count ? frame[base + binding] : -1
    }

    /// Makes the frame at least `count` slots long (it is made lazily).
    private mutating func ensureFrame(_ count: Int) {
        if frame.count < count { frame.append(contentsOf: repeatElement(-1, count: max(count, frameSize) - frame.count)) }
    }

    // MARK: Operators

    static func not(_ v: Value) -> Value {
        switch v {
        case .flag(let b): .flag(!b)
        default: v
        }
    }

    static func and(_ a: Value, _ b: Value) -> Value {
        if a == .no || b == .no { return .no }
        return a == .yes ? b : a
    }

    static func negate(_ v: Value) -> Value {
        switch v {
        case .number(let f): f.negated().map(Value.number) ?? .failure(.overflow)
        case .money(let f): f.negated().map(Value.money) ?? .failure(.overflow)
        case .percent(let f): f.negated().map(Value.percent) ?? .failure(.overflow)
        case .duration(let d): d.negated().map(Value.duration) ?? .failure(.overflow)
        default: v
        }
    }

    static func arithmetic(_ op: Arithmetic, _ a: Value, _ b: Value) -> Value {
        guard a.isKnown else { return a }
        guard b.isKnown else { return b }
        if a == .none || b == .none { return .none }
        func tagged(_ f: Fixed?, like v: Value) -> Value {
            guard let f else { return .failure(.overflow) }
            switch v {
            case .money: return .money(f)
            case .percent: return .percent(f)
            default: return .number(f)
            }
        }
        switch op {
        case .add:
            return tagged(a.fixed.flatMap { x in b.fixed.flatMap { x.adding($0) } }, like: a)
        case .subtract:
            return tagged(a.fixed.flatMap { x in b.fixed.flatMap { x.subtracting($0) } }, like: a)
        case .multiply:
            guard let x = a.fixed, let y = b.fixed else { return .unknown }
            let money = if case .money = a { true } else if case .money = b { true } else { false }
            return tagged(x.multiplied(by: y), like: money ? .money(.zero) : .number(.zero))
        case .multiplyByPercent:
            guard let x = a.fixed, let y = b.fixed else { return .unknown }
            let (amount, percent) = if case .percent = a { (y, x) } else { (x, y) }
            return tagged(amount.multiplied(byPercent: percent), like: .money(.zero))
        case .divide:
            guard let x = a.fixed, let y = b.fixed else { return .unknown }
            do {
                let q = try x.divided(by: y)
                if case .money = a, case .money = b { return .number(q) }
                return tagged(q, like: a)
            } catch {
                return .failure(error == .divisionByZero ? .divisionByZero : .overflow)
            }
        case .divideByPercent:
            guard let x = a.fixed, let y = b.fixed else { return .unknown }
            do { return .money(try x.divided(byPercent: y)) } catch {
                return .failure(error == .divisionByZero ? .divisionByZero : .overflow)
            }
        case .addDuration, .subtractDuration:
            guard case .date(let d) = a, case .duration(let du) = b else { return .unknown }
            return d.adding(du, sign: op == .addDuration ? 1 : -1).map(Value.date) ?? .failure(.dateOutOfRange)
        case .durationPlusDate:
            guard case .duration(let du) = a, case .date(let d) = b else { return .unknown }
            return d.adding(du).map(Value.date) ?? .failure(.dateOutOfRange)
        case .daysBetween:
            guard case .date(let x) = a, case .date(let y) = b else { return .unknown }
            return .duration(Duration(days: x.number - y.number))
        case .addDurations, .subtractDurations:
            guard case .duration(let x) = a, case .duration(let y) = b else { return .unknown }
            return x.adding(y, sign: op == .addDurations ? 1 : -1).map(Value.duration) ?? .failure(.overflow)
        }
    }

    /// `<` on two known values of one type; nil when they have no order.
    static func order(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case (.number(let x), .number(let y)), (.money(let x), .money(let y)), (.percent(let x), .percent(let y)):
            return x < y ? -1 : x == y ? 0 : 1
        case (.date(let x), .date(let y)):
            return x < y ? -1 : x == y ? 0 : 1
        case (.duration(let x), .duration(let y)):
            return x < y ? -1 : x == y ? 0 : 1
        case (.choice(let x), .choice(let y)) where x.choice == y.choice:
            return x.value < y.value ? -1 : x.value == y.value ? 0 : 1
        default:
            return nil
        }
    }

    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.none, _), (_, .none):
            return false
        case (.list(let x), .list(let y)):
            // Lists compare as sets.
            return x.allSatisfy { e in y.contains { equal(e, $0) } } && y.allSatisfy { e in x.contains { equal(e, $0) } }
        default:
            if let o = order(a, b) { return o == 0 }
            return a == b
        }
    }

    static func compare(_ cmp: Comparison, _ a: Value, _ b: Value) -> Value {
        guard a.isKnown else { return a }
        guard b.isKnown else { return b }
        if a == .none || b == .none { return .no }
        switch cmp {
        case .equal: return .flag(equal(a, b))
        case .notEqual: return .flag(!equal(a, b))
        default:
            guard let o = order(a, b) else { return .no }
            switch cmp {
            case .less: return .flag(o < 0)
            case .lessEqual: return .flag(o <= 0)
            case .greater: return .flag(o > 0)
            default: return .flag(o >= 0)
            }
        }
    }

    /// `x [not] between lo and hi`. Like every comparison, it is `no` when any operand is
    /// `none`, in its `not` form too.
    static func between(_ x: Value, _ lo: Value, _ hi: Value, negated: Bool) -> Value {
        let r = and(compare(.greaterEqual, x, lo), compare(.lessEqual, x, hi))
        guard negated, r.isKnown else { return r }
        if x == .none || lo == .none || hi == .none { return .no }
        return not(r)
    }

    /// `x [not] in list`. `none` equals nothing, so `x in` a list finds it nowhere; and, like
    /// every comparison with `none`, `not in` is `no` when `x` or an element is `none`.
    static func member(_ x: Value, _ list: Value, negated: Bool) -> Value {
        guard x.isKnown else { return x }
        guard list.isKnown else { return list }
        if x == .none { return .no }
        guard case .list(let elements) = list else { return .no }
        if elements.contains(where: { equal(x, $0) }) { return .flag(!negated) }
        return negated && elements.contains(.none) ? .no : .flag(negated)
    }

    static func contains(_ a: Value, _ b: Value) -> Value {
        guard a.isKnown else { return a }
        guard b.isKnown else { return b }
        switch (a, b) {
        case (.text(let s), .text(let t)):
            return .flag(t.isEmpty || s.contains(t))
        case (.list(let elements), .list(let wanted)):
            return .flag(wanted.allSatisfy { w in elements.contains { equal(w, $0) } })
        case (.list(let elements), _):
            return .flag(elements.contains { equal(b, $0) })
        default:
            return .no
        }
    }
}

/// Sums, minimums and maximums, checked.
struct Accumulator {
    let kind: AggregateKind
    let type: ValueType
    var count = 0
    /// In 128 bits: only the total must fit, whatever order the items come in.
    var sum: Int128 = 0
    var best: Value?

    init(_ kind: AggregateKind, _ type: ValueType) {
        self.kind = kind
        self.type = type
    }

    /// Adds a value; returns the aggregate's result early when it is decided (unknown, failure).
    mutating func add(_ v: Value) -> Value? {
        guard v.isKnown else { return v }
        switch kind {
        case .count:
            count += 1
        case .sum:
            guard let f = v.fixed else { return nil }
            sum += Int128(f.raw)
        case .min, .max:
            if let b = best, let o = Evaluator.order(v, b) {
                if (kind == .min && o < 0) || (kind == .max && o > 0) { best = v }
            } else if best == nil {
                best = v
            }
        }
        return nil
    }

    var result: Value {
        switch kind {
        case .count: return .number(Fixed(count) ?? .zero)
        case .sum:
            guard let total = Int64(exactly: sum) else { return .failure(.overflow) }
            switch type {
            case .money: return .money(Fixed(raw: total))
            case .percent: return .percent(Fixed(raw: total))
            default: return .number(Fixed(raw: total))
            }
        case .min, .max: return best ?? .none
        }
    }
}

/// Messages read their values from the evaluator, each path's value shown beside it.
extension Evaluator: ValueSource, PathValues {}
