/// Reads one deal from JSON bytes straight into the rule set's layout: no intermediate
/// dictionaries, numbers exactly from their decimal text, every error naming its field.
///
/// This file binds the JSON to the deal (fields, items, values of their types); the JSON
/// syntax itself is `DealReader+JSON.swift`, its errors' words `DealReadError.swift`, and the
/// entry points `DealInput.swift`.
struct DealReader {
    let rules: RuleSet
    let b: UnsafeBufferPointer<UInt8>
    var i = 0
    var depth = 0

    init(rules: RuleSet, bytes: UnsafeBufferPointer<UInt8>) {
        self.rules = rules
        self.b = bytes
    }

    /// The text past a leading byte-order mark, which JSON text may carry and is skipped (the
    /// offsets of errors then count from after it, as `SourceFile` does).
    static func withoutByteOrderMark(_ whole: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        // Byte by byte: `starts(with: [0xEF, …])` would make (and free) an array for every deal.
        whole.count >= 3 && whole[0] == 0xEF && whole[1] == 0xBB && whole[2] == 0xBF ? UnsafeBufferPointer(rebasing: whole[3...]) : whole
    }

    // MARK: The deal

    /// Reads the deal into `deal`, whose storage is reused: a stream reads every line into the
    /// same deal, and allocates nothing once it has seen a few.
    mutating func readDeal(into deal: inout Deal) throws(DealReadError) {
        skipSpace()
        guard i < b.count else { throw error(.emptyDeal, "the deal is empty", help: "a deal is a JSON object: {\"discount\": 25}") }
        guard b[i] == UInt8(ascii: "{") else {
            let what = describeValueStart()
            throw error(jsonError(at: i) == nil ? .notAnObject : .invalidJSON, "a deal must be a JSON object `{…}`, not \(what)",
                        help: "write the deal's fields as an object: {\"discount\": 25, …}")
        }
        deal.reset()
        var seen = FieldSet(count: rules.fields.count)
        var sawID = false, sawToday = false
        try readObject { reader, key, keyAt throws(DealReadError) in
            // `id` first: no field may be called that (the checker refuses it), and nearly every
            // line of a stream has one, which the table would look up in vain.
            if key.count == 2, key[0] == UInt8(ascii: "i"), key[1] == UInt8(ascii: "d") {
                if sawID { throw reader.error(.duplicateKey, "`id` is given twice", at: keyAt) }
                sawID = true
                let start = reader.i
                try reader.skipValue()
                deal.id = reader.b[start] == UInt8(ascii: "n")
                    ? nil : String(decoding: UnsafeBufferPointer(rebasing: reader.b[start..<reader.i]), as: UTF8.self)
            } else if let slot = reader.rules.slot(forKey: key) {
                if !seen.insert(slot) {
                    throw reader.error(.duplicateKey, "`\(reader.rules.fields[slot].name)` is given twice", at: keyAt)
                }
                try reader.readField(slot, into: &deal)
            } else if key.count == 5, key.elementsEqual("today".utf8) {
                if sawToday { throw reader.error(.duplicateKey, "`today` is given twice", at: keyAt) }
                sawToday = true
                let at = reader.i
                switch try reader.readScalarString(.today, as: .date) {
                case .date(let d)?: deal.today = d
                default:
                    if reader.b[at] != UInt8(ascii: "n") {
                        throw reader.error(.wrongValueType, "`today` must be a date like \"2026-12-01\"", at: at)
                    }
                }
            } else {
                let name = String(decoding: key, as: UTF8.self)
                throw reader.error(.undeclaredField, "`\(name)` is not a field of the deal", at: keyAt,
                                   help: Suggestions.didYouMean(name, reader.rules.fields.map(\.name) + ["id", "today"])
                                       ?? "the deal's fields are \(reader.rules.fields.map { "`\($0.name)`" }.joined(separator: ", ")); `id` and `today` are always allowed")
            }
        }
        skipSpace()
        if i < b.count { throw syntax("the end of the deal") }
    }

    mutating func readField(_ slot: Int, into deal: inout Deal) throws(DealReadError) {
        let type = rules.fieldTypes[slot]
        if case .list(.item(let k)) = type {
            skipSpace()
            if peekNull() {
                i += 4
                return
            }
            try deal.withItems(k) { (items, values) throws(DealReadError) in try readItems(k, slot, items: &items, values: &values) }
            deal.fields[slot] = .list([])
            return
        }
        if let v = try readValue(type, path: ValuePath(slot: slot)) { deal.fields[slot] = v }
    }

    mutating func readItems(_ k: Int, _ slot: Int, items: inout [Deal.Item], values: inout ItemValues) throws(DealReadError) {
        let path = rules.fieldNames[slot]
        guard i < b.count, b[i] == UInt8(ascii: "[") else {
            throw error(.wrongValueType, "`\(path)` must be a list of \(rules.itemKinds[k].name) objects, not \(describeValueStart())",
                        help: "write [{\"name\": \"…\"}, …]")
        }
        // This kind's tables, taken once for the whole list rather than once per item.
        let fieldKeys = rules.itemFieldKeys[k], fieldTypes = rules.itemFieldTypes[k]
        let catalogKeys = rules.catalogKeys[k], entries = rules.itemKinds[k].catalog?.entries ?? []
        let fieldCount = fieldTypes.count
        var names: Set<String> = []
        // The list and each item are read in loops here rather than through `readArray` and
        // `readObject`: items are most of a deal, and this is the reader's hottest path.
        guard try open(UInt8(ascii: "]")) else { return }
        var index = 0
        repeat {
            skipSpace()
            let itemPath = ValuePath(slot: slot, item: index, kind: k)
            if index >= rules.limits.maxListLength {
                throw error(.dealLimit, "`\(path)` has more than \(rules.limits.maxListLength) items")
            }
            guard i < b.count, b[i] == UInt8(ascii: "{") else {
                throw error(jsonError(at: i) == nil ? .notAnObject : .invalidJSON,
                            "`\(text(itemPath))` must be an object with a \"name\", not \(describeValueStart())")
            }
            let objectStart = i
            // The values it gives go straight into the deal's.
            let start = values.add(fieldCount)
            var name: String?
            var seen = FieldSet(count: fieldCount)
            var givenFields = FieldSet(count: fieldCount)
            var entry: Int32 = -1
            if try open(UInt8(ascii: "}")) {
                repeat {
                    let (found, keyAt) = try memberKey(fieldKeys)
                    guard case .field(let f) = found else {
                        let key = found.unknownKey
                        let kind = rules.itemKinds[k]
                        throw error(.undeclaredField, "`\(text(itemPath)).\(key)` is not a field of item `\(kind.name)`", at: keyAt,
                                    help: Suggestions.didYouMean(key, kind.fields.map(\.name))
                                        ?? "its fields are \(kind.fields.map { "`\($0.name)`" }.joined(separator: ", "))")
                    }
                    if !seen.insert(f) {
                        throw error(.duplicateKey, "`\(text(itemPath.member(f)))` is given twice", at: keyAt)
                    }
                    if f == 0 {
                        // The name, from the bytes: a catalog entry's name is shared, not copied.
                        skipSpace()
                        if let raw = readRawString() {
                            if let e = catalogKeys.lookup(raw) {
                                entry = Int32(e)
                                name = entries[e].name
                            } else {
                                let n = String(decoding: raw, as: UTF8.self)
                                name = n
                                // Names match as Swift strings do (canonically equivalent text is
                                // equal), so non-ASCII bytes that missed may still name an entry.
                                if raw.contains(where: { $0 >= 0x80 }), let e = rules.itemKinds[k].catalog?.index[n] {
                                    entry = e
                                    name = entries[Int(e)].name
                                }
                            }
                        } else {
                            let fieldPath = itemPath.member(0)
                            guard case .text(let n)? = try readValue(.text, path: fieldPath) else {
                                throw error(.itemWithoutName, "`\(text(fieldPath))` must be text, not null")
                            }
                            name = n
                            entry = rules.itemKinds[k].catalog?.index[n] ?? -1
                        }
                    } else if let v = try readValue(fieldTypes[f], path: itemPath.member(f)) {
                        values[start + f] = v
                        _ = givenFields.insert(f)
                    }
                } while try next(UInt8(ascii: "}"), "`,` or `}`")
            }
            guard let name else {
                throw error(.itemWithoutName, "`\(text(itemPath))` has no \"name\"", at: objectStart,
                            help: "every \(rules.itemKinds[k].name) is named: {\"name\": \"SIEM\", …}")
            }
            // A short list is searched; a long one gets a set, so no list costs quadratic time.
            var repeated = false
            if items.count < 32 {
                for other in items where entry >= 0 ? other.catalogEntry == entry : other.catalogEntry < 0 && other.ownName == name {
                    repeated = true
                    break
                }
            } else {
                if names.isEmpty { names = Set(items.map { $0.ownName ?? entries[Int($0.catalogEntry)].name }) }
                repeated = !names.insert(name).inserted
            }
            if repeated {
                throw error(.duplicateItem, "`\(path)` lists \(ValueText.quoted(name)) twice", at: objectStart,
                            help: "list each \(rules.itemKinds[k].name) once; give its fields in one object")
            }
            // What it does not give is read from the catalog or the defaults when a rule asks
            // (`Deal.value`): nothing is copied here.
            items.append(Deal.Item(ownName: entry >= 0 ? nil : name, catalogEntry: entry, givenFields: givenFields, valueStart: Int32(start)))
            index += 1
        } while try next(UInt8(ascii: "]"), "`,` or `]`")
    }

    /// A key looked up in a table: its index, or the key as text (for the error that follows).
    enum FoundKey {
        case field(Int)
        case unknown(String)

        var unknownKey: String {
            if case .unknown(let key) = self { return key }
            return ""
        }
    }

    /// A value of a declared type; nil for `null` (not given).
    mutating func readValue(_ type: ValueType, path: ValuePath) throws(DealReadError) -> Value? {
        skipSpace()
        guard i < b.count else { throw syntax("a value") }
        if peekNull() {
            i += 4
            return nil
        }
        let start = i
        switch type {
        case .list(let element):
            guard b[i] == UInt8(ascii: "[") else {
                throw wrongType(path, type, start)
            }
            var out: [Value] = []
            try readArray { r, index throws(DealReadError) in
                if index >= r.rules.limits.maxListLength {
                    throw r.error(.dealLimit, "`\(r.text(path))` has more than \(r.rules.limits.maxListLength) values")
                }
                guard let v = try r.readValue(element, path: path.element(index)) else {
                    throw r.error(.wrongValueType, "`\(r.text(path.element(index)))` is null; a list holds values only")
                }
                out.append(v)
            }
            return .list(out)
        case .number, .money, .percent:
            if b[i] == UInt8(ascii: "-") || (b[i] >= 0x30 && b[i] <= 0x39) {
                let f = try readNumber(path)
                switch type {
                case .money: return .money(f)
                case .percent: return .percent(f)
                default: return .number(f)
                }
            }
            if b[i] == UInt8(ascii: "\""), type != .number {
                return try readScalarString(path, as: type)
            }
            throw wrongType(path, type, start)
        case .flag:
            if match("true") { return .yes }
            if match("false") { return .no }
            throw wrongType(path, type, start)
        case .text, .duration, .date, .choice:
            guard b[i] == UInt8(ascii: "\"") else { throw wrongType(path, type, start) }
            return try readScalarString(path, as: type)
        case .item, .emptyList:
            throw wrongType(path, type, start)
        }
    }

    /// A JSON string read as a literal of `type` (`"$1,200"`, `"12 months"`, `"EU"`).
    mutating func readScalarString(_ path: ValuePath, as type: ValueType) throws(DealReadError) -> Value? {
        skipSpace()
        if peekNull() {
            i += 4
            return nil
        }
        let start = i
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw wrongType(path, type, start) }
        // The usual case: no escapes, a well-formed literal, read straight from the bytes.
        if let raw = readRawString(), let v = fastLiteral(raw, type) { return v }
        i = start
        let s = try readString()
        if type == .text { return .text(s) }
        switch LiteralReader(choices: rules.choices, semicolonLists: false).read(s, as: type) {
        case .success(let v): return v
        case .failure(let e):
            let code: DiagnosticCode = switch type {
            case .choice: .unknownChoice
            case .date: .impossibleDate
            default: .wrongValueType
            }
            throw error(code, "`\(text(path))`: \(e.message)", at: start, help: e.help ?? expectation(type))
        }
    }

    /// A string's bytes when it has no escapes (the reader moves past it); nil otherwise (the
    /// reader stays).
    mutating func readRawString() -> UnsafeBufferPointer<UInt8>? {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        let (j, high) = scanString(from: i + 1)
        guard j < b.count, b[j] == UInt8(ascii: "\"") else { return nil }
        let raw = UnsafeBufferPointer(rebasing: b[(i + 1)..<j])
        // Text that is not ASCII must be valid UTF-8; the slow path says where it is not.
        if high, !SourceFile.isUTF8(raw) { return nil }
        i = j + 1
        return raw
    }

    /// A literal read from its bytes, or nil to take the slow path (which words the error).
    func fastLiteral(_ raw: UnsafeBufferPointer<UInt8>, _ type: ValueType) -> Value? {
        fastLiteral(raw, ReadKind(type))
    }

    /// The same, for a type as the usual path has it (plain data: reading a `ValueType` from
    /// the rule set retains it).
    func fastLiteral(_ raw: UnsafeBufferPointer<UInt8>, _ type: ReadKind) -> Value? {
        switch type {
        case .text: return .text(String(decoding: raw, as: UTF8.self))
        case .date: return Day.parse(raw).map(Value.date)
        case .duration: return Duration.parse(bytes: raw).map(Value.duration)
        case .choice(let c): return rules.readTables.choiceKeys[Int(c)].lookup(raw).map { .choice(ChoiceValue(choice: c, value: Int32($0))) }
        case .money:
            guard raw.first == UInt8(ascii: "$") else { return nil }
            return (try? Fixed.parse(raw.dropFirst(), allowExponent: false).get()).map(Value.money)
        case .percent:
            guard raw.last == UInt8(ascii: "%") else { return nil }
            return (try? Fixed.parse(raw.dropLast(), allowExponent: false).get()).map(Value.percent)
        default: return nil
        }
    }
}

/// Where a value sits in a deal (`services[2].seats`), as indices: spelled out (`text(_:)`)
/// only when an error names it, so reading a valid deal builds no text and retains nothing.
struct ValuePath {
    /// A deal field's slot, or one of the special paths below.
    var slot: Int32
    var item: Int32 = -1
    var kind: Int32 = -1
    /// An item field, within `item`.
    var member: Int32 = -1
    /// An element of the list at this path.
    var index: Int32 = -1

    static let today = ValuePath(slot: -2)

    init(slot: Int, item: Int = -1, kind: Int = -1) {
        self.slot = Int32(slot)
        self.item = Int32(item)
        self.kind = Int32(kind)
    }

    func member(_ f: Int) -> ValuePath {
        var p = self
        p.member = Int32(f)
        return p
    }

    /// The path of element `i` of the list at this path.
    func element(_ i: Int) -> ValuePath {
        var p = self
        p.index = Int32(i)
        return p
    }
}

extension DealReader {
    /// `services[2].seats`
    func text(_ p: ValuePath) -> String {
        var s = switch p.slot {
        case -2: "today"
        default: rules.fieldNames[Int(p.slot)]
        }
        if p.item >= 0 { s += "[\(p.item)]" }
        if p.member >= 0, p.kind >= 0 { s += "." + rules.itemFieldNames[Int(p.kind)][Int(p.member)] }
        if p.index >= 0 { s += "[\(p.index)]" }
        return s
    }
}

/// A set of field indices: which fields of an object were given (to catch a key given twice,
/// and to tell an item's own values from its catalog's). No allocation up to 64 fields.
struct FieldSet: Sendable, Hashable {
    private var small: UInt64 = 0
    private var large: [Bool]?

    @inline(__always)
    init(count: Int) {
        if count > 64 { large = Array(repeating: false, count: count) }
    }

    @inline(__always)
    func contains(_ f: Int) -> Bool {
        if let large { return large[f] }
        return small & (1 << UInt64(f)) != 0
    }

    /// Calls `body` with each field in the set, in order.
    func forEach(_ body: (Int) -> Void) {
        if let large {
            for f in large.indices where large[f] { body(f) }
        } else {
            var m = small
            while m != 0 {
                body(m.trailingZeroBitCount)
                m &= m - 1
            }
        }
    }

    /// The fields whose bits are set in `mask` (of a kind of up to 64 fields).
    init(mask: UInt64) {
        small = mask
    }

    /// Adds field `f`; false when it was already there.
    @inline(__always)
    mutating func insert(_ f: Int) -> Bool {
        if contains(f) { return false }
        if large != nil {
            large![f] = true
        } else {
            small |= 1 << UInt64(f)
        }
        return true
    }
}
