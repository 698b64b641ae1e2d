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
/// The shared JSON scanner, failing as the service says it: with the line and column.
private struct Scanner {
    var scan: JSONScanner

    init(bytes: [UInt8], maxDepth: Int) { scan = JSONScanner(bytes, maxDepth: maxDepth) }

    var atEnd: Bool { scan.atEnd }
    var peek: UInt8? { scan.peek }
    var position: Int {
        get { scan.position }
        set { scan.position = newValue }
    }

    mutating func skipBOM() { scan.skipBOM() }
    mutating func skipSpace() { scan.skipSpace() }

    func place(_ offset: Int) -> (line: Int, column: Int) { Self.place(of: offset, in: scan.bytes) }

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
        failure(JSONScanner.Failure(message: message, help: help, offset: position))
    }

    func failure(_ f: JSONScanner.Failure) -> ServiceError {
        let ended = f.offset >= scan.bytes.count && f.message.hasPrefix("expected")
        return ServiceError(Diagnostic(.invalidJSON, ended ? f.message + ", but the body ends" : f.message,
                                       help: f.help ?? "the body must be JSON (RFC 8259)"), at: place(f.offset))
    }

    mutating func string() throws(ServiceError) -> String {
        do { return try scan.string() } catch { throw failure(error) }
    }

    mutating func skipValue(depth: Int) throws(ServiceError) {
        do { try scan.skipValue(depth: depth) } catch { throw failure(error) }
    }
}
