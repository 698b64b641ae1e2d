/// How a rule set decides fast, compiled once when it is loaded:
///
/// - a deal-level rule whose condition is `FIELD op CONSTANT and REST` joins a **threshold
///   group** for that field and operator: its constants sorted, so one binary search over the
///   deal's value finds every rule whose comparison holds, and only those evaluate REST;
/// - a per-item rule that tests the item's name (`service is "SIEM"`) or its catalog
///   membership (`service not in catalog`) is **indexed** by it, so an item pays only for the
///   rules about it;
/// - what is left of a rule after its group or index, when it is only comparisons of integers
///   (deal fields, the rule's item's fields, constants), is checked on integers (`Check`,
///   `ItemCheck`); an unknown value there leaves the rule to the evaluator;
/// - everything else is evaluated as written.
///
/// Three-valued logic is kept exactly: a comparison that does not hold makes the conjunction
/// `no` whatever REST is; when the group's field is unknown, its rules are evaluated in full.
final class Plan: Sendable {
    struct Group: Sendable {
        let slot: Int
        let comparison: Comparison
        /// Sorted ascending; `rules[i]` has the constant `keys[i]`.
        var keys: [Int64] = []
        var rules: [Int32] = []
        /// Its rules once each (a rule `in` a list of constants is in `rules` once per constant),
        /// for a deal that does not give the field: then each is evaluated in full.
        var distinctRules: [Int32] = []
    }

    struct KindPlan: Sendable {
        /// Rules checked for every item of the kind.
        var every: [Int32] = []
        /// Rules about items with one name: by catalog entry, and by names not in the catalog.
        var byEntry: [[Int32]] = []
        var byName: [String: [Int32]] = [:]
        var inCatalog: [Int32] = []
        var offCatalog: [Int32] = []
        /// All per-item rules of the kind, in load order (when the deal gives no list).
        var all: [Int32] = []
    }

    /// Deal-level rules evaluated in full.
    let plain: [Int32]
    let groups: [Group]
    let kinds: [KindPlan]
    /// What is left of each rule's condition once its group or index has decided its first part
    /// (nil: nothing is left, the rule fires).
    let rest: [Node?]
    /// Each rule's outcome as the start of a JSON object, one per approval it requires:
    /// `{"kind":"require","approval":"…","team":"…","rule":"…","location":"…"`.
    let heads: Heads
    /// Each approval's name as a JSON string, quotes included (for `"required"`).
    let approvalNames: [[UInt8]]
    /// Each rule's message, made once.
    let messages: [MessageTemplate]
    /// Per rule, what deciding reads most: its outcome, the size of its binding frame, and
    /// whether anything is left of it to evaluate after its group or index.
    let outcomes: [OutcomeKind]
    let bindings: [Int32]
    let hasRest: [Bool]
    /// A deal-level rule whose rest is only comparisons of fields with constants (`discount >
    /// 20%`) is checked on integers, without walking its condition: its checks are
    /// `checks[checkStart[r] ..< checkStart[r] + checkCount[r]]` (a count of -1: it has none).
    let checks: [Check]
    /// Likewise for a per-item rule whose rest is only `ItemCheck`s: `itemChecks[checkStart[r]
    /// ..< checkStart[r] + checkCount[r]]`.
    let itemChecks: [ItemCheck]
    let checkStart: [Int32]
    let checkCount: [Int32]
    /// What an item that does not give a field reads for it (its catalog entry's value, else the
    /// default), as integers: item checks read these instead of the values.
    let fillKeys: FillKeys

    /// `FIELD op CONSTANT`, both as integers (`Plan.key`).
    struct Check: Sendable {
        let slot: Int32
        let comparison: Comparison
        let key: Int64

        func holds(_ value: Int64) -> Bool { comparison.holds(value, key) }
    }

    /// Every rule's JSON heads end to end in one array (writing one retains nothing): the
    /// members each outcome and undetermined entry starts with, `"kind":"require","approval":
    /// "…","team":"…","rule":"…","location":"…"`, written once at load by `EntryHead.write`.
    struct Heads: Sendable {
        private var bytes: [UInt8] = []
        /// Where each head starts and ends in `bytes`.
        private var starts: [Int32] = []
        private var ends: [Int32] = []
        /// Rule `r`'s heads are heads `first[r] ..< first[r + 1]`.
        private var first: [Int32] = [0]

        /// One part of the rules' heads, written on its own (`Plan.init`), to be joined in order.
        struct Part {
            let bytes: [UInt8]
            let starts: [Int32], ends: [Int32]
            /// How many heads each rule has.
            let counts: [Int32]

            init(_ rules: ArraySlice<Rule>, approvals: [Approval]) {
                var w = JSONWriter(capacity: 160 * rules.count)
                var starts: [Int32] = [], ends: [Int32] = [], counts: [Int32] = []
                for rule in rules {
                    // One head per approval a `require` names, else one.
                    let heads = rule.outcome == .require ? rule.approvals.count : 1
                    for h in 0..<heads {
                        let approval = rule.outcome == .require ? approvals[rule.approvals[h]] : nil
                        w.beginObject()
                        starts.append(Int32(w.count))
                        EntryHead(kind: rule.outcome, approval: approval?.name, team: approval?.team, rule: rule.name,
                                  location: rule.location).write(&w)
                        ends.append(Int32(w.count))
                        w.endObject()
                    }
                    counts.append(Int32(heads))
                }
                (bytes, self.starts, self.ends, self.counts) = (w.bytes, starts, ends, counts)
            }
        }

        /// The parts' heads, in order.
        init(_ parts: [Part]) {
            for part in parts {
                let base = Int32(bytes.count)
                bytes += part.bytes
                starts += part.starts.lazy.map { $0 + base }
                ends += part.ends.lazy.map { $0 + base }
                for n in part.counts { first.append(first.last! + n) }
            }
        }

        /// Rule `r`'s heads: one per approval it requires, or one.
        func of(rule r: Int) -> Range<Int> { Int(first[r])..<Int(first[r + 1]) }

        /// Head `head`'s members, into the (compact) object `w` is writing.
        func write(_ head: Int, into w: inout JSONWriter) {
            bytes.withUnsafeBufferPointer { b in
                w.members(UnsafeBufferPointer(rebasing: b[Int(starts[head])..<Int(ends[head])]))
            }
        }
    }

    /// A comparison in what is left of a per-item rule, on integers (`Plan.key`): the rule's
    /// item's fields, deal fields and constants, all of one ordered type (`service.seats <
    /// service.min_seats`, `region not in service.regions`).
    struct ItemCheck: Sendable {
        enum Operand: Sendable {
            case field(Int32)
            /// A field of the rule's own item (binding 0).
            case itemField(Int32)
            case constant(Int64)
        }
        enum Test: Sendable {
            /// `a op b`.
            case compare(Comparison, Operand)
            /// `a [not] in` the item's list field `list`.
            case member(list: Int32, negated: Bool)
        }
        let a: Operand
        let test: Test
    }

    /// `ItemFill`'s values as `Plan.key` gives them, worked out once: a scalar's key, or a
    /// list's keys, or nothing (unknown, or not an integer: the evaluator decides then).
    struct FillKeys: Sendable {
        enum Key: Sendable {
            case none
            case scalar(Int64)
            /// `lists[start ..< end]`.
            case list(start: Int32, end: Int32)
        }
        /// Per kind: its catalog entries' keys, entry after entry (`fieldCount[k]` each), then
        /// the defaults (for an item not in the catalog) as one more entry, `defaultsRow[k]`.
        private let keys: [[Key]]
        private let fieldCount: [Int]
        private let defaultsRow: [Int]
        let lists: [Int64]

        init(_ fill: ItemFill) {
            var lists: [Int64] = []
            func key(_ v: Value) -> Key {
                if let k = Plan.key(v) { return .scalar(k) }
                guard case .list(let elements) = v else { return .none }
                let start = lists.count
                for e in elements {
                    guard let k = Plan.key(e) else {
                        lists.removeSubrange(start...)
                        return .none
                    }
                    lists.append(k)
                }
                return .list(start: Int32(start), end: Int32(lists.count))
            }
            keys = fill.defaults.indices.map { k in (fill.entries[k] + [fill.defaults[k]]).flatMap { $0.map(key) } }
            fieldCount = fill.defaults.map(\.count)
            defaultsRow = fill.entries.map(\.count)
            self.lists = lists
        }

        /// Field `f` of catalog entry `entry` of kind `k` (-1: not in the catalog).
        @inline(__always)
        func key(kind k: Int, entry: Int, field f: Int) -> Key {
            let row = entry >= 0 ? entry : defaultsRow[k]
            return keys[k][row * fieldCount[k] + f]
        }
    }

    /// `threads`: how many threads may make a large rule set's shapes and heads (nil: one per
    /// processor, for 1,000 rules or more).
    init(rules: [Rule], defines: [Define], itemKinds: [ItemKind], approvals: [Approval], fill: ItemFill, threads: Int?) {
        let threads = threads ?? threadsFor(rules.count, each: rulesPerThread)
        // Each part of the rules is planned and its heads written on its own thread; then the
        // parts are joined in order. What each rule has one of and holds references (its rest,
        // its message) is written by its part straight into the plan's array: joined after,
        // each would be counted once more and once less on this thread, 40,000 reference
        // counts for 10,000 rules, most on memory the other processor had just written.
        let used = min(threads, max(1, rules.count / rulesPerThread))
        var parts: [(builder: Builder, heads: Heads.Part)] = []
        var messages: [MessageTemplate] = []
        rest = [Node?](unsafeUninitializedCapacity: rules.count) { restOut, restCount in
            messages = [MessageTemplate](unsafeUninitializedCapacity: rules.count) { messagesOut, messagesCount in
                let out = PerRule(rest: restOut, messages: messagesOut)
                parts = inParallel(rules.count, parts: used > 1 ? used * partsPerThread : 1) { range in
                    (builder: Builder(range, of: rules, defines: defines, itemKinds: itemKinds, into: out),
                     heads: Heads.Part(rules[range], approvals: approvals))
                }
                messagesCount = rules.count
            }
            restCount = rules.count
        }
        // The first part's plan is taken out of `parts` (swapped, not copied: its arrays stay
        // uniquely held, so appending the others does not copy them).
        var b = Builder(itemKinds: itemKinds)
        swap(&b, &parts[0].builder)
        for i in parts.indices.dropFirst() { b.append(parts[i].builder) }
        fillKeys = FillKeys(fill)
        plain = b.plain
        groups = b.groups
        kinds = b.kinds
        heads = Heads(parts.map(\.heads))
        approvalNames = approvals.map { a in
            var w = JSONWriter(capacity: a.name.utf8.count + 2)
            w.value(a.name)
            return w.bytes
        }
        self.messages = messages
        outcomes = b.outcomes
        bindings = b.bindings
        hasRest = b.hasRest
        checks = b.checks
        itemChecks = b.itemChecks
        checkStart = b.checkStart
        checkCount = b.checkCount
    }

    /// Where the parts write each rule's rest and message (see `init`): each part only the
    /// elements of its own rules, each once.
    private struct PerRule: @unchecked Sendable {
        // @unchecked: the parts' rules do not overlap, and `init` reads the arrays only after
        // every part is done.
        let rest: UnsafeMutableBufferPointer<Node?>
        let messages: UnsafeMutableBufferPointer<MessageTemplate>
    }

    /// The plan while it is being made: each part of the rules (several a thread for a large
    /// rule set, see `inParallel`) is worked out on its own, rule after rule, then the parts are
    /// joined in order, so the plan is the same for any number of parts.
    private struct Builder {
        var plain: [Int32] = []
        var groups: [Group] = []
        var kinds: [KindPlan] = []
        var outcomes: [OutcomeKind] = []
        var bindings: [Int32] = []
        var hasRest: [Bool] = []
        var checks: [Check] = []
        var itemChecks: [ItemCheck] = []
        var checkStart: [Int32] = []
        var checkCount: [Int32] = []
        /// Each group's place in `groups`, by field and comparison.
        private var groupIndex: [GroupKey: Int] = [:]
        /// Per rule, whether its `checkStart` is in `itemChecks` (else in `checks`).
        private var checksOfItem: [Bool] = []

        struct GroupKey: Hashable {
            let slot: Int
            let comparison: Comparison
        }

        /// An empty plan for `itemKinds`.
        init(itemKinds: [ItemKind]) {
            kinds = itemKinds.map { k in
                var p = KindPlan()
                p.byEntry = Array(repeating: [], count: k.catalog?.entries.count ?? 0)
                return p
            }
        }

        /// The plan of the rules `range` of `rules` (their indices are the rule set's), their
        /// rests and messages written to `out`.
        init(_ range: Range<Int>, of rules: [Rule], defines: [Define], itemKinds: [ItemKind], into out: PerRule) {
            self.init(itemKinds: itemKinds)
            checkStart.reserveCapacity(range.count)
            checkCount.reserveCapacity(range.count)
            for r in range {
                let rule = rules[r]
                let shape = Shape(rule, defines, itemKinds)
                add(shape, index: Int32(r), itemKinds)
                out.rest.initializeElement(at: r, to: shape.rest)
                out.messages.initializeElement(at: r, to: rule.template)
                outcomes.append(rule.outcome)
                bindings.append(Int32(rule.bindingCount))
            }
            sortGroups()
        }

        private mutating func add(_ shape: Shape, index: Int32, _ itemKinds: [ItemKind]) {
            switch shape.index {
            case .plain:
                plain.append(index)
            case .threshold(let slot, let comparison, let keys):
                let g = group(GroupKey(slot: slot, comparison: comparison))
                for key in keys {
                    groups[g].keys.append(key)
                    groups[g].rules.append(index)
                }
            case .item(let k, let filter):
                kinds[k].all.append(index)
                switch filter {
                case nil:
                    kinds[k].every.append(index)
                case .names(let names)?:
                    for n in names {
                        if let e = itemKinds[k].catalog?.index[n] { kinds[k].byEntry[Int(e)].append(index) } else { kinds[k].byName[n, default: []].append(index) }
                    }
                case .catalog(let inside)?:
                    if inside { kinds[k].inCatalog.append(index) } else { kinds[k].offCatalog.append(index) }
                }
            }
            hasRest.append(shape.rest != nil)
            // A rest that is only comparisons of integers is checked without the evaluator.
            checksOfItem.append(shape.checks == nil && shape.itemChecks != nil)
            if let found = shape.checks {
                checkStart.append(Int32(checks.count))
                checkCount.append(Int32(found.count))
                checks += found
            } else if let found = shape.itemChecks {
                checkStart.append(Int32(itemChecks.count))
                checkCount.append(Int32(found.count))
                itemChecks += found
            } else {
                checkStart.append(0)
                checkCount.append(-1)
            }
        }

        /// The group of `key`, made (last) when there is none yet.
        private mutating func group(_ key: GroupKey) -> Int {
            if let g = groupIndex[key] { return g }
            groups.append(Group(slot: key.slot, comparison: key.comparison))
            groupIndex[key] = groups.count - 1
            return groups.count - 1
        }

        /// The next part's plan added after this one's: the lists joined in order, its
        /// groups that are new here added last (each group's constants merged in order), its
        /// checks' starts moved past these checks.
        mutating func append(_ next: Builder) {
            plain += next.plain
            for other in next.groups {
                let g = group(GroupKey(slot: other.slot, comparison: other.comparison))
                Self.merge(&groups[g], other)
            }
            for k in kinds.indices {
                let other = next.kinds[k]
                kinds[k].every += other.every
                for e in other.byEntry.indices where !other.byEntry[e].isEmpty { kinds[k].byEntry[e] += other.byEntry[e] }
                for (name, rules) in other.byName { kinds[k].byName[name, default: []] += rules }
                kinds[k].inCatalog += other.inCatalog
                kinds[k].offCatalog += other.offCatalog
                kinds[k].all += other.all
            }
            outcomes += next.outcomes
            bindings += next.bindings
            hasRest += next.hasRest
            let checksBase = Int32(checks.count), itemChecksBase = Int32(itemChecks.count)
            checksOfItem += next.checksOfItem
            for i in next.checkStart.indices {
                let count = next.checkCount[i]
                checkCount.append(count)
                guard count >= 0 else {
                    checkStart.append(0)
                    continue
                }
                checkStart.append(next.checkStart[i] + (next.checksOfItem[i] ? itemChecksBase : checksBase))
            }
            checks += next.checks
            itemChecks += next.itemChecks
        }

        /// Sorts each group's constants (`Group.keys`, with their rules: by constant, then
        /// rule) and lists its rules once each.
        mutating func sortGroups() {
            for g in groups.indices {
                var pairs = zip(groups[g].keys, groups[g].rules).map { (key: $0, rule: $1) }
                pairs.sort { ($0.key, $0.rule) < ($1.key, $1.rule) }
                groups[g].keys = pairs.map(\.key)
                groups[g].rules = pairs.map(\.rule)
                groups[g].distinctRules = Array(Set(groups[g].rules)).sorted()
            }
        }

        /// Merges group `b` (sorted, of a later part) into group `a` (sorted): the result is
        /// sorted as `sortGroups` sorts, and `b`'s rules all come after `a`'s.
        static func merge(_ a: inout Group, _ b: Group) {
            guard !a.keys.isEmpty else {
                a = b
                return
            }
            var keys: [Int64] = [], rules: [Int32] = []
            keys.reserveCapacity(a.keys.count + b.keys.count)
            rules.reserveCapacity(a.keys.count + b.keys.count)
            var i = 0, j = 0
            while i < a.keys.count || j < b.keys.count {
                // At equal constants `a`'s rule comes first: its index is the smaller.
                if j == b.keys.count || (i < a.keys.count && a.keys[i] <= b.keys[j]) {
                    keys.append(a.keys[i])
                    rules.append(a.rules[i])
                    i += 1
                } else {
                    keys.append(b.keys[j])
                    rules.append(b.rules[j])
                    j += 1
                }
            }
            a.keys = keys
            a.rules = rules
            a.distinctRules += b.distinctRules
        }
    }

    /// What the plan makes of one rule, worked out from the rule alone: where it is indexed,
    /// what is left of its condition, and that rest as integer checks when it can be.
    private struct Shape {
        enum Index {
            /// Evaluated in full on every deal.
            case plain
            /// In the threshold group of `slot` and `comparison`, once per key.
            case threshold(slot: Int, comparison: Comparison, keys: [Int64])
            /// A per-item rule of kind `kind`, indexed by `filter` (nil: checked for every item).
            case item(kind: Int, filter: Filter?)
        }
        var index: Index = .plain
        var rest: Node?
        var checks: [Check]?
        var itemChecks: [ItemCheck]?

        init(_ rule: Rule, _ defines: [Define], _ itemKinds: [ItemKind]) {
            var parts = Plan.conjuncts(rule.condition, defines)
            if let unless = rule.unless { parts.append(.not(unless)) }
            if let k = rule.itemKind {
                let found = parts.indices.lazy.compactMap { i in Plan.itemFilter(parts[i]).map { ($0, i) } }.first
                if let (_, at) = found { parts.remove(at: at) }
                index = .item(kind: k, filter: found?.0)
                rest = Plan.join(parts)
                if let node = rest { itemChecks = Plan.eachPart(of: node, defines, as: Plan.itemCheck) }
                return
            }
            guard let (at, t) = parts.indices.lazy.compactMap({ i in Plan.threshold(parts[i]).map { (i, $0) } }).first else {
                return
            }
            parts.remove(at: at)
            index = .threshold(slot: t.slot, comparison: t.comparison, keys: t.keys)
            rest = Plan.join(parts)
            guard let node = rest else { return }
            checks = Plan.eachPart(of: node, defines, as: { part in
                Plan.threshold(part).flatMap { t in
                    t.keys.count == 1 ? Check(slot: Int32(t.slot), comparison: t.comparison, key: t.keys[0]) : nil
                }
            })
        }
    }

    // MARK: Reading conditions

    /// The parts of a condition joined by `and`, through parentheses and deal-level defines.
    static func conjuncts(_ n: Node, _ defines: [Define]) -> [Node] {
        var parts: [Node] = []
        parts.reserveCapacity(4)  // most conditions have a few; grown one by one, 3 allocations
        addConjuncts(n, defines, to: &parts)
        return parts
    }

    private static func addConjuncts(_ n: Node, _ defines: [Define], to parts: inout [Node]) {
        switch n {
        case .group(let x): addConjuncts(x, defines, to: &parts)
        case .and(let a, let b):
            addConjuncts(a, defines, to: &parts)
            addConjuncts(b, defines, to: &parts)
        case .define(let i, nil, _): addConjuncts(defines[i].body, defines, to: &parts)
        case .constant, .list, .field, .itemList, .item, .itemField, .nameOf, .itemNames, .today, .define, .not, .or,
             .negate, .arithmetic, .compare, .between, .member, .contains, .inCatalog, .quantified, .aggregateItems,
             .aggregateList: parts.append(n)
        }
    }

    /// Every part of `node`'s conjunction made into a `T`; nil when one cannot be.
    static func eachPart<T>(of node: Node, _ defines: [Define], as make: (Node) -> T?) -> [T]? {
        var made: [T] = []
        for part in conjuncts(node, defines) {
            guard let m = make(part) else { return nil }
            made.append(m)
        }
        return made.isEmpty ? nil : made
    }

    static func join(_ parts: [Node]) -> Node? {
        guard var node = parts.last else { return nil }
        for p in parts.dropLast().reversed() { node = .and(p, node) }
        return node
    }

    enum Filter { case names([String]), catalog(Bool) }

    /// `service is "SIEM"`, `service in ["A", "B"]`, `service [not] in catalog`.
    static func itemFilter(_ n: Node) -> Filter? {
        switch n {
        case .group(let x): return itemFilter(x)
        case .compare(.equal, .nameOf(.item(0, _, _), _), .constant(.text(let s), _, _), _),
             .compare(.equal, .constant(.text(let s), _, _), .nameOf(.item(0, _, _), _), _):
            return .names([s])
        case .member(.nameOf(.item(0, _, _), _), .constant(.list(let xs), _, _), false):
            let names = xs.compactMap { if case .text(let s) = $0 { return s } else { return nil } }
            return names.count == xs.count ? .names(names) : nil
        case .inCatalog(.item(0, _, _), _, let negated):
            return .catalog(!negated)
        case .constant, .list, .field, .itemList, .item, .itemField, .nameOf, .itemNames, .today, .define, .not,
             .and, .or, .negate, .arithmetic, .compare, .between, .member, .contains, .inCatalog, .quantified,
             .aggregateItems, .aggregateList:
            return nil
        }
    }

    /// `FIELD op CONSTANT` (either way round), `FIELD in [CONSTANTS]`, or a flag field.
    static func threshold(_ n: Node) -> (slot: Int, comparison: Comparison, keys: [Int64])? {
        switch n {
        case .group(let x): return threshold(x)
        case .compare(let c, .field(let slot, _, _), .constant(let v, _, _), _) where c != .notEqual:
            return key(v).map { (slot, c, [$0]) }
        case .compare(let c, .constant(let v, _, _), .field(let slot, _, _), _) where c != .notEqual:
            return key(v).map { (slot, c.mirrored, [$0]) }
        case .member(.field(let slot, _, _), .constant(.list(let xs), _, _), false):
            let keys = xs.compactMap(key)
            return keys.count == xs.count && !keys.isEmpty ? (slot, .equal, Array(Set(keys)).sorted()) : nil
        case .field(let slot, .flag, _):
            return (slot, .equal, [1])
        case .constant, .list, .field, .itemList, .item, .itemField, .nameOf, .itemNames, .today, .define, .not,
             .and, .or, .negate, .arithmetic, .compare, .between, .member, .contains, .inCatalog, .quantified,
             .aggregateItems, .aggregateList:
            return nil
        }
    }

    /// A comparison of a per-item rule that `ItemCheck` can make: operands of one ordered type
    /// (their order is then their keys' order, as `Evaluator.order` has it).
    static func itemCheck(_ n: Node) -> ItemCheck? {
        func operand(_ n: Node) -> (ItemCheck.Operand, ValueType)? {
            switch n {
            case .group(let x): return operand(x)
            case .field(let slot, let t, _): return (.field(Int32(slot)), t)
            case .itemField(0, _, let f, let t, _): return (.itemField(Int32(f)), t)
            case .constant(let v, let t, _): return key(v).map { (.constant($0), t) }
            case .list, .itemList, .item, .itemField, .nameOf, .itemNames, .today, .define, .not, .and, .or, .negate,
                 .arithmetic, .compare, .between, .member, .contains, .inCatalog, .quantified, .aggregateItems,
                 .aggregateList: return nil
            }
        }
        switch n {
        case .group(let x):
            return itemCheck(x)
        case .compare(let c, let x, let y, _):
            guard let (a, ta) = operand(x), let (b, tb) = operand(y), ta == tb, ta.isOrdered else { return nil }
            return ItemCheck(a: a, test: .compare(c, b))
        case .member(let x, .itemField(0, _, let f, .list(let te), _), let negated):
            guard let (a, ta) = operand(x), ta == te, ta.isOrdered else { return nil }
            return ItemCheck(a: a, test: .member(list: Int32(f), negated: negated))
        case .constant, .list, .field, .itemList, .item, .itemField, .nameOf, .itemNames, .today, .define, .not, .and,
             .or, .negate, .arithmetic, .between, .member, .contains, .inCatalog, .quantified, .aggregateItems,
             .aggregateList:
            return nil
        }
    }

    /// The order of a constant as one integer, for the kinds of value a group can hold.
    static func key(_ v: Value) -> Int64? {
        switch v {
        case .number(let f), .money(let f), .percent(let f): f.raw
        case .date(let d): Int64(d.number)
        case .duration(let d): d.measure
        case .choice(let c): Int64(c.value)
        case .flag(let b): b ? 1 : 0
        default: nil
        }
    }

    /// The range of a group's rules whose comparison holds for the deal's value `key`.
    static func matching(_ g: Group, _ key: Int64) -> Range<Int> {
        func firstIndex(_ pred: (Int64) -> Bool) -> Int {
            var lo = 0, hi = g.keys.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if pred(g.keys[mid]) { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
        switch g.comparison {
        case .greater: return 0..<firstIndex { $0 >= key }          // constant < value
        case .greaterEqual: return 0..<firstIndex { $0 > key }      // constant <= value
        case .less: return firstIndex { $0 > key }..<g.keys.count   // constant > value
        case .lessEqual: return firstIndex { $0 >= key }..<g.keys.count
        case .equal: return firstIndex { $0 >= key }..<firstIndex { $0 > key }
        case .notEqual: return 0..<0
        }
    }
}

extension Comparison {
    /// `a op b` on two keys (`Plan.key`).
    @inline(__always)
    func holds(_ a: Int64, _ b: Int64) -> Bool {
        switch self {
        case .equal: a == b
        case .notEqual: a != b
        case .less: a < b
        case .lessEqual: a <= b
        case .greater: a > b
        case .greaterEqual: a >= b
        }
    }
}
