/// The JSON syntax a deal is read with (RFC 8259, docs/language.md "Deals"): white space,
/// objects and arrays, strings eight bytes at a time, numbers exactly, nesting within limits.
extension DealReader {
    /// Opens the object or list at `i` (`{` or `[`), one level deeper; false (and closed again)
    /// when it is empty. Then each member or element, and `next` after each.
    @inline(__always)
    mutating func open(_ close: UInt8) throws(DealReadError) -> Bool {
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
    mutating func next(_ close: UInt8, _ expected: String) throws(DealReadError) -> Bool {
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
    mutating func memberKey(_ table: ByteKeyTable) throws(DealReadError) -> (FoundKey, Int) {
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
    mutating func readKey() throws(DealReadError) -> (Key, Int) {
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

    @inline(__always)
    mutating func skipSpace() {
        // Most calls find no space at all.
        if i < b.count, b[i] > 0x20 { return }
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

    mutating func enter() throws(DealReadError) {
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
    mutating func colon() throws(DealReadError) {
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

    mutating func hex4() throws(DealReadError) -> UInt32 {
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
