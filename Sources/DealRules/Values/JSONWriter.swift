/// Writes JSON as UTF-8 bytes, compact (one line: streams, tools) or indented (for people),
/// straight into a `TextBuffer`: strings are escaped as they are written, and text already
/// encoded (a rule's outcome head, an approval's name) is copied as it is.
///
/// Indented output puts each member and element on its own line, two spaces a level, except
/// lists of strings (`"required": ["a", "b"]`), which stay on one line.
///
/// Several top-level values may follow each other (one decision a line); `newline()` ends one.
struct JSONWriter: ~Copyable {
    /// What is written so far (callers append encoded text to it, as `stringList` elements do).
    var text: TextBuffer
    let pretty: Bool
    private var depth = 0
    private var needsComma = false
    private var afterKey = false

    init(pretty: Bool = false, capacity: Int = 512) {
        self.pretty = pretty
        text = TextBuffer(json: true, capacity: capacity)
    }

    var string: String { text.string }
    var bytes: [UInt8] { text.bytes }
    var count: Int { text.count }

    /// Forgets what was written, keeping the storage.
    mutating func removeAll() {
        text.removeAll()
        depth = 0
        needsComma = false
        afterKey = false
    }

    /// Ends a top-level value with a line break; the next value starts a line of its own.
    @inline(__always)
    mutating func newline() {
        text.raw("\n")
        needsComma = false
    }

    @inline(__always)
    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        if needsComma { text.raw(",") }
        if pretty, depth > 0 { indent() }
    }

    private mutating func indent() {
        text.raw("\n")
        for _ in 0..<depth { text.raw("  ") }
    }

    @inline(__always)
    mutating func beginObject() {
        separate()
        text.raw("{")
        depth += 1
        needsComma = false
    }

    @inline(__always)
    mutating func endObject() {
        depth -= 1
        if pretty, needsComma { indent() }
        text.raw("}")
        needsComma = depth > 0
    }

    @inline(__always)
    mutating func beginArray() {
        separate()
        text.raw("[")
        depth += 1
        needsComma = false
    }

    @inline(__always)
    mutating func endArray() {
        depth -= 1
        if pretty, needsComma { indent() }
        text.raw("]")
        needsComma = depth > 0
    }

    @inline(__always)
    mutating func key(_ k: StaticString) {
        separate()
        text.raw("\"")
        text.raw(k)
        if pretty { text.raw("\": ") } else { text.raw("\":") }
        afterKey = true
    }

    /// A key that is not a literal (escaped as it is written).
    mutating func key(string k: String) {
        separate()
        text.raw("\"")
        text.append(k)
        if pretty { text.raw("\": ") } else { text.raw("\":") }
        afterKey = true
    }

    @inline(__always)
    mutating func value(_ s: String) {
        separate()
        text.raw("\"")
        text.append(s)
        text.raw("\"")
        needsComma = true
    }

    /// A string value whose characters `body` writes (escaped as they are written).
    mutating func string(_ body: (inout TextBuffer) -> Void) {
        separate()
        text.raw("\"")
        body(&text)
        text.raw("\"")
        needsComma = true
    }

    @inline(__always)
    mutating func value(_ n: Int) {
        separate()
        text.append(int: n)
        needsComma = true
    }

    mutating func value(_ b: Bool) {
        separate()
        if b { text.raw("true") } else { text.raw("false") }
        needsComma = true
    }

    mutating func null() {
        separate()
        text.raw("null")
        needsComma = true
    }

    /// Text that already is JSON (an echoed `id`, a string encoded once at load).
    mutating func raw(_ json: String) {
        separate()
        text.raw(string: json)
        needsComma = true
    }

    /// A value known to be JSON as it is written here (`"approved"`, `true`).
    @inline(__always)
    mutating func raw(_ json: StaticString) {
        separate()
        text.raw(json)
        needsComma = true
    }

    mutating func raw(_ json: UnsafeBufferPointer<UInt8>) {
        separate()
        text.raw(json)
        needsComma = true
    }

    /// Members already encoded (`"kind":"require","rule":"…"`), into the object being written:
    /// compact output only.
    mutating func members(_ json: UnsafeBufferPointer<UInt8>) {
        precondition(!pretty, "encoded members are compact")
        if needsComma { text.raw(",") }
        text.raw(json)
        needsComma = true
    }

    /// `"k": "text"`; nothing when `v` is nil.
    @inline(__always)
    mutating func field(_ k: StaticString, _ v: String?) {
        guard let v else { return }
        key(k)
        value(v)
    }

    /// `"k": N`; nothing when `v` is nil.
    @inline(__always)
    mutating func field(_ k: StaticString, int v: Int?) {
        guard let v else { return }
        key(k)
        value(v)
    }

    mutating func field(_ k: StaticString, bool v: Bool) {
        key(k)
        value(v)
    }

    /// `"k": JSON` for text that already is JSON (an echoed `id`); nothing when it is nil.
    @inline(__always)
    mutating func field(_ k: StaticString, raw v: String?) {
        guard let v else { return }
        key(k)
        raw(v)
    }

    /// `"k": ["a", "b"]`: on one line even when indented.
    mutating func field(_ k: StaticString, strings: [String]) {
        key(k)
        stringList(strings.count) { w, i in
            w.text.raw("\"")
            w.text.append(strings[i])
            w.text.raw("\"")
        }
    }

    /// A list of `count` strings on one line, each written by `element` (quotes included).
    mutating func stringList(_ count: Int, _ element: (inout JSONWriter, Int) -> Void) {
        separate()
        text.raw("[")
        for i in 0..<count {
            if i > 0 { if pretty { text.raw(", ") } else { text.raw(",") } }
            element(&self, i)
        }
        text.raw("]")
        needsComma = true
    }
}

/// `s` as a JSON string literal, escaped as every output of the library escapes text: for the
/// few members a caller outside the library writes itself (the service's status, its log).
package func jsonStringLiteral(_ s: String) -> String {
    var w = JSONWriter()
    w.value(s)
    return w.string
}
