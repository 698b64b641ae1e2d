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

    /// `"k": "text"`; nothing when `v` is nil.
    mutating func field(_ k: String, _ v: String?) {
        guard let v else { return }
        key(k)
        value(v)
    }

    /// `"k": N`; nothing when `v` is nil.
    mutating func field(_ k: String, int v: Int?) {
        guard let v else { return }
        key(k)
        value(v)
    }

    mutating func field(_ k: String, bool v: Bool) {
        key(k)
        value(v)
    }

    /// `"k": JSON` for text that already is JSON (an echoed `id`); nothing when it is nil.
    mutating func field(_ k: String, raw v: String?) {
        guard let v else { return }
        key(k)
        raw(v)
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
