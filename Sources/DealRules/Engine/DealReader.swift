/// Why a deal could not be read, while it is read: a stable code, a message that names the
/// field and says what was expected, and where in the text. It leaves the reader as a
/// `Diagnostic` located in the deal's own text (`diagnostic(in:name:)`).
struct DealReadError: Error {
    let code: DiagnosticCode
    let message: String
    let help: String?
    /// The byte it points at; nil when it is about the deal as a whole (its size).
    let offset: Int?

    init(_ code: DiagnosticCode, _ message: String, help: String? = nil, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.help = help
        self.offset = offset
    }

    /// The diagnostic, pointing into `text` (named `name`, as messages show it: a path,
    /// `<stdin>`, `deal`).
    func diagnostic(in text: UnsafeBufferPointer<UInt8>, name: String) -> Diagnostic {
        guard let offset else { return Diagnostic(code, message, help: help) }
        let file = SourceFile(path: name, bytes: Array(text), showsExcerpts: false)
        // The file drops a leading byte-order mark, as the reader does.
        return Diagnostic(code, message, at: SourceLocation(file, at: Int32(clamping: min(offset, file.bytes.count))), help: help)
    }
}

/// Reads one deal from JSON bytes straight into the rule set's layout: no intermediate
/// dictionaries, numbers exactly from their decimal text, every error naming its field.
struct DealReader {
    let rules: RuleSet
    let b: UnsafeBufferPointer<UInt8>
    var i = 0
    private var depth = 0

    init(rules: RuleSet, bytes: UnsafeBufferPointer<UInt8>) {
        self.rules = rules
        self.b = bytes
    }

    // MARK: Errors

    func error(_ code: DiagnosticCode, _ message: String, at offset: Int? = nil, help: String? = nil) -> DealReadError {
        DealReadError(code, message, help: help, offset: min(offset ?? i, b.count))
    }

    func syntax(_ expected: String) -> DealReadError {
        if i >= b.count {
            return error(.invalidJSON, "invalid JSON: the input ends where \(expected) should be")
        }
        // A word is shown whole (`NaN`, `undefined`); a symbol alone.
        var end = i
        while end < b.count, end - i < 24, Lexer.isNameByte(b[end]) || b[end] == UInt8(ascii: ".") && end > i { end += 1 }
        let shown = end > i + 1 ? "`\(String(decoding: UnsafeBufferPointer(rebasing: b[i..<end]), as: UTF8.self))`"
            : b[i] >= 0x20 && b[i] < 0x7F ? "`\(Character(UnicodeScalar(b[i])))`" : "byte 0x\(String(b[i], radix: 16))"
        let (l, c) = position(i)
        var help: String?
        switch b[i] {
        case UInt8(ascii: "."): help = "a JSON number starts with a digit: `0.5`"
        case UInt8(ascii: "+"): help = "a JSON number has no `+`: write `1`"
        case UInt8(ascii: "N"), UInt8(ascii: "I"): help = "JSON has no NaN or Infinity: give a number, or null when it is not known"
        case UInt8(ascii: "'"): help = "JSON text goes in double quotes"
        default: break
        }
        return error(.invalidJSON, "invalid JSON at line \(l), column \(c): expected \(expected), found \(shown)", help: help)
    }

    /// The line and column (in characters) of byte `o`, counted from 1.
    func position(_ o: Int) -> (Int, Int) {
        let o = min(o, b.count)
        var line = 1, lineStart = 0
        for k in 0..<o where b[k] == UInt8(ascii: "\n") {
            line += 1
            lineStart = k + 1
        }
        return (line, String(decoding: UnsafeBufferPointer(rebasing: b[lineStart..<o]), as: UTF8.self).count + 1)
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
            if let slot = reader.rules.slot(forKey: key) {
                if !seen.insert(slot) {
                    throw reader.error(.duplicateKey, "`\(reader.rules.fields[slot].name)` is given twice", at: keyAt)
                }
                try reader.readField(slot, into: &deal)
            } else if key.count == 2, key[0] == UInt8(ascii: "i"), key[1] == UInt8(ascii: "d") {
                if sawID { throw reader.error(.duplicateKey, "`id` is given twice", at: keyAt) }
                sawID = true
                let start = reader.i
                try reader.skipValue()
                deal.id = reader.b[start] == UInt8(ascii: "n")
                    ? nil : String(decoding: UnsafeBufferPointer(rebasing: reader.b[start..<reader.i]), as: UTF8.self)
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

    private mutating func readField(_ slot: Int, into deal: inout Deal) throws(DealReadError) {
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

    private mutating func readItems(_ k: Int, _ slot: Int, items: inout [Deal.Item], values: inout [Value]) throws(DealReadError) {
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
            let start = values.count
            if values.isEmpty { values.reserveCapacity(fieldCount * 8) }
            values.append(contentsOf: repeatElement(Value.unknown, count: fieldCount))
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
                for other in items where entry >= 0 ? other.catalogEntry == entry : other.catalogEntry < 0 && other.name == name {
                    repeated = true
                    break
                }
            } else {
                if names.isEmpty { names = Set(items.map(\.name)) }
                repeated = !names.insert(name).inserted
            }
            if repeated {
                throw error(.duplicateItem, "`\(path)` lists \(ValueText.quoted(name)) twice", at: objectStart,
                            help: "list each \(rules.itemKinds[k].name) once; give its fields in one object")
            }
            // What it does not give is read from the catalog or the defaults when a rule asks
            // (`Deal.value`): nothing is copied here.
            items.append(Deal.Item(name: name, catalogEntry: entry, givenFields: givenFields, valueStart: Int32(start)))
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

    /// Opens the object or list at `i` (`{` or `[`), one level deeper; false (and closed again)
    /// when it is empty. Then each member or element, and `next` after each.
    @inline(__always)
    private mutating func open(_ close: UInt8) throws(DealReadError) -> Bool {
        try enter()
        i += 1
        skipSpace()
        if i < b.count, b[i] == close {
            i += 1
            depth -= 1
            return false
        }
        return true
    }

    /// After a member or element: true when `,` says another follows, false after the closing
    /// `close` (one level up again).
    @inline(__always)
    private mutating func next(_ close: UInt8, _ expected: String) throws(DealReadError) -> Bool {
        skipSpace()
        guard i < b.count else { throw syntax(expected) }
        if b[i] == UInt8(ascii: ",") {
            i += 1
            return true
        }
        if b[i] == close {
            i += 1
            depth -= 1
            return false
        }
        throw syntax(expected)
    }

    /// A member's key up to its value (`"key":`), looked up in `table`; and where its quote is.
    @inline(__always)
    private mutating func memberKey(_ table: ByteKeyTable) throws(DealReadError) -> (FoundKey, Int) {
        let (key, keyAt) = try readKey()
        switch key {
        case .plain(let range):
            let bytes = UnsafeBufferPointer(rebasing: b[range])
            return (table.lookup(bytes).map(FoundKey.field) ?? .unknown(String(decoding: bytes, as: UTF8.self)), keyAt)
        case .decoded(let bytes):
            return (table.lookup(bytes).map(FoundKey.field) ?? .unknown(String(decoding: bytes, as: UTF8.self)), keyAt)
        }
    }

    /// A key: its bytes in the input (the usual case, no escapes), or decoded.
    enum Key {
        case plain(Range<Int>)
        case decoded([UInt8])
    }

    /// A member's key, read up to its value (`"key":`); and where its opening quote is.
    @inline(__always)
    private mutating func readKey() throws(DealReadError) -> (Key, Int) {
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw syntax("a key in quotes") }
        let keyAt = i
        let start = i + 1
        let (j, high) = scanString(from: start)
        let key: Key
        if j < b.count, b[j] == UInt8(ascii: "\""), !high || SourceFile.isUTF8(UnsafeBufferPointer(rebasing: b[start..<j])) {
            i = j + 1
            key = .plain(start..<j)
        } else {
            key = .decoded(Array(try readString().utf8))
        }
        try colon()
        return (key, keyAt)
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
        switch type {
        case .text: return .text(String(decoding: raw, as: UTF8.self))
        case .date: return Day.parse(raw).map(Value.date)
        case .duration: return Duration.parse(bytes: raw).map(Value.duration)
        case .choice(let c): return rules.choiceKeys[c].lookup(raw).map { .choice(ChoiceValue(choice: Int32(c), value: Int32($0))) }
        case .money:
            guard raw.first == UInt8(ascii: "$") else { return nil }
            return (try? Fixed.parse(raw.dropFirst(), allowExponent: false).get()).map(Value.money)
        case .percent:
            guard raw.last == UInt8(ascii: "%") else { return nil }
            return (try? Fixed.parse(raw.dropLast(), allowExponent: false).get()).map(Value.percent)
        default: return nil
        }
    }

    func expectation(_ type: ValueType) -> String {
        switch type {
        case .text: "text in quotes"
        case .number: "a JSON number, like 12 or 1200.5"
        case .money: "a number, like 1200, or text like \"$1,200\""
        case .percent: "a number of points, like 25, or text like \"25%\""
        case .duration: "text like \"12 months\" or \"30 days\""
        case .date: "text like \"2026-12-01\""
        case .flag: "true or false"
        case .choice(let c): "one of \(rules.choices[c].values.map { "\"\($0)\"" }.joined(separator: ", "))"
        case .list(let e): "a list [ … ] of \(rules.typeName(e)) values"
        case .item(let k): "a \(rules.itemKinds[k].name) object"
        case .emptyList: "a list"
        }
    }

    /// The error of a value at `at` that is not JSON at all (`EU`, `.5`, `NaN`, `+1`), if it is not.
    func jsonError(at: Int) -> DealReadError? {
        var copy = self
        copy.i = at
        do {
            try copy.skipValue()
            return nil
        } catch {
            return error
        }
    }

    /// A value of the wrong type, or one that is not JSON: said in the field's terms either way,
    /// with the code `deal.invalid-json` for the second (a JSON error further inside the value
    /// is said as the JSON reader says it).
    func wrongType(_ path: ValuePath, _ type: ValueType, _ at: Int) -> DealReadError {
        if let bad = jsonError(at: at) {
            guard bad.offset == at else { return bad }
            return error(.invalidJSON, "`\(text(path))` must be \(TypeNamer(choices: rules.choices, items: rules.itemKinds).article(type)), not \(describeValueStart(at))",
                         at: at, help: bad.help ?? "write \(expectation(type))")
        }
        return self.error(.wrongValueType, "`\(text(path))` must be \(TypeNamer(choices: rules.choices, items: rules.itemKinds).article(type)), not \(describeValue(at))",
              at: at, help: "write \(expectation(type))")
    }

    /// How a message names the JSON value starting at `at`.
    func describeValue(_ at: Int) -> String {
        var copy = self
        copy.i = at
        let start = at
        if (try? copy.skipValue()) != nil {
            var text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<copy.i]), as: UTF8.self)
            if text.count > 40 { text = String(text.prefix(37)) + "…" }
            switch b[at] {
            case UInt8(ascii: "\""): return "text \(text)"
            case UInt8(ascii: "{"): return "an object"
            case UInt8(ascii: "["): return "a list"
            case UInt8(ascii: "t"), UInt8(ascii: "f"): return "`\(text)`"
            default: return "the number \(text)"
            }
        }
        return describeValueStart()
    }

    func describeValueStart(_ at: Int) -> String {
        var copy = self
        copy.i = at
        return copy.describeValueStart()
    }

    func describeValueStart() -> String {
        guard i < b.count else { return "nothing" }
        switch b[i] {
        case UInt8(ascii: "["): return "a list"
        case UInt8(ascii: "\""): return "text"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            var copy = self
            if copy.match("true") || copy.match("false") { return "true or false" }
        case UInt8(ascii: "n"):
            if peekNull() { return "null" }
        case UInt8(ascii: "-"), 0x30...0x39: return "a number"
        default: break
        }
        // Not the start of any JSON value: show the word as it is.
        var end = i
        while end < b.count, end - i < 24, !" \t\r\n,:{}[]\"".utf8.contains(b[end]) { end += 1 }
        if end == i { return "`\(Character(UnicodeScalar(b[i])))`" }
        return "`\(String(decoding: UnsafeBufferPointer(rebasing: b[i..<end]), as: UTF8.self))`, which is not JSON"
    }

    // MARK: JSON

    mutating func skipSpace() {
        while i < b.count {
            switch b[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    func peekNull() -> Bool {
        i + 4 <= b.count && b[i] == UInt8(ascii: "n") && b[i + 1] == UInt8(ascii: "u") && b[i + 2] == UInt8(ascii: "l")
            && b[i + 3] == UInt8(ascii: "l")
    }

    mutating func match(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        let p = word.utf8Start
        for k in 0..<n where b[i + k] != p[k] { return false }
        i += n
        return true
    }

    private mutating func enter() throws(DealReadError) {
        depth += 1
        if depth > rules.limits.maxJSONDepth {
            throw error(.dealLimit, "the deal nests deeper than \(rules.limits.maxJSONDepth) levels")
        }
    }

    /// Calls `member` for each key (its bytes, and where its opening quote is), with the
    /// reader positioned at its value.
    mutating func readObject(_ member: (inout DealReader, UnsafeBufferPointer<UInt8>, Int) throws(DealReadError) -> Void) throws(DealReadError) {
        guard try open(UInt8(ascii: "}")) else { return }
        repeat {
            let (key, keyAt) = try readKey()
            switch key {
            case .plain(let range):
                try member(&self, UnsafeBufferPointer(rebasing: b[range]), keyAt)
            case .decoded(let bytes):
                let result: Result<Void, DealReadError> = bytes.withUnsafeBufferPointer { key in
                    do throws(DealReadError) { return .success(try member(&self, key, keyAt)) } catch { return .failure(error) }
                }
                try result.get()
            }
        } while try next(UInt8(ascii: "}"), "`,` or `}`")
    }

    @inline(__always)
    private mutating func colon() throws(DealReadError) {
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: ":") else { throw syntax("`:` after the key") }
        i += 1
        skipSpace()
    }

    mutating func readArray(_ element: (inout DealReader, Int) throws(DealReadError) -> Void) throws(DealReadError) {
        guard try open(UInt8(ascii: "]")) else { return }
        var index = 0
        repeat {
            skipSpace()
            try element(&self, index)
            index += 1
        } while try next(UInt8(ascii: "]"), "`,` or `]`")
    }

    /// A JSON string, escapes decoded.
    mutating func readString() throws(DealReadError) -> String {
        let start = i
        i += 1
        let j = scanString(from: i).end
        if j < b.count, b[j] == UInt8(ascii: "\"") {
            let raw = UnsafeBufferPointer(rebasing: b[i..<j])
            guard SourceFile.isUTF8(raw) else {
                i = start
                throw notUTF8(start)
            }
            i = j + 1
            return String(decoding: raw, as: UTF8.self)
        }
        var out: [UInt8] = Array(b[i..<j])
        i = j
        while true {
            guard i < b.count else {
                i = start
                throw error(.invalidJSON, "invalid JSON: text starting at column \(position(start).1) is never closed")
            }
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                break
            }
            if c < 0x20 { throw syntax("a character allowed in JSON text (escape line breaks as \\n)") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < b.count else { throw syntax("an escape") }
            switch b[i] {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 2 < b.count, b[i + 1] == UInt8(ascii: "\\"), b[i + 2] == UInt8(ascii: "u") else {
                        throw syntax("the second half of a surrogate pair")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw syntax("the second half of a surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw syntax("a valid \\u escape") }
                out += Array(String(Character(u)).utf8)
            default:
                throw syntax("a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)")
            }
            i += 1
        }
        guard out.withUnsafeBufferPointer({ SourceFile.isUTF8($0) }) else {
            i = start
            throw notUTF8(start)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Where a string's plain run starting at `from` stops: at the first `"`, `\` or control
    /// byte, or at the end of the input; and whether a byte of 0x80 or more came before that.
    ///
    /// Eight bytes are tested at a time (SWAR): a byte equal to `"` or `\` is a zero byte of
    /// the word XOR that byte repeated, and `(x - 0x01…) & ~x & 0x80…` flags zero bytes (and
    /// `(x - 0x20…) & ~x & 0x80…` bytes below 0x20); the lowest flag is always exact.
    @inline(__always)
    func scanString(from: Int) -> (end: Int, high: Bool) { Self.scanString(b, from: from) }

    @inline(__always)
    static func scanString(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> (end: Int, high: Bool) {
        var j = from
        var high: UInt64 = 0
        let ones: UInt64 = 0x0101_0101_0101_0101, tops: UInt64 = 0x8080_8080_8080_8080
        if let base = b.baseAddress {
            let raw = UnsafeRawPointer(base)
            while j + 8 <= b.count {
                let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: j, as: UInt64.self))
                let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
                let stops = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (w &- ones &* 0x20) & ~w) & tops
                if stops != 0 {
                    let k = stops.trailingZeroBitCount >> 3
                    if k > 0 { high |= w & (UInt64.max >> (64 - 8 * k)) & tops }
                    return (j + k, high != 0)
                }
                high |= w & tops
                j += 8
            }
        }
        var h: UInt8 = 0
        while j < b.count, b[j] != UInt8(ascii: "\""), b[j] != UInt8(ascii: "\\"), b[j] >= 0x20 {
            h |= b[j]
            j += 1
        }
        return (j, high != 0 || h >= 0x80)
    }

    func notUTF8(_ at: Int) -> DealReadError {
        let (l, c) = position(at)
        return error(.invalidJSON, "invalid JSON at line \(l), column \(c): the text is not valid UTF-8",
                     help: "save the file as UTF-8")
    }

    private mutating func hex4() throws(DealReadError) -> UInt32 {
        guard i + 4 < b.count else { throw syntax("four hex digits") }
        var v: UInt32 = 0
        for k in 1...4 {
            let c = b[i + k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default:
                i += k
                throw syntax("a hex digit")
            }
            v = v * 16 + d
        }
        i += 4
        return v
    }

    /// Moves past a JSON number, checking its syntax only (any size is valid JSON): where it
    /// starts, and its value when it is a whole number of up to 12 digits (the usual case, read
    /// as it is scanned).
    mutating func scanNumber() throws(DealReadError) -> (start: Int, whole: Int64?) {
        let start = i
        let negative = b[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else { throw syntax("a digit") }
        var whole: Int64 = 0
        let digitsStart = i
        if b[i] == 0x30 {
            i += 1
        } else {
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                whole = whole &* 10 &+ Int64(b[i] &- 0x30)
                i += 1
            }
        }
        let digits = i - digitsStart
        var plain = true
        if i < b.count, b[i] == UInt8(ascii: ".") {
            plain = false
            i += 1
            guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else { throw syntax("a digit after the point") }
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            plain = false
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else { throw syntax("a digit in the exponent") }
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
        }
        return (start, plain && digits <= 12 ? (negative ? -whole : whole) : nil)
    }

    /// A JSON number, read exactly: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    mutating func readNumber(_ path: ValuePath) throws(DealReadError) -> Fixed {
        let (start, whole) = try scanNumber()
        if let whole { return Fixed(raw: whole * Fixed.scale) }
        switch Fixed.parse(UnsafeBufferPointer(rebasing: b[start..<i]), allowSeparators: false) {
        case .success(let f): return f
        case .failure(.tooPrecise):
            throw error(.wrongValueType, "`\(text(path))` has more than \(Fixed.places) digits after the point", at: start,
                        help: "amounts are exact to six decimal places; round it")
        case .failure:
            throw error(.wrongValueType, "`\(text(path))` is too large", at: start, help: "amounts go up to 9,223,372,036,854.775807")
        }
    }

    /// Any JSON value, as a `DealValue` (numbers keep their decimal text).
    mutating func readAny() throws(DealReadError) -> DealValue {
        skipSpace()
        guard i < b.count else { throw syntax("a value") }
        switch b[i] {
        case UInt8(ascii: "{"):
            var o: [String: DealValue] = [:]
            try readObject { r, key, _ throws(DealReadError) in o[String(decoding: key, as: UTF8.self)] = try r.readAny() }
            return .object(o)
        case UInt8(ascii: "["):
            var xs: [DealValue] = []
            try readArray { r, _ throws(DealReadError) in xs.append(try r.readAny()) }
            return .list(xs)
        case UInt8(ascii: "\""):
            return .text(try readString())
        case UInt8(ascii: "-"), 0x30...0x39:
            let start = try scanNumber().start
            return .number(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
        default:
            if match("true") { return .bool(true) }
            if match("false") { return .bool(false) }
            if match("null") { return .null }
            throw syntax("a JSON value")
        }
    }

    /// Skips one JSON value of any shape, checking its syntax.
    mutating func skipValue() throws(DealReadError) {
        skipSpace()
        guard i < b.count else { throw syntax("a value") }
        switch b[i] {
        case UInt8(ascii: "{"):
            try readObject { r, _, _ throws(DealReadError) in try r.skipValue() }
        case UInt8(ascii: "["):
            try readArray { r, _ throws(DealReadError) in try r.skipValue() }
        case UInt8(ascii: "\""):
            // Passed over in place; only a string with escapes (or bad UTF-8) is decoded.
            if readRawString() == nil { _ = try readString() }
        case UInt8(ascii: "-"), 0x30...0x39:
            _ = try scanNumber()
        default:
            if match("true") || match("false") || match("null") { return }
            throw syntax("a JSON value")
        }
    }
}

extension RuleSet {
    /// The deal field a JSON key names.
    func slot(forKey key: UnsafeBufferPointer<UInt8>) -> Int? {
        fieldKeys.lookup(key)
    }

    /// Reads one deal from JSON: the declared fields by name, `null` for not given, and the
    /// two keys always allowed, `"id"` (echoed) and `"today"` (that deal's date).
    ///
    /// A deal that cannot be read throws a diagnostic located in its text, which `name` names
    /// (a path, `<stdin>`; `deal` by default).
    public func deal(json bytes: some Collection<UInt8>, name: String = "deal") throws(Diagnostic) -> Deal {
        let result = bytes.withContiguousStorageIfAvailable { deal(buffer: $0, name: name) }
            ?? Array(bytes).withUnsafeBufferPointer { deal(buffer: $0, name: name) }
        return try result.get()
    }

    func deal(buffer whole: UnsafeBufferPointer<UInt8>, name: String = "deal") -> Result<Deal, Diagnostic> {
        var deal = emptyDeal()
        if let error = read(buffer: whole, into: &deal) { return .failure(error.diagnostic(in: whole, name: name)) }
        return .success(deal)
    }

    /// Reads a deal into `deal` (its storage reused); the error when it cannot be read.
    func read(buffer whole: UnsafeBufferPointer<UInt8>, into deal: inout Deal) -> DealReadError? {
        if whole.count > limits.maxDealBytes {
            return DealReadError(.dealLimit, "the deal is \(whole.count) bytes; the limit is \(limits.maxDealBytes)")
        }
        let bom = whole.count >= 3 && whole[0] == 0xEF && whole[1] == 0xBB && whole[2] == 0xBF
        var reader = DealReader(rules: self, bytes: UnsafeBufferPointer(rebasing: whole[(bom ? 3 : 0)...]))
        do throws(DealReadError) { try reader.readDeal(into: &deal) } catch { return error }
        return nil
    }

    public func deal(json text: String, name: String = "deal") throws(Diagnostic) -> Deal {
        try deal(json: Array(text.utf8), name: name)
    }
}

extension Diagnostic {
    /// A line of a stream longer than the limit: it is answered with this, never held whole.
    public static func lineTooLong(bytes n: Int, limit: Int) -> Diagnostic {
        Diagnostic(.dealLimit, "the line is more than \(n) bytes; the limit is \(limit)", help: "raise it with --max-deal-bytes")
    }
}

extension RuleSet {
    /// The raw JSON of a deal's `"id"`, when the text is an object that has one: a bad line in
    /// a stream still names its deal when it can.
    public func dealID(json bytes: some Collection<UInt8>) -> String? {
        let array = Array(bytes)
        return array.withUnsafeBufferPointer { whole -> String? in
            var reader = DealReader(rules: self, bytes: whole)
            reader.skipSpace()
            guard reader.i < whole.count, whole[reader.i] == UInt8(ascii: "{") else { return nil }
            var id: String?
            try? reader.readObject { r, key, _ throws(DealReadError) in
                let start = r.i
                try r.skipValue()
                if key.elementsEqual("id".utf8) {
                    let raw = String(decoding: UnsafeBufferPointer(rebasing: r.b[start..<r.i]), as: UTF8.self)
                    id = raw == "null" ? nil : raw
                }
            }
            return id
        }
    }
}

extension DealValue {
    /// Reads any JSON text (numbers keep their decimal text, as a deal reads them).
    public static func parse(json bytes: some Collection<UInt8>, limits: Limits = .default) throws(Diagnostic) -> DealValue {
        let array = Array(bytes)
        let rules = RuleSet(CheckedRules(limits: limits))
        let result: Result<DealValue, Diagnostic> = array.withUnsafeBufferPointer { whole in
            var reader = DealReader(rules: rules, bytes: whole)
            do throws(DealReadError) {
                let v = try reader.readAny()
                reader.skipSpace()
                if reader.i < whole.count { throw reader.syntax("the end of the input") }
                return .success(v)
            } catch { return .failure(error.diagnostic(in: whole, name: "json")) }
        }
        return try result.get()
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
