/// The reader's usual path: a deal of the shape nearly every line of a stream has, read in
/// straight loops with no error handling at all. Anything it does not expect (an error, an
/// escape, a key given twice, text that is not ASCII where a name is looked up, a list of more
/// than 31 items) makes it give up, and the line is read again by the full reader
/// (`readDeal`), which words the error or reads the rare case. So the usual path decides
/// nothing on its own: whatever it reads, the full reader would read the same (the fuzz target
/// `FuzzDeal` and `UsualPathTests` hold it to that).
///
/// What makes it fast: types switched on as plain data (`ReadKind`), keys tried against the
/// field declared after the last one first (tools write a deal's fields in one order, most
/// often the declared one), the deal's arrays taken once, values written in place.
extension DealReader {
    /// Reads the deal into `deal` and says true; or false, having written part of it, when the
    /// line must be read by `readDeal`.
    mutating func readUsual(into deal: inout Deal) -> Bool {
        // Items nest three levels deep; a rule set with a tighter limit takes the full reader.
        guard rules.limits.maxJSONDepth >= 3, rules.fields.count <= 64 else { return false }
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "{") else { return false }
        deal.reset()
        var id: String?? = .none, today: Day?? = .none
        let done = deal.withParts { fields, items, itemValues in
            readUsualMembers(fields: &fields, items: &items, itemValues: &itemValues, id: &id, today: &today)
        }
        guard done else { return false }
        if let id { deal.id = id }
        if let today { deal.today = today }
        skipSpace()
        return i == b.count
    }

    /// The deal's members, from its `{` to its `}`.
    private mutating func readUsualMembers(fields: inout [Value], items: inout [[Deal.Item]], itemValues: inout ItemValues,
                                           id: inout String??, today: inout Day??) -> Bool {
        depth = 1
        i += 1
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") {
            i += 1
            return true
        }
        let kinds = rules.readTables.fieldKinds, keys = rules.readTables.fieldKeys
        var seen: UInt64 = 0
        var guess = 0
        while true {
            var field: Int?, key = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            if let f = guessedKey(keys, guess) {
                field = f
            } else {
                guard let found = usualKey(keys, guess: guess) else { return false }
                (field, key) = found
            }
            if key.count == 2, key[0] == UInt8(ascii: "i"), key[1] == UInt8(ascii: "d") {
                guard id == nil else { return false }
                let start = i
                if readRawString() == nil {
                    do throws(DealReadError) { try skipValue() } catch { return false }
                }
                id = .some(b[start] == UInt8(ascii: "n") ? nil : String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
            } else if let slot = field {
                guard seen & (1 << UInt64(slot)) == 0 else { return false }
                seen |= 1 << UInt64(slot)
                guess = slot + 1
                if case .items(let k) = kinds[slot] {
                    if peekNull() {
                        i += 4
                    } else {
                        guard readUsualItems(Int(k), items: &items[Int(k)], values: &itemValues) else { return false }
                        fields[slot] = .list([])
                    }
                } else {
                    guard let v = readUsualValue(kinds[slot], slot: slot, member: -1, kind: -1) else { return false }
                    if let v { fields[slot] = v }
                }
            } else if key.elementsEqual("today".utf8) {
                guard today == nil else { return false }
                do throws(DealReadError) {
                    switch try readScalarString(.today, as: .date) {
                    case .date(let d)?: today = .some(d)
                    case nil: today = .some(nil)
                    default: return false
                    }
                } catch {
                    return false
                }
            } else {
                return false
            }
            guard let more = usualNext(UInt8(ascii: "}")) else { return false }
            if !more { return true }
        }
    }

    /// A list of items of kind `k`, appended to `items`, their values to `values`.
    private mutating func readUsualItems(_ k: Int, items: inout [Deal.Item], values: inout ItemValues) -> Bool {
        guard i < b.count, b[i] == UInt8(ascii: "[") else { return false }
        i += 1
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "]") {
            i += 1
            return true
        }
        let tables = rules.readTables.items[k]
        let kinds = tables.fieldKinds, keys = tables.fieldKeys, catalogKeys = tables.catalogKeys
        let fieldCount = kinds.count
        guard fieldCount <= 64 else { return false }
        while true {
            skipSpace()
            guard items.count < 32, items.count < rules.limits.maxListLength, i < b.count, b[i] == UInt8(ascii: "{") else { return false }
            i += 1
            let start = values.add(fieldCount)
            var seen: UInt64 = 0, given: UInt64 = 0
            // The name: its catalog entry, or its text (made once the item is read).
            var entry: Int32 = -1
            var named = false, nameText = 0..<0
            var guess = 0
            skipSpace()
            guard i < b.count, b[i] != UInt8(ascii: "}") else { return false }
            while true {
                let f: Int
                if let g = guessedKey(keys, guess) {
                    f = g
                } else {
                    guard let (field, _) = usualKey(keys, guess: guess), let g = field else { return false }
                    f = g
                }
                guard seen & (1 << UInt64(f)) == 0 else { return false }
                seen |= 1 << UInt64(f)
                guess = f + 1
                if f == 0 {
                    guard i < b.count, b[i] == UInt8(ascii: "\"") else { return false }
                    let (j, high) = scanString(from: i + 1)
                    guard j < b.count, b[j] == UInt8(ascii: "\"") else { return false }
                    nameText = (i + 1)..<j
                    if let e = catalogKeys.lookup(UnsafeBufferPointer(rebasing: b[nameText])) {
                        entry = Int32(e)
                    } else if high {
                        // Text that is not ASCII may still name an entry (canonically equivalent).
                        return false
                    }
                    named = true
                    i = j + 1
                } else {
                    guard let v = readUsualValue(kinds[f], slot: -1, member: f, kind: k) else { return false }
                    if let v {
                        values[start + f] = v
                        given |= 1 << UInt64(f)
                    }
                }
                guard let more = usualNext(UInt8(ascii: "}")) else { return false }
                if !more { break }
            }
            guard named else { return false }
            // An item of the catalog is named by its entry; only another's name is made.
            let name = entry >= 0 ? nil : String(decoding: UnsafeBufferPointer(rebasing: b[nameText]), as: UTF8.self)
            // Listed before? (Each item's parts compared in place: a copy of an item retains its name.)
            for x in items.indices where entry >= 0 ? items[x].catalogEntry == entry : items[x].catalogEntry < 0 && items[x].ownName == name {
                return false
            }
            items.append(Deal.Item(ownName: name, catalogEntry: entry, givenFields: FieldSet(mask: given), valueStart: Int32(start)))
            guard let more = usualNext(UInt8(ascii: "]")) else { return false }
            if !more { return true }
        }
    }

    /// After a member or an element: true when a `,` says another follows, false after `close`;
    /// nil when neither comes (the full reader's case).
    @inline(__always)
    private mutating func usualNext(_ close: UInt8) -> Bool? {
        skipSpace()
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: ",") {
            i += 1
            return true
        }
        guard b[i] == close else { return nil }
        i += 1
        return false
    }

    /// `"key":` written tight, where the key is the `guess`th of `keys`: its field, the reader
    /// at its value; nil otherwise (the reader where it was). Most keys of a stream are read here.
    @inline(__always)
    private mutating func guessedKey(_ keys: ByteKeyView, _ guess: Int) -> Int? {
        guard i < b.count, b[i] == UInt8(ascii: "\""), let (f, n) = keys.guessed(guess, in: b, at: i + 1),
              i + n + 2 < b.count, b[i + n + 2] == UInt8(ascii: ":") else { return nil }
        i += n + 3
        skipSpace()
        return f
    }

    /// A key with no escapes, and the `:` after it: the field it names in `keys` (the `guess`th
    /// tried first), nil when it names none there; and its bytes. Nil when it is not such a key.
    @inline(__always)
    private mutating func usualKey(_ keys: ByteKeyView, guess: Int) -> (field: Int?, key: UnsafeBufferPointer<UInt8>)? {
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        let found: (field: Int?, key: UnsafeBufferPointer<UInt8>)
        if let (f, n) = keys.guessed(guess, in: b, at: i + 1) {
            found = (f, UnsafeBufferPointer(rebasing: b[(i + 1)..<(i + 1 + n)]))
            i += n + 2
        } else {
            let (j, high) = scanString(from: i + 1)
            guard j < b.count, b[j] == UInt8(ascii: "\""), !high else { return nil }
            let key = UnsafeBufferPointer(rebasing: b[(i + 1)..<j])
            found = (keys.lookup(key), key)
            i = j + 1
        }
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        skipSpace()
        return found
    }

    /// A value of kind `kind`: `.some(nil)` for `null` (not given), nil when the full reader
    /// must read the line. (`slot`, or `member` of item kind `kind`, name it for `readValue`.)
    @inline(__always)
    private mutating func readUsualValue(_ type: ReadKind, slot: Int, member: Int, kind: Int) -> Value?? {
        guard i < b.count else { return nil }
        let c = b[i]
        if c == UInt8(ascii: "n") {
            guard peekNull() else { return nil }
            i += 4
            return .some(nil)
        }
        switch type {
        case .number, .money, .percent:
            if c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) {
                let f: Fixed
                if let whole = usualWholeNumber() {
                    f = Fixed(raw: whole * Fixed.scale)
                } else {
                    // Any other number, as the full reader reads it (its error only says to give up).
                    guard let number = try? readNumber(ValuePath(slot: max(slot, 0))) else { return nil }
                    f = number
                }
                return switch type {
                case .money: .money(f)
                case .percent: .percent(f)
                default: .number(f)
                }
            }
            guard c == UInt8(ascii: "\""), type != .number else { return nil }
        case .text, .date, .duration, .choice:
            guard c == UInt8(ascii: "\"") else { return nil }
        case .flag:
            if match("true") { return .yes }
            if match("false") { return .no }
            return nil
        case .items:
            return nil
        case .other:
            // A list of values: the full reader's own code, at this depth.
            depth = kind >= 0 ? 3 : 1
            let path = kind >= 0 ? ValuePath(slot: 0, item: 0, kind: kind).member(member) : ValuePath(slot: slot)
            let type = kind >= 0 ? rules.itemFieldTypes[kind][member] : rules.fieldTypes[slot]
            guard let v = try? readValue(type, path: path) else { return nil }
            return .some(v)
        }
        // A string literal (`"EU"`, `"12 months"`, `"$1,200"`, `"25%"`) with no escapes, read as
        // the full reader reads it.
        let start = i
        guard let raw = readRawString(),
              let value = fastLiteral(raw, type) else {
            i = start
            return nil
        }
        return .some(value)
    }
}

extension DealReader {
    /// A whole number of 1 to 12 digits with no sign and no leading zero (most numbers in a
    /// deal), read as it is passed; nil, with the reader where it was, for any other number.
    @inline(__always)
    mutating func usualWholeNumber() -> Int64? {
        var j = i, n: Int64 = 0
        guard j < b.count, b[j] >= 0x31, b[j] <= 0x39 else { return nil }
        while j < b.count, b[j] >= 0x30, b[j] <= 0x39 {
            n = n &* 10 &+ Int64(b[j] &- 0x30)
            j += 1
        }
        if j - i > 12 { return nil }
        if j < b.count, b[j] == UInt8(ascii: ".") || b[j] == UInt8(ascii: "e") || b[j] == UInt8(ascii: "E") { return nil }
        i = j
        return n
    }
}

/// A field's type as the usual path switches on it: plain data, where a `ValueType` is an
/// indirect enum to be retained before it is read.
enum ReadKind: Sendable, Equatable {
    case number, money, percent, text, date, duration, flag
    case choice(Int32)
    /// A list of items of a kind.
    case items(Int32)
    /// A list of values: read by `readValue`.
    case other

    init(_ type: ValueType) {
        self = switch type {
        case .number: .number
        case .money: .money
        case .percent: .percent
        case .text: .text
        case .date: .date
        case .duration: .duration
        case .flag: .flag
        case .choice(let c): .choice(Int32(c))
        case .list(.item(let k)): .items(Int32(k))
        default: .other
        }
    }
}
