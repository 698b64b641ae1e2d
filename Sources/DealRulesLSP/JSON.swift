/// A JSON value, as the Language Server Protocol's messages carry it: the general reader the
/// server needs (the deal reader in `DealRules` reads deals only, into a rule set's slots).
///
/// Numbers keep the text they were written with, so that nothing passes through a `Double`; an
/// object keeps its members in order (the protocol's objects are small: a lookup is a scan).
package enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number as written: `-12.5e3`.
    case number(String)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    package static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.number(x), .number(y)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    package init(_ n: Int) { self = .number(String(n)) }

    /// The member named `key` of an object (nil for anything else, or no such member).
    package subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    package var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A number without a fraction or exponent that fits an `Int`.
    package var int: Int? {
        if case .number(let text) = self { return Int(text) }
        return nil
    }

    package var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    package var array: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    package var isNull: Bool { self == .null }
}

// MARK: - Reading

/// Why a text is not the JSON the reader accepts, and the byte offset where it stopped.
package struct JSONError: Error, Sendable, Equatable {
    package let message: String
    package let offset: Int
}

extension JSON {
    /// How deep arrays and objects may nest: a message nested deeper is refused rather than
    /// read by recursion that could exhaust the stack.
    package static let maxDepth = 200

    /// Reads one JSON text (RFC 8259): UTF-8, with whitespace around the value and nothing else.
    /// Stricter than some readers on purpose: an object with the same key twice, a string with an
    /// unpaired surrogate escape and a control character in a string are errors.
    package static func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSON {
        let array = Array(bytes)
        guard String(validating: array, as: UTF8.self) != nil else {
            throw JSONError(message: "not UTF-8 text", offset: 0)
        }
        var reader = JSONReader(bytes: array)
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.at == array.count else { throw reader.error("unexpected text after the value") }
        return value
    }

    package static func parse(_ text: String) throws(JSONError) -> JSON { try parse(Array(text.utf8)) }
}

private struct JSONReader {
    let bytes: [UInt8]
    var at = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func error(_ message: String) -> JSONError { JSONError(message: message, offset: at) }

    var peek: UInt8? { at < bytes.count ? bytes[at] : nil }

    mutating func skipSpace() {
        while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { at += 1 }
    }

    mutating func literal(_ word: String, _ value: JSON) throws(JSONError) -> JSON {
        for b in word.utf8 {
            guard peek == b else { throw error("expected `\(word)`") }
            at += 1
        }
        return value
    }

    mutating func value(depth: Int) throws(JSONError) -> JSON {
        guard depth < JSON.maxDepth else { throw error("nested more than \(JSON.maxDepth) deep") }
        guard let b = peek else { throw error("expected a value, found the end of the text") }
        switch b {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("expected a value")
        }
    }

    mutating func object(depth: Int) throws(JSONError) -> JSON {
        at += 1
        var members: [(String, JSON)] = []
        var keys: Set<String> = []
        skipSpace()
        if peek == UInt8(ascii: "}") {
            at += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
            let keyAt = at
            let key = try string()
            guard keys.insert(key).inserted else {
                throw JSONError(message: "the member `\(key)` appears twice", offset: keyAt)
            }
            skipSpace()
            guard peek == UInt8(ascii: ":") else { throw error("expected `:` after a member name") }
            at += 1
            skipSpace()
            members.append((key, try value(depth: depth + 1)))
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): at += 1
            case UInt8(ascii: "}"):
                at += 1
                return .object(members)
            default: throw error("expected `,` or `}` in an object")
            }
        }
    }

    mutating func array(depth: Int) throws(JSONError) -> JSON {
        at += 1
        var elements: [JSON] = []
        skipSpace()
        if peek == UInt8(ascii: "]") {
            at += 1
            return .array(elements)
        }
        while true {
            skipSpace()
            elements.append(try value(depth: depth + 1))
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): at += 1
            case UInt8(ascii: "]"):
                at += 1
                return .array(elements)
            default: throw error("expected `,` or `]` in an array")
            }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as text.
    mutating func number() throws(JSONError) -> String {
        let start = at
        func digits(_ r: inout JSONReader) -> Int {
            let from = r.at
            while let b = r.peek, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { r.at += 1 }
            return r.at - from
        }
        if peek == UInt8(ascii: "-") { at += 1 }
        if peek == UInt8(ascii: "0") {
            at += 1
        } else if digits(&self) == 0 {
            throw error("expected a digit")
        }
        if peek == UInt8(ascii: ".") {
            at += 1
            guard digits(&self) > 0 else { throw error("expected a digit after `.`") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            at += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { at += 1 }
            guard digits(&self) > 0 else { throw error("expected a digit in the exponent") }
        }
        return String(decoding: bytes[start..<at], as: UTF8.self)
    }

    mutating func hex4() throws(JSONError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let b = peek else { throw error("expected four hex digits after `\\u`") }
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw error("expected four hex digits after `\\u`")
            }
            v = v << 4 | UInt32(d)
            at += 1
        }
        return v
    }

    mutating func string() throws(JSONError) -> String {
        at += 1
        var out: [UInt8] = []
        while true {
            guard let b = peek else { throw error("a string is not closed") }
            switch b {
            case UInt8(ascii: "\""):
                at += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                at += 1
                guard let e = peek else { throw error("a string is not closed") }
                at += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard peek == UInt8(ascii: "\\"), at + 1 < bytes.count, bytes[at + 1] == UInt8(ascii: "u") else {
                            throw error("an unpaired surrogate in `\\u` escapes")
                        }
                        at += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("an unpaired surrogate in `\\u` escapes") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw error("an unpaired surrogate in `\\u` escapes")
                    }
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
                default:
                    at -= 1
                    throw error("an unknown escape in a string")
                }
            case 0..<0x20:
                throw error("a control character in a string (write it as an escape)")
            default:
                out.append(b)
                at += 1
            }
        }
    }
}

// MARK: - Writing

extension JSON {
    /// Compact JSON text: no spaces, members in order, strings escaped as RFC 8259 requires
    /// (and nothing more: `/` and non-ASCII text are written as they are).
    package var text: String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    package func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let n): out += Array(n.utf8)
        case .string(let s): JSON.writeString(s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                e.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20: out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Builds an object from members whose value may be missing (a nil member is left out).
package func object(_ members: (String, JSON?)...) -> JSON {
    .object(members.compactMap { key, value in value.map { (key, $0) } })
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral {
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .number(String(value)) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(arrayLiteral elements: JSON...) { self = .array(elements) }
}
