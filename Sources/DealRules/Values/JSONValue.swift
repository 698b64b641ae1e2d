/// A JSON value, read whole (the language server's messages, `DealRulesLSP`). Numbers keep the
/// text they were written with, so that nothing passes through a `Double`; an object keeps its
/// members in order (a lookup is a scan: the protocol's objects are small).
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
}

// MARK: - Reading

extension JSON {
    /// How deep arrays and objects may nest: a text nested deeper is refused rather than read by
    /// recursion that could exhaust the stack.
    package static let maxDepth = 200

    /// Reads one JSON text (RFC 8259), with whitespace around the value and nothing else.
    /// Stricter than some readers on purpose: an object with the same key twice, a string with
    /// half a surrogate pair and a control character in a string are errors.
    package static func parse(_ bytes: some Collection<UInt8>) throws(JSONScanner.Failure) -> JSON {
        var scan = JSONScanner(Array(bytes), maxDepth: maxDepth)
        scan.skipSpace()
        let value = try read(&scan, depth: 0)
        scan.skipSpace()
        guard scan.atEnd else { throw scan.failure("there is more after the value") }
        return value
    }

    package static func parse(_ text: String) throws(JSONScanner.Failure) -> JSON { try parse(Array(text.utf8)) }

    private static func read(_ scan: inout JSONScanner, depth: Int) throws(JSONScanner.Failure) -> JSON {
        guard depth <= scan.maxDepth else { throw scan.failure("the JSON nests deeper than \(scan.maxDepth) levels") }
        guard let b = scan.peek else { throw scan.failure("expected a value") }
        switch b {
        case UInt8(ascii: "\""):
            return .string(try scan.string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let r = try scan.number()
            return .number(String(decoding: scan.bytes[r], as: UTF8.self))
        case UInt8(ascii: "{"):
            var members: [(String, JSON)] = []
            var names: Set<String> = []
            try scan.container(depth: depth + 1) { s, name throws(JSONScanner.Failure) in
                let name = name ?? ""
                guard names.insert(name).inserted else { throw s.failure("the member `\(name)` appears twice") }
                members.append((name, try read(&s, depth: depth + 1)))
            }
            return .object(members)
        case UInt8(ascii: "["):
            var elements: [JSON] = []
            try scan.container(depth: depth + 1) { s, _ throws(JSONScanner.Failure) in elements.append(try read(&s, depth: depth + 1)) }
            return .array(elements)
        default:
            return try scan.literal().map(JSON.bool) ?? .null
        }
    }
}

// MARK: - Writing

extension JSON {
    /// Compact JSON text: no spaces, members in order, strings escaped as RFC 8259 requires (and
    /// nothing more: `/` and text beyond ASCII are written as they are).
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
        case .string(let s): out += Array(jsonStringLiteral(s).utf8)
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
                out += Array(jsonStringLiteral(key).utf8)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral {
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .number(String(value)) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(arrayLiteral elements: JSON...) { self = .array(elements) }
}
