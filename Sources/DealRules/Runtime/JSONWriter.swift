/// Writes JSON bytes directly, compact (one line, for streams) or indented (for people).
struct JSONWriter {
    var bytes: [UInt8] = []
    let pretty: Bool
    private var depth = 0
    private var needsComma = false
    private var afterKey = false

    init(pretty: Bool = false, capacity: Int = 512) {
        self.pretty = pretty
        bytes.reserveCapacity(capacity)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        if pretty, depth > 0 { newline() }
    }

    private mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        for _ in 0..<depth { bytes += [0x20, 0x20] }
    }

    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        depth += 1
        needsComma = false
    }

    mutating func endObject() {
        depth -= 1
        if pretty, needsComma { newline() }
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        depth += 1
        needsComma = false
    }

    mutating func endArray() {
        depth -= 1
        if pretty, needsComma { newline() }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func key(_ k: String) {
        separate()
        quoted(k)
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(0x20) }
        afterKey = true
    }

    mutating func value(_ s: String) {
        separate()
        quoted(s)
        needsComma = true
    }

    mutating func value(_ n: Int) {
        separate()
        bytes += Array(String(n).utf8)
        needsComma = true
    }

    mutating func value(_ b: Bool) {
        separate()
        bytes += Array((b ? "true" : "false").utf8)
        needsComma = true
    }

    mutating func null() {
        separate()
        bytes += Array("null".utf8)
        needsComma = true
    }

    /// Text that already is JSON (an echoed `id`).
    mutating func raw(_ json: String) {
        separate()
        bytes += Array(json.utf8)
        needsComma = true
    }

    mutating func field(_ k: String, _ v: String) {
        key(k)
        value(v)
    }

    mutating func field(_ k: String, _ v: String?) {
        guard let v else { return }
        key(k)
        value(v)
    }

    mutating func field(_ k: String, strings: [String]) {
        key(k)
        let p = pretty
        // Short lists of names stay on one line even when indented.
        if p {
            afterKey = false
            bytes.append(UInt8(ascii: "["))
            for (i, s) in strings.enumerated() {
                if i > 0 { bytes += [UInt8(ascii: ","), 0x20] }
                quoted(s)
            }
            bytes.append(UInt8(ascii: "]"))
            needsComma = true
            return
        }
        beginArray()
        for s in strings { value(s) }
        endArray()
    }

    private mutating func quoted(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): bytes += [0x5C, 0x22]
            case UInt8(ascii: "\\"): bytes += [0x5C, 0x5C]
            case 0x0A: bytes += [0x5C, UInt8(ascii: "n")]
            case 0x0D: bytes += [0x5C, UInt8(ascii: "r")]
            case 0x09: bytes += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]]
            default: bytes.append(c)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension Decision {
    /// The decision as JSON, in the shape of LANGUAGE.md. In a stream, pass `index` (and the
    /// line carries `"index"` and `"id"`); `pretty` indents it for people.
    public func json(index: Int? = nil, pretty: Bool = false) -> String {
        var w = JSONWriter(pretty: pretty)
        write(to: &w, index: index)
        return w.string
    }

    func write(to w: inout JSONWriter, index: Int?) {
        w.beginObject()
        if let index {
            w.key("index")
            w.value(index)
        }
        if let id {
            w.key("id")
            w.raw(id)
        }
        w.field("decision", kind.rawValue)
        w.field("required", strings: required)
        w.key("outcomes")
        w.beginArray()
        for o in outcomes {
            w.beginObject()
            w.field("kind", o.kind.rawValue)
            w.field("approval", o.approval)
            w.field("team", o.team)
            w.field("rule", o.rule)
            w.field("location", o.location)
            w.field("item", o.item)
            w.field("message", o.message)
            o.explanation?.write(to: &w)
            w.endObject()
        }
        w.endArray()
        w.key("undetermined")
        w.beginArray()
        for u in undetermined {
            w.beginObject()
            w.field("kind", u.kind.rawValue)
            w.field("approval", u.approval)
            w.field("team", u.team)
            w.field("rule", u.rule)
            w.field("location", u.location)
            w.field("item", u.item)
            w.field("missing", strings: u.missing)
            if !u.errors.isEmpty { w.field("errors", strings: u.errors) }
            u.explanation?.write(to: &w)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }
}

extension Explanation {
    func write(to w: inout JSONWriter) {
        w.field("condition", condition)
        w.key("values")
        w.beginObject()
        for (k, v) in values {
            w.key(k)
            if let v { w.value(v) } else { w.null() }
        }
        w.endObject()
    }
}

extension DealError {
    /// `{"index": N, "id": …, "error": {"code": …, "message": …}}`: a bad line in a stream.
    public func json(index: Int? = nil, id: String? = nil) -> String {
        var w = JSONWriter()
        w.beginObject()
        if let index {
            w.key("index")
            w.value(index)
        }
        if let id {
            w.key("id")
            w.raw(id)
        }
        w.key("error")
        w.beginObject()
        w.field("code", code.rawValue)
        w.field("message", message)
        w.field("help", help)
        w.endObject()
        w.endObject()
        return w.string
    }
}

extension Array where Element == Diagnostic {
    /// The diagnostics as a JSON list, for tools: code, severity, message, help, file, line,
    /// column, end_line, end_column (lines and columns from 1, columns in characters), notes.
    public func json(pretty: Bool = true) -> String {
        var w = JSONWriter(pretty: pretty)
        w.beginArray()
        for d in self {
            w.beginObject()
            w.field("code", d.code.rawValue)
            w.field("severity", d.severity.rawValue)
            w.field("message", d.message)
            w.key("help")
            if let h = d.help { w.value(h) } else { w.null() }
            writeLocation(d.location, &w)
            if !d.notes.isEmpty {
                w.key("notes")
                w.beginArray()
                for n in d.notes {
                    w.beginObject()
                    w.field("message", n.message)
                    writeLocation(n.location, &w)
                    w.endObject()
                }
                w.endArray()
            }
            w.endObject()
        }
        w.endArray()
        return w.string
    }

    private func writeLocation(_ l: DiagnosticLocation?, _ w: inout JSONWriter) {
        guard let l else {
            for k in ["file", "line", "column", "end_line", "end_column"] {
                w.key(k)
                w.null()
            }
            return
        }
        w.field("file", l.file)
        for (k, v) in [("line", l.line), ("column", l.column), ("end_line", l.endLine), ("end_column", l.endColumn)] {
            w.key(k)
            w.value(v)
        }
    }
}
