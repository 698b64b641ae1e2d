/// Deciding a deal: the plan's groups and indexes find the rules that can fire, what is left
/// of each is checked on integers or evaluated, and the hits are kept for the decision to
/// explain itself later (Engine/DecisionDetails.swift, Output/DecisionJSON.swift).
extension RuleSet {
    /// Decides a deal. `today` is used when the deal carries no date of its own; it defaults
    /// to the local date. With `explain`, every outcome and undetermined entry carries its
    /// condition and the values it read.
    public func decide(_ deal: Deal, today: Day? = nil, explain: Bool = false) -> Decision {
        var scratch = DecideScratch()
        return decide(deal, today: today, explain: explain, scratch: &scratch)
    }

    /// Decides with `scratch`'s storage: a stream that reuses one scratch allocates nothing for
    /// its decisions once it has seen a few (the decision shares the storage until it is gone).
    func decide(_ deal: Deal, today: Day?, explain: Bool, scratch: inout DecideScratch) -> Decision {
        run(deal, today: today, scratch: &scratch) { run, kind, date in
            decision(run, kind, deal, date, explain)
        }
    }

    /// Decides a deal of a stream and writes its decision's compact JSON into `w`, as
    /// `decide(…).encode(into:index:)` would. A decision that lists nothing (most of a stream's)
    /// is written straight from the run: no `Decision` is made, so none retains the rule set,
    /// the deal and its values only to release them at once.
    func decide(_ deal: Deal, today: Day?, explain: Bool, scratch: inout DecideScratch, index: Int,
                into w: inout JSONWriter) -> DecisionKind {
        run(deal, today: today, scratch: &scratch) { run, kind, date in
            if run.hits.fired.isEmpty, run.hits.undecided.isEmpty, !w.pretty {
                Decision.encodeListingNothing(into: &w, index: index, id: deal.id, kind: kind)
            } else {
                decision(run, kind, deal, date, explain).encode(into: &w, index: index, frame: &run.scratch.pointee.messageFrame)
            }
            return kind
        }
    }

    private func decision(_ run: borrowing DecideRun, _ kind: DecisionKind, _ deal: Deal, _ date: Day, _ explain: Bool) -> Decision {
        Decision(kind: kind, id: deal.id,
                 context: DecisionContext(rules: self, deal: deal, values: run.evaluator?.values ?? effectiveValues(deal), today: date,
                                          explain: explain),
                 fired: run.hits.fired, undecided: run.hits.undecided)
    }

    /// Runs the rules on a deal in `scratch`'s storage, and gives `body` the run, the decision's
    /// kind and the date it was decided for; the hits are `body`'s to read until it returns.
    @inline(__always)
    private func run<R>(_ deal: Deal, today: Day?, scratch: inout DecideScratch,
                        _ body: (borrowing DecideRun, DecisionKind, Day) -> R) -> R {
        let date = deal.today ?? today ?? Day.localToday()
        let words = (rules.count + 63) / 64
        // Scratch space on the stack: the fired bits, and each field's value as an integer.
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: words + fields.count) { stack -> R in
            stack.initialize(repeating: 0)
            let bits = UnsafeMutableBufferPointer(rebasing: stack[..<words])
            let keys = UnsafeMutableBufferPointer(rebasing: stack[words...])
            return withUnsafeTemporaryAllocation(of: Bool.self, capacity: fields.count) { known -> R in
                withUnsafeMutablePointer(to: &scratch) { scratch -> R in
                    var run = DecideRun(rules: self, deal: deal, today: date, bits: bits, keys: keys, known: known, scratch: scratch)
                    run.hits.clear()
                    run.run(self, deal)
                    let kind = run.finish(plan)
                    let result = body(run, kind, date)
                    run.putBackFrame()
                    return result
                }
            }
        }
    }

    /// Whether each rule of `indices` fires on the deal (for some item, when it is per item),
    /// each evaluated in full as written, as a decision evaluates a rule its plan cannot
    /// shortcut: how the rule-set analysis confirms its witnesses without deciding every rule.
    package func fires(_ indices: [Int], on deal: Deal, today: Day) -> [Bool] {
        var ev = Evaluator(self, deal: deal, today: deal.today ?? today)
        return indices.map { r in
            let rule = rules[r], bindings = Int(plan.bindings[r])
            guard let k = rule.itemKind else {
                ev.beginRule(bindings: bindings, item: nil)
                return evaluate(rule, &ev) == .yes
            }
            return deal.items[k].indices.contains { i in
                ev.beginRule(bindings: bindings, item: Int32(i))
                return evaluate(rule, &ev) == .yes
            }
        }
    }

    /// `C unless U` is `C and not U`.
    func evaluate(_ rule: Rule, _ ev: inout Evaluator) -> Value {
        let c = ev.eval(rule.condition)
        guard let unless = rule.unless, c != .no else { return c }
        return Evaluator.and(c, Evaluator.not(ev.eval(unless)))
    }
}

/// Decides deal after deal in the same storage: for a caller that decides many deals one at a
/// time (a CRM on every keystroke, a benchmark), with no allocation but the decision's own once
/// it has warmed up. Not shared between threads: make one per thread.
public struct Decider {
    package let rules: RuleSet
    var scratch = DecideScratch()

    /// The deal `read(json:)` read last; the next read reuses its storage (and copies it first
    /// if the caller still holds it, or a decision made from it).
    public private(set) var deal: Deal

    /// A decider for `rules`.
    public init(_ rules: RuleSet) {
        self.rules = rules
        deal = rules.emptyDeal()
    }

    /// Decides a deal, as `RuleSet.decide` does, in this decider's storage.
    public mutating func decide(_ deal: Deal, today: Day? = nil, explain: Bool = false) -> Decision {
        rules.decide(deal, today: today, explain: explain, scratch: &scratch)
    }

    /// Reads a deal from JSON into `deal`, as `RuleSet.deal(json:name:)` reads it, but in
    /// this decider's storage: reading deal after deal then allocates nothing once warmed up.
    public mutating func read(json bytes: some Collection<UInt8>, name: String = "deal") throws(Diagnostic) {
        let error = bytes.withContiguousStorageIfAvailable { whole in
            rules.read(buffer: whole, into: &deal).map { $0.diagnostic(in: whole, name: name) }
        } ?? Array(bytes).withUnsafeBufferPointer { whole in
            rules.read(buffer: whole, into: &deal).map { $0.diagnostic(in: whole, name: name) }
        }
        if let error { throw error }
    }

    /// Reads a deal from JSON (`read(json:name:)`) and decides it: a stream's work for one line.
    public mutating func decide(json bytes: some Collection<UInt8>, today: Day? = nil, explain: Bool = false) throws(Diagnostic) -> Decision {
        try read(json: bytes)
        return rules.decide(deal, today: today, explain: explain, scratch: &scratch)
    }
}

/// The storage a decision is made in, kept between decisions by a stream.
struct DecideScratch {
    var itemHits: [Hit] = []
    var undecided: [Hit] = []
    var fired: [Hit] = []
    /// The evaluator's binding frame.
    var frame: [Int32] = []
    /// The binding frame of the evaluator that writes a decision's messages.
    var messageFrame: [Int32] = []

    /// Forgets the last decision's hits, keeping the storage (and not calling into the
    /// general `removeAll` for lists that are empty already, as they mostly are).
    mutating func clear() {
        if !itemHits.isEmpty { itemHits.removeAll(keepingCapacity: true) }
        if !undecided.isEmpty { undecided.removeAll(keepingCapacity: true) }
        if !fired.isEmpty { fired.removeAll(keepingCapacity: true) }
    }
}

/// One decision being made. Deal-level rules that fire are marked in a bit set, which gives
/// them in load order without sorting; per-item ones are collected and sorted, and the two are
/// merged at the end.
private struct DecideRun {
    // The rule set, its plan and the deal are passed to each step, not kept here: the run is a
    // value, and keeping them would retain and release each for every decision.
    /// Made when a rule is first evaluated as written (most decisions are made on the plan's
    /// integers alone, and then retain nothing for one).
    private(set) var evaluator: Evaluator?
    let today: Day
    let bits: UnsafeMutableBufferPointer<UInt64>
    var firedCount = 0
    /// The hits, kept in the caller's scratch storage and reached through a pointer (held in
    /// the run, its arrays would be moved in and out, and released with it, every decision).
    let scratch: UnsafeMutablePointer<DecideScratch>
    var hits: DecideScratch {
        _read { yield scratch.pointee }
        nonmutating _modify { yield &scratch.pointee }
    }

    /// Each deal field's value as an integer (`Plan.key`), where it is known and has one.
    let keys: UnsafeMutableBufferPointer<UInt64>
    let known: UnsafeMutableBufferPointer<Bool>

    init(rules: RuleSet, deal: Deal, today: Day, bits: UnsafeMutableBufferPointer<UInt64>,
         keys: UnsafeMutableBufferPointer<UInt64>, known: UnsafeMutableBufferPointer<Bool>,
         scratch: UnsafeMutablePointer<DecideScratch>) {
        precondition(rules.isCompiled, "a rule set loaded only to be checked cannot decide")
        self.today = today
        self.scratch = scratch
        self.bits = bits
        self.keys = keys
        self.known = known
        // The deal's own values, then the defaults where it gives none (what the evaluator
        // reads: `RuleSet.effectiveValues`).
        for slot in 0..<known.count {
            if let k = Plan.key(deal.fields[slot]) {
                keys[slot] = UInt64(bitPattern: k)
                known[slot] = true
            } else {
                known[slot] = false
            }
        }
        for slot in rules.defaultSlots where !deal.fields[slot].isKnown {
            if let k = Plan.key(rules.fields[slot].defaultValue!) {
                keys[slot] = UInt64(bitPattern: k)
                known[slot] = true
            }
        }
    }

    /// Rule `r` evaluated (`expression`, else as written) for `item` (-1: none), by the
    /// evaluator, made the first time (its binding frame taken from the scratch storage).
    @inline(__always)
    private mutating func evaluate(_ r: Int32, item: Int32, _ rules: RuleSet, _ deal: Deal, expression: Node? = nil) -> Value {
        if evaluator == nil { makeEvaluator(rules, deal) }
        evaluator!.beginRule(bindings: Int(rules.plan.bindings[Int(r)]), item: item >= 0 ? item : nil)
        if let expression { return evaluator!.eval(expression) }
        return rules.evaluate(rules.rules[Int(r)], &evaluator!)
    }

    @inline(never)
    private mutating func makeEvaluator(_ rules: RuleSet, _ deal: Deal) {
        var ev = Evaluator(rules, deal: deal, today: today)
        swap(&ev.frame, &scratch.pointee.frame)
        evaluator = ev
    }

    /// Gives the evaluator's binding frame back to the scratch storage, for the next decision.
    mutating func putBackFrame() {
        if evaluator != nil { swap(&evaluator!.frame, &scratch.pointee.frame) }
    }

    /// Whether the deal gives (or defaults) field `slot`.
    private func isKnown(_ slot: Int, _ rules: RuleSet, _ deal: Deal) -> Bool {
        deal.fields[slot].isKnown || rules.fields[slot].defaultValue?.isKnown == true
    }

    mutating func run(_ rules: RuleSet, _ deal: Deal) {
        let plan = rules.plan
        // Indices, not copies: a copied group or item would retain everything in it.
        for r in plan.plain { full(r, rules, deal) }
        for g in plan.groups.indices {
            let slot = plan.groups[g].slot
            if known[slot] {
                for i in Plan.matching(plan.groups[g], Int64(bitPattern: keys[slot])) { rest(plan.groups[g].rules[i], -1, plan, rules, deal) }
            } else {
                // The group's field is unknown: each rule in full (it then says what it misses).
                for r in plan.groups[g].distinctRules { full(r, rules, deal) }
            }
        }
        for k in plan.kinds.indices where !plan.kinds[k].all.isEmpty {
            guard isKnown(rules.itemKinds[k].listField!, rules, deal) else {
                // The deal does not list its items yet. A rule that is `no` whatever its item
                // turns out to be (its `unless` holds, a deal fact rules it out) is decided;
                // the others wait for the list.
                for r in plan.kinds[k].all where evaluate(r, item: -1, rules, deal) != .no {
                    hits.undecided.append(Hit(rule: r, item: -1))
                }
                continue
            }
            for i in deal.items[k].indices {
                let at = Int32(i)
                for r in plan.kinds[k].every { rest(r, at, plan, rules, deal, kind: k) }
                let entry = Int(deal.items[k][i].catalogEntry)
                if entry >= 0 {
                    for r in plan.kinds[k].byEntry[entry] { rest(r, at, plan, rules, deal, kind: k) }
                    for r in plan.kinds[k].inCatalog { rest(r, at, plan, rules, deal, kind: k) }
                } else {
                    if !plan.kinds[k].byName.isEmpty, let named = plan.kinds[k].byName[deal.items[k][i].ownName!] {
                        for r in named { rest(r, at, plan, rules, deal, kind: k) }
                    }
                    for r in plan.kinds[k].offCatalog { rest(r, at, plan, rules, deal, kind: k) }
                }
            }
        }
    }

    private mutating func fire(_ r: Int32, _ item: Int32) {
        guard item < 0 else { return hits.itemHits.append(Hit(rule: r, item: item)) }
        let (w, b) = (Int(r) >> 6, UInt64(1) << UInt64(r & 63))
        if bits[w] & b == 0 {
            bits[w] |= b
            firedCount += 1
        }
    }

    private mutating func record(_ r: Int32, _ item: Int32, _ v: Value) {
        switch v {
        case .flag(true): fire(r, item)
        case .flag(false): break
        default: hits.undecided.append(Hit(rule: r, item: item))
        }
    }

    /// A deal-level rule in full, as written.
    private mutating func full(_ r: Int32, _ rules: RuleSet, _ deal: Deal) {
        record(r, -1, evaluate(r, item: -1, rules, deal))
    }

    /// What is left of the rule once its group or index has decided the first part (`kind`: the
    /// kind of `item`, for a per-item rule).
    private mutating func rest(_ r: Int32, _ item: Int32, _ plan: Plan, _ rules: RuleSet, _ deal: Deal, kind: Int = -1) {
        guard plan.hasRest[Int(r)] else { return fire(r, item) }
        let count = Int(plan.checkCount[Int(r)])
        if count >= 0, item >= 0 {
            switch itemChecks(r, item, kind: kind, count, plan, deal) {
            case .yes: return fire(r, item)
            case .no: return
            case .unknown: break
            }
        } else if count >= 0 {
            // Comparisons on integers: `no` as soon as one fails; an unknown field leaves the
            // rule to the evaluator (which says what it misses).
            let start = Int(plan.checkStart[Int(r)])
            var unknown = false
            for c in start..<(start + count) {
                let check = plan.checks[c]
                guard known[Int(check.slot)] else {
                    unknown = true
                    continue
                }
                if !check.holds(Int64(bitPattern: keys[Int(check.slot)])) { return }
            }
            if !unknown { return fire(r, item) }
        }
        record(r, item, evaluate(r, item: item, rules, deal, expression: plan.rest[Int(r)]!))
    }

    private enum Truth { case yes, no, unknown }

    /// A per-item rule's `ItemCheck`s for item `item`: `no` as soon as one fails; `unknown` when
    /// a value is missing or not an integer (the evaluator then decides, and says what it misses).
    @inline(__always)
    private func itemChecks(_ r: Int32, _ item: Int32, kind: Int, _ count: Int, _ plan: Plan, _ deal: Deal) -> Truth {
        let start = Int(plan.checkStart[Int(r)])
        var unknown = false
        for c in start..<(start + count) {
            let check = plan.itemChecks[c]
            guard let a = key(check.a, kind, item, plan, deal) else {
                unknown = true
                continue
            }
            switch check.test {
            case .compare(let comparison, let operand):
                guard let b = key(operand, kind, item, plan, deal) else {
                    unknown = true
                    continue
                }
                if !comparison.holds(a, b) { return .no }
            case .member(let f, let negated):
                // The catalog's list (or the default), its keys worked out at load. A list the
                // item gives itself (rare) is left to the evaluator.
                guard let filled = fillKey(kind, item, f, plan, deal), case .list(let start, let end) = filled else {
                    unknown = true
                    continue
                }
                var found = false
                for j in Int(start)..<Int(end) where plan.fillKeys.lists[j] == a {
                    found = true
                    break
                }
                if found == negated { return .no }
            }
        }
        return unknown ? .unknown : .yes
    }

    @inline(__always)
    private func key(_ operand: Plan.ItemCheck.Operand, _ kind: Int, _ item: Int32, _ plan: Plan, _ deal: Deal) -> Int64? {
        switch operand {
        case .field(let slot): known[Int(slot)] ? Int64(bitPattern: keys[Int(slot)]) : nil
        case .itemField(let f):
            if let filled = fillKey(kind, item, f, plan, deal) {
                if case .scalar(let k) = filled { k } else { nil }
            } else {
                Plan.key(deal.value(kind: kind, item: Int(item), field: Int(f)))
            }
        case .constant(let k): k
        }
    }

    /// What item `item` reads for field `f` as keys, when it does not give the field itself
    /// (nil: it does, and its own value is read).
    @inline(__always)
    private func fillKey(_ kind: Int, _ item: Int32, _ f: Int32, _ plan: Plan, _ deal: Deal) -> Plan.FillKeys.Key? {
        let i = Int(item)
        guard f != 0, !deal.items[kind][i].givenFields.contains(Int(f)) else { return nil }
        return plan.fillKeys.key(kind: kind, entry: Int(deal.items[kind][i].catalogEntry), field: Int(f))
    }

    /// The decision's kind; its hits (in `hits`) in load order, then item order.
    mutating func finish(_ plan: Plan) -> DecisionKind {
        hits.itemHits.sortHits()
        hits.undecided.sortHits()
        hits.fired.reserveCapacity(firedCount + hits.itemHits.count)
        var next = 0
        for w in 0..<bits.count {
            var word = bits[w]
            while word != 0 {
                let r = Int32(w << 6 | word.trailingZeroBitCount)
                word &= word - 1
                while next < hits.itemHits.count, hits.itemHits[next].rule < r {
                    hits.fired.append(hits.itemHits[next])
                    next += 1
                }
                hits.fired.append(Hit(rule: r, item: -1))
            }
        }
        while next < hits.itemHits.count {
            hits.fired.append(hits.itemHits[next])
            next += 1
        }
        var kind = DecisionKind.approved
        var required = false
        for h in hits.fired {
            switch plan.outcomes[Int(h.rule)] {
            case .deny: kind = .blocked
            case .require: required = true
            case .warn: break
            }
        }
        if kind != .blocked {
            if hits.undecided.contains(where: { plan.outcomes[Int($0.rule)] != .warn }) {
                kind = .incomplete
            } else if required {
                kind = .needsApproval
            }
        }
        return kind
    }
}
