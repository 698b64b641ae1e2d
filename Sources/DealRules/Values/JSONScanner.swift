/// JSON text (RFC 8259) read one token at a time: what the service's request bodies
/// (`DealRulesServer`) and the language server's messages (`DealRulesLSP`, through `JSON`) are
/// read with. Deals have a faster reader of their own (Engine/DealReader+JSON.swift), which reads
/// straight into a rule set's slots.
package struct JSONScanner {
    /// Where and why the text is not JSON.
    package struct Failure: Error, Sendable, Equatable {
        package var message: String
        package var help: String?
        /// The byte offset where reading stopped.
        package var offset: Int

        package init(message: String, help: String? = nil, offset: Int) {
            self.message = message
            self.help = help
            self.offset = offset
        }
    }

    package let bytes: [UInt8]
    package let maxDepth: Int
    package var position = 0

    package init(_ bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    package var atEnd: Bool { position >= bytes.count }
    package var peek: UInt8? { atEnd ? nil : bytes[position] }

    package mutating func skipBOM() {
        if position == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    package mutating func skipSpace() {
        while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { position += 1 }
    }

    package func failure(_ message: String, help: String? = nil) -> Failure {
        Failure(message: message, help: help, offset: position)
    }

    /// Expects `byte` under the cursor and steps over it.
    package mutating func expect(_ byte: UInt8, _ message: String) throws(Failure) {
        guard peek == byte else { throw failure(message) }
        position += 1
    }

    /// A string starting at the quote under the cursor, decoded.
    package mutating func string() throws(Failure) -> String {
        position += 1
        var out: [UInt8] = []
        while true {
            guard let b = peek else { throw failure("a string is not closed") }
            position += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else { throw failure("the text is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                guard let e = peek else { throw failure("a string is not closed") }
                position += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), bytes[position...].starts(with: "\\u".utf8) {
                        position += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw failure("a \\u escape is half of a character") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw failure("a \\u escape is half of a character") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    position -= 1
                    throw failure("`\\\(Character(Unicode.Scalar(e)))` is not an escape JSON knows")
                }
            case 0x00..<0x20:
                position -= 1
                throw failure("a control character inside a string must be escaped")
            default:
                out.append(b)
            }
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let b = peek, let d = Self.hexDigit(b) else { throw failure("a \\u escape needs four hex digits") }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    private static func hexDigit(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// `true`, `false` or `null` under the cursor, stepped over.
    package mutating func literal() throws(Failure) -> Bool? {
        for (word, value) in [("true", true), ("false", false)] where bytes[position...].starts(with: word.utf8) {
            position += word.utf8.count
            return value
        }
        if bytes[position...].starts(with: "null".utf8) {
            position += 4
            return nil
        }
        throw failure("expected a value", help: "JSON writes text in double quotes, and true, false or null without")
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` under the cursor: its text.
    package mutating func number() throws(Failure) -> Range<Int> {
        let start = position
        func digits(_ s: inout JSONScanner) -> Int {
            var n = 0
            while let b = s.peek, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { s.position += 1; n += 1 }
            return n
        }
        if peek == UInt8(ascii: "-") { position += 1 }
        if peek == UInt8(ascii: "0") { position += 1 } else if digits(&self) == 0 { throw failure("a number needs a digit") }
        if peek == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw failure("a number needs a digit after `.`") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw failure("a number needs a digit in its exponent") }
        }
        return start..<position
    }

    /// Reads one value, handing each member or element to `visit` (the members of an object
    /// with their names; `visit` is called when the value starts, with the cursor on it, and
    /// reads it). A closure that only skips makes this a check that the value is well formed.
    package mutating func container(depth: Int, member: (inout JSONScanner, String?) throws(Failure) -> Void) throws(Failure) {
        guard depth <= maxDepth else { throw failure("the JSON nests deeper than \(maxDepth) levels") }
        let close = peek == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
        position += 1
        skipSpace()
        if peek == close {
            position += 1
            return
        }
        while true {
            skipSpace()
            var name: String?
            if close == UInt8(ascii: "}") {
                guard peek == UInt8(ascii: "\"") else { throw failure("expected a member name in quotes") }
                name = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"), "expected `:` after the member name")
                skipSpace()
            }
            try member(&self, name)
            skipSpace()
            if peek == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if peek == close {
                position += 1
                return
            }
            throw failure("expected `,` or `\(Character(Unicode.Scalar(close)))`")
        }
    }

    /// Skips one value at nesting `depth` (a member of the top object is at 1), checking it is
    /// well formed and nested no deeper than `maxDepth`.
    package mutating func skipValue(depth: Int) throws(Failure) {
        guard depth <= maxDepth else { throw failure("the JSON nests deeper than \(maxDepth) levels") }
        guard let b = peek else { throw failure("expected a value") }
        switch b {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"), UInt8(ascii: "["): try container(depth: depth) { s, _ throws(Failure) in try s.skipValue(depth: depth + 1) }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try number()
        default: _ = try literal()
        }
    }
}
