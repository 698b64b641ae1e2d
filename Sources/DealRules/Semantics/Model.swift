/// The checked rule set's parts: every name resolved, every expression typed. Immutable once
/// the checker has built them.

/// What the checker makes of the files: every declaration resolved and typed, and the
/// warnings found on the way. The engine compiles it into a `RuleSet`.
struct CheckedRules: Sendable {
    var choices: [ChoiceInfo] = []
    /// The deal's fields; a field's index is its slot.
    var fields: [FieldInfo] = []
    var fieldIndex: [String: Int] = [:]
    var itemKinds: [ItemKind] = []
    var itemKindIndex: [String: Int] = [:]
    var approvals: [Approval] = []
    var approvalIndex: [String: Int] = [:]
    var defines: [Define] = []
    var defineIndex: [String: Int] = [:]
    /// In load order: files in bytewise path order, includes in place.
    var rules: [Rule] = []
    var ruleIndex = NameIndex()
    var scenarios: [Scenario] = []
    /// Warnings found while checking (unused declarations, constant conditions).
    var warnings: [Diagnostic] = []
    var limits: Limits = .default
    /// The files it was loaded from, in load order (catalog spreadsheets last).
    var files: [LoadedFile] = []
}

package struct FieldInfo: Sendable, Hashable {
    package let name: String
    package let type: ValueType
    /// Used when the deal (or the item and its catalog entry) gives no value.
    package let defaultValue: Value?
    /// Where it is declared (nil for an item's implicit `name`).
    package let location: SourceLocation?
}

package struct CatalogEntryInfo: Sendable, Hashable {
    package let name: String
    /// One per item field (index 0, `name`, included); `.unknown` where the entry gives none.
    package let values: [Value]
}

package struct Catalog: Sendable, Hashable {
    package let entries: [CatalogEntryInfo]
    let index: [String: Int32]

    init(entries: [CatalogEntryInfo]) {
        self.entries = entries
        var index: [String: Int32] = [:]
        for (i, e) in entries.enumerated() { index[e.name] = Int32(i) }
        self.index = index
    }

    package func entry(named name: String) -> CatalogEntryInfo? {
        index[name].map { entries[Int($0)] }
    }
}

package struct ItemKind: Sendable, Hashable {
    package let name: String
    /// Field 0 is the implicit `name: text`.
    package let fields: [FieldInfo]
    let fieldIndex: [String: Int]
    /// The deal field that lists items of this kind, if any.
    package let listField: Int?
    package let catalog: Catalog?
}

/// An approval a rule may require: `approval finance_approval: "Finance"`.
public struct Approval: Sendable, Hashable {
    /// As rules name it: `finance_approval`.
    public let name: String
    /// The team that gives it: `Finance`.
    public let team: String
    /// Its declaration's name.
    public let location: SourceLocation
}

package struct Define: Sendable {
    package let name: String
    package let type: ValueType
    let body: Node
    /// The item kind a per-item define talks about (its item is binding 0 of its frame).
    let itemKind: Int?
    /// How many item bindings its frame needs.
    let bindingCount: Int
    package let location: SourceLocation
    /// Whether it depends on the deal at all.
    let readsFacts: Bool
    /// How deep evaluating it goes, defines it uses included.
    let depth: Int
}

/// A rule, checked. Outcomes and undetermined entries name it and point at it. A class, so
/// deciding never copies one.
public final class Rule: Sendable {
    /// Its name: the author's (`rule NAME:`), or `FILE#N` for the Nth unnamed rule of its file.
    public let name: String
    /// True when the author named it (`rule NAME:`); otherwise it is called `FILE#N`.
    package let isNamed: Bool
    /// Whether it requires approvals, denies or warns.
    public let outcome: OutcomeKind
    /// Indices into the rule set's approvals, in the order written.
    package let approvals: [Int]
    let condition: Node
    let unless: Node?
    let message: [MessagePart]?
    /// The message its outcome carries, made once: the `because` message or the generated one.
    let template: MessageTemplate
    /// Its outcome keyword.
    public let location: SourceLocation
    /// The path of its file, as messages show it.
    package var file: String { location.path }
    /// The line of its outcome keyword.
    package var line: Int { location.line }
    /// The item kind of a per-item rule.
    package let itemKind: Int?
    let bindingCount: Int
    /// The condition as written, canonically printed (`discount > 20%`, with `unless …`).
    public let conditionText: String

    init(name: String, isNamed: Bool, outcome: OutcomeKind, approvals: [Int], condition: Node, unless: Node?,
         message: [MessagePart]?, template: MessageTemplate, location: SourceLocation, itemKind: Int?, bindingCount: Int,
         conditionText: String) {
        self.name = name
        self.isNamed = isNamed
        self.outcome = outcome
        self.approvals = approvals
        self.condition = condition
        self.unless = unless
        self.message = message
        self.template = template
        self.location = location
        self.itemKind = itemKind
        self.bindingCount = bindingCount
        self.conditionText = conditionText
    }

    /// The same rule called `name`.
    func named(_ name: String) -> Rule {
        Rule(name: name, isNamed: isNamed, outcome: outcome, approvals: approvals, condition: condition, unless: unless,
             message: message, template: template, location: location, itemKind: itemKind, bindingCount: bindingCount,
             conditionText: conditionText)
    }
}

extension Rule {
    /// The rule of `rules` whose outcome keyword is on the line `FILE:LINE` or `FILE:LINE:COL` names.
    static func at(_ location: String, in rules: [Rule], unnamedOnly: Bool) -> Rule? {
        var parts = location.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count >= 3, Int(parts[parts.count - 1]) != nil, Int(parts[parts.count - 2]) != nil { parts.removeLast() }
        guard parts.count >= 2, let line = Int(parts[parts.count - 1]) else { return nil }
        let file = parts.dropLast().joined(separator: ":")
        return rules.first { (!unnamedOnly || !$0.isNamed) && $0.file == file && $0.line == line }
    }
}

enum MessagePart: Sendable {
    case literal(String)
    case value(Node, ValueType)
}

/// A fact statement, resolved against the declarations: what a scenario and the REPL apply.
enum Fact: Sendable {
    case set(field: Int, Node)
    case unset(field: Int)
    case today(Node)
    case add(kind: Int, name: String, fields: [(Int, Node)])
    case remove(kind: Int, name: String)
}

package struct ScenarioExpectation: Sendable {
    package enum What: Sendable, Hashable {
        case decision(DecisionKind)
        case require(approval: Int)
        case deny
        case warn
        case rule(index: Int)
    }

    package let negated: Bool
    package let what: What
    /// The expectation as written: `expect no deny`.
    package let text: String
    package let location: SourceLocation
}

package struct Scenario: Sendable {
    package let name: String
    /// Its name, in its file.
    package let location: SourceLocation
    /// The path of its file, as messages show it.
    package var file: String { location.path }
    let facts: [(fact: Fact, text: String, location: SourceLocation)]
    package let expectations: [ScenarioExpectation]
}

/// A checked expression. Paths are resolved to slots; each node that shows a value in a
/// message keeps the text the author wrote for it.
indirect enum Node: Sendable {
    case constant(Value, ValueType, text: String)
    /// A list written with expressions in it: `[region, home_region]`.
    case list([Node], ValueType)
    case field(slot: Int, ValueType, name: String)
    /// A deal field that lists items, used as a value (`"SIEM" in services`).
    case itemList(slot: Int, kind: Int, name: String)
    /// The item bound at a binding slot (`service`).
    case item(binding: Int, kind: Int, name: String)
    case itemField(binding: Int, kind: Int, field: Int, ValueType, name: String)
    /// The name of an item (an item compared with text compares its name).
    case nameOf(Node, kind: Int)
    /// The names of a deal's items of one kind.
    case itemNames(slot: Int, kind: Int, name: String)
    case today
    /// A define; `binding` is where its item comes from (nil when it is about the deal).
    case define(index: Int, binding: Int?, name: String)
    case not(Node)
    case and(Node, Node)
    case or(Node, Node)
    case negate(Node)
    /// Its type is the checker's (money × percent is money, date − date a duration, …).
    case arithmetic(Arithmetic, Node, Node, spelled: BinaryOperator, ValueType)
    case compare(Comparison, Node, Node, spelled: ComparisonOperator)
    case between(Node, Node, Node, negated: Bool)
    case member(Node, Node, negated: Bool)
    case contains(Node, Node)
    case inCatalog(Node, kind: Int, negated: Bool)
    case quantified(Quantifier, listSlot: Int, kind: Int, binding: Int, body: Node, variable: String)
    /// An aggregate over a deal's items: `sum of services.seats where …`.
    case aggregateItems(AggregateKind, listSlot: Int, kind: Int, binding: Int, value: Node?, where: Node?,
                        ValueType, text: String)
    /// An aggregate over a list value: `count of service.regions`.
    case aggregateList(AggregateKind, Node, ValueType, text: String)
    case group(Node)
}

enum Arithmetic: Sendable {
    case add, subtract, multiply, divide
    case multiplyByPercent, divideByPercent
    case addDuration, subtractDuration   // date ± duration
    case durationPlusDate                // duration + date
    case daysBetween                     // date - date
    case addDurations, subtractDurations
}

enum Comparison: Sendable {
    case equal, notEqual, less, lessEqual, greater, greaterEqual

    init(_ op: ComparisonOperator) {
        switch op {
        case .is, .equals: self = .equal
        case .isNot, .notEquals: self = .notEqual
        case .less: self = .less
        case .lessEqual: self = .lessEqual
        case .greater: self = .greater
        case .greaterEqual: self = .greaterEqual
        case .in, .notIn, .contains: self = .equal
        }
    }
}

/// The rules' names, each to its rule's index: what `[String: Int]` would be, for names whose
/// hashes were worked out before (`insert(_:hash:value:)`).
///
/// A large rule set's rules are checked on several threads and then added one after another;
/// hashing each name there, as a dictionary does, was half of adding them. The threads that
/// check the rules hash their names (`String.hashValue`: the standard library's seeded hash,
/// so names chosen to collide cannot slow a load down), and the table only places them.
struct NameIndex: Sendable {
    /// Per slot, an entry's index + 1 (0: empty); open addressing, linear probing.
    private var slots: [Int32] = Array(repeating: 0, count: 8)
    private var hashes: [Int] = []
    private var names: [String] = []
    private var values: [Int] = []

    var count: Int { names.count }

    subscript(name: String) -> Int? { find(name, hash: name.hashValue).map { values[$0] } }

    /// Makes room for `count` names in all.
    mutating func reserveCapacity(_ count: Int) {
        hashes.reserveCapacity(count)
        names.reserveCapacity(count)
        values.reserveCapacity(count)
        if slots.count < count * 2 { rebuild(slotCount: count * 2) }
    }

    /// Adds `name` (whose `hashValue` is `hash`) for `value`, unless it is there: then returns
    /// the value it has, and the index is unchanged.
    mutating func insert(_ name: String, hash: Int, value: Int) -> Int? {
        if let e = find(name, hash: hash) { return values[e] }
        if (names.count + 1) * 2 > slots.count { rebuild(slotCount: slots.count * 2) }
        hashes.append(hash)
        names.append(name)
        values.append(value)
        place(names.count - 1)
        return nil
    }

    private func find(_ name: String, hash: Int) -> Int? {
        let mask = slots.count - 1
        var s = hash & mask
        while slots[s] != 0 {
            let e = Int(slots[s]) - 1
            if hashes[e] == hash, names[e] == name { return e }
            s = (s + 1) & mask
        }
        return nil
    }

    private mutating func place(_ e: Int) {
        let mask = slots.count - 1
        var s = hashes[e] & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = Int32(e + 1)
    }

    private mutating func rebuild(slotCount: Int) {
        var size = 8
        while size < slotCount { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        for e in names.indices { place(e) }
    }
}
