import DealRules

/// The members of a request's JSON object (`{"deal": …, "facts": […]}`), each kept as the
/// bytes of its value: found, not parsed. A deal is read by the rules' own deal reader, which
/// checks it against the declarations; only the few strings a request carries (facts, a name,
/// an approval) are decoded here.
///
/// The scan checks that the body is one JSON object and that every value in it is well formed,
/// so that a malformed body is refused with its line and column whatever member it is in.
struct RequestObject {
    let body: [UInt8]
    /// Each member's value, as a range of `body`.
    private(set) var members: [String: Range<Int>] = [:]

    /// Reads the object; a body that is not one JSON object throws where it goes wrong.
    init(_ body: [UInt8], maxDepth: Int) throws(ServiceError) {
        self.body = body
        var s = Scanner(bytes: body, maxDepth: maxDepth)
        s.skipBOM()
        s.skipSpace()
        guard s.peek == UInt8(ascii: "{") else {
            throw s.failure(s.atEnd ? "the body is empty" : "the body is not a JSON object",
                            help: "send an object such as {\"deal\": {…}}")
        }
        s.position += 1
        s.skipSpace()
        if s.peek == UInt8(ascii: "}") {
            s.position += 1
        } else {
            while true {
                s.skipSpace()
                guard s.peek == UInt8(ascii: "\"") else { throw s.failure("expected a member name in quotes") }
                let key = try s.string()
                s.skipSpace()
                guard s.peek == UInt8(ascii: ":") else { throw s.failure("expected `:` after the member name") }
                s.position += 1
                s.skipSpace()
                let start = s.position
                try s.skipValue(depth: 1)
                if members[key] != nil {
                    throw ServiceError(Diagnostic(.duplicateKey, "`\(key)` is given twice", help: "give each member once"),
                                       at: s.place(start))
                }
                members[key] = start..<s.position
                s.skipSpace()
                if s.peek == UInt8(ascii: ",") { s.position += 1; continue }
                if s.peek == UInt8(ascii: "}") { s.position += 1; break }
                throw s.failure("expected `,` or `}` after the member")
            }
        }
        s.skipSpace()
        guard s.atEnd else { throw s.failure("there is more after the object") }
    }

    /// A member's value as bytes, or nil when it is absent or `null`.
    func raw(_ key: String) -> ArraySlice<UInt8>? {
        guard let r = members[key] else { return nil }
        let v = body[r]
        return v.elementsEqual("null".utf8) ? nil : v
    }

    /// Where the member's value starts, as a line and column of the body.
    func place(of key: String) -> (line: Int, column: Int)? {
        members[key].map { Scanner.place(of: $0.lowerBound, in: body) }
    }

    /// A member that must be present.
    func required(_ key: String, _ what: String) throws(ServiceError) -> ArraySlice<UInt8> {
        guard let v = raw(key) else {
            throw ServiceError(Diagnostic(.badRequest, "the request has no `\(key)`", help: "give `\(key)`: \(what)"))
        }
        return v
    }

    /// A string member, or nil when absent.
    func string(_ key: String) throws(ServiceError) -> String? {
        guard let v = raw(key) else { return nil }
        var s = Scanner(bytes: Array(v), maxDepth: 1)
        guard s.peek == UInt8(ascii: "\"") else { throw wrongType(key, "a string") }
        do { return try s.string() } catch { throw wrongType(key, "a string") }
    }

    /// A member that is an array of strings, or nil when absent.
    func strings(_ key: String) throws(ServiceError) -> [String]? {
        guard let v = raw(key) else { return nil }
        var s = Scanner(bytes: Array(v), maxDepth: 2)
        guard s.peek == UInt8(ascii: "[") else { throw wrongType(key, "an array of strings") }
        s.position += 1
        var out: [String] = []
        s.skipSpace()
        if s.peek == UInt8(ascii: "]") { return out }
        while true {
            s.skipSpace()
            guard s.peek == UInt8(ascii: "\""), let text = try? s.string() else { throw wrongType(key, "an array of strings") }
            out.append(text)
            s.skipSpace()
            if s.peek == UInt8(ascii: ",") { s.position += 1; continue }
            return out
        }
    }

    /// Where the `index`th element of an array member starts, as a line and column of the body.
    func stringElementPlace(_ key: String, _ index: Int) -> (line: Int, column: Int)? {
        guard let r = members[key] else { return nil }
        var s = Scanner(bytes: body, maxDepth: 2)
        s.position = r.lowerBound + 1
        for i in 0... {
            s.skipSpace()
            if i == index { return s.place(s.position) }
            guard (try? s.skipValue(depth: 1)) != nil else { return nil }
            s.skipSpace()
            guard s.peek == UInt8(ascii: ",") else { return nil }
            s.position += 1
        }
        return nil
    }

    private func wrongType(_ key: String, _ type: String) -> ServiceError {
        let (line, column) = place(of: key) ?? (1, 1)
        return ServiceError(Diagnostic(.badRequest, "`\(key)` must be \(type)", help: "see docs/openapi.yaml for this route's body"),
                            line: line, column: column)
    }
}

/// A cursor over JSON text that checks what it skips.
private struct Scanner {
    let bytes: [UInt8]
    let maxDepth: Int
    var position = 0

    var atEnd: Bool { position >= bytes.count }
    var peek: UInt8? { atEnd ? nil : bytes[position] }

    mutating func skipBOM() {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    mutating func skipSpace() {
        while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { position += 1 }
    }

    func place(_ offset: Int) -> (line: Int, column: Int) { Self.place(of: offset, in: bytes) }

    /// Line and column (from 1, the column in characters) of a byte offset.
    static func place(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for b in bytes[..<min(offset, bytes.count)] {
            if b == 0x0A {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    func failure(_ message: String, help: String? = nil) -> ServiceError {
        ServiceError(Diagnostic(.invalidJSON, atEnd && message.hasPrefix("expected") ? message + ", but the body ends" : message,
                                help: help ?? "the body must be JSON (RFC 8259)"), at: place(position))
    }

    /// A string starting at the quote under the cursor, decoded.
    mutating func string() throws(ServiceError) -> String {
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

    private mutating func hex4() throws(ServiceError) -> UInt32 {
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

    /// Skips one value, checking it is well formed.
    mutating func skipValue(depth: Int) throws(ServiceError) {
        guard depth <= maxDepth else { throw failure("the JSON nests deeper than \(maxDepth) levels") }
        guard let b = peek else { throw failure("expected a value") }
        switch b {
        case UInt8(ascii: "\""):
            _ = try string()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = b == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            position += 1
            skipSpace()
            if peek == close { position += 1; return }
            while true {
                skipSpace()
                if close == UInt8(ascii: "}") {
                    guard peek == UInt8(ascii: "\"") else { throw failure("expected a member name in quotes") }
                    _ = try string()
                    skipSpace()
                    guard peek == UInt8(ascii: ":") else { throw failure("expected `:` after the member name") }
                    position += 1
                    skipSpace()
                }
                try skipValue(depth: depth + 1)
                skipSpace()
                if peek == UInt8(ascii: ",") { position += 1; continue }
                if peek == close { position += 1; return }
                throw failure("expected `,` or `\(Character(Unicode.Scalar(close)))`")
            }
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            for word in ["true", "false", "null"] where bytes[position...].starts(with: word.utf8) {
                position += word.utf8.count
                return
            }
            throw failure("expected a value", help: "JSON writes text in double quotes, and true, false or null without")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
        default:
            throw failure("expected a value", help: "JSON writes text in double quotes, and true, false or null without")
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func number() throws(ServiceError) {
        func digits(_ s: inout Scanner) -> Int {
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
    }
}
