/// Text being written as UTF-8 bytes: plain, or escaped for the inside of a JSON string.
/// Messages, conditions and values are written straight into it, so a stream of decisions
/// builds no intermediate strings.
///
/// It owns its bytes directly (not an `Array`): a decision's JSON is hundreds of small appends,
/// and each is then a capacity check and a copy. It cannot be copied, so no two buffers ever
/// share storage.
struct TextBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// How many bytes have been written.
    private(set) var count = 0
    /// Escape `"`, `\` and control characters (the text goes inside a JSON string).
    var json = false

    init(json: Bool = false, capacity: Int = 0) {
        self.json = json
        self.capacity = max(capacity, 32)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written, as a new array.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// The bytes written in `range`, as a new array.
    func bytes(_ range: Range<Int>) -> [UInt8] { Array(UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)) }

    var string: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }

    /// Appends everything written to `out`.
    func appendContents(to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
    }

    /// Calls `body` with the bytes written, in place.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Forgets what was written, keeping the storage.
    mutating func removeAll() { count = 0 }

    /// Swaps what was written, and the storage it is in, with `other` (each keeps its `json`).
    mutating func swapContents(with other: inout TextBuffer) {
        swap(&base, &other.base)
        swap(&capacity, &other.capacity)
        swap(&count, &other.count)
    }

    @inline(never)
    private mutating func grow(toHold n: Int) {
        let c = max(n, capacity * 2)
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        bigger.initialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = c
    }

    /// Room for `n` more bytes.
    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(toHold: count + n) }
    }

    /// Bytes written as they are, never escaped.
    @inline(__always)
    private mutating func put(_ p: UnsafePointer<UInt8>, _ n: Int) {
        guard n > 0 else { return }
        reserve(n)
        (base + count).initialize(from: p, count: n)
        count += n
    }

    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    mutating func append(_ s: String) {
        Self.withUTF8(s) { append(bytes: $0) }
    }

    /// A string's UTF-8 bytes: borrowed where the string is contiguous (native and small
    /// strings are), else from a contiguous copy.
    @inline(__always)
    private static func withUTF8(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if s.utf8.withContiguousStorageIfAvailable(body) == nil {
            var s = s
            s.withUTF8(body)
        }
    }

    mutating func append(_ s: StaticString) {
        append(bytes: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Bytes written as they are, never escaped (JSON punctuation, keys).
    @inline(__always)
    mutating func raw(_ s: StaticString) {
        put(s.utf8Start, s.utf8CodeUnitCount)
    }

    /// Bytes written as they are (already escaped where they need to be).
    @inline(__always)
    mutating func raw(_ b: [UInt8]) {
        b.withUnsafeBufferPointer { raw($0) }
    }

    /// Bytes written as they are.
    @inline(__always)
    mutating func raw(_ b: UnsafeBufferPointer<UInt8>) {
        if let p = b.baseAddress { put(p, b.count) }
    }

    /// A string's UTF-8 written as it is (text already in its final form, such as JSON). Named
    /// apart from `raw(_: StaticString)` so that a literal always takes that faster path.
    mutating func raw(string s: String) {
        Self.withUTF8(s) { raw($0) }
    }

    /// A copy of bytes already written, appended.
    mutating func copy(_ range: Range<Int>) {
        let n = range.count
        guard n > 0 else { return }
        reserve(n)
        (base + count).initialize(from: base + range.lowerBound, count: n)
        count += n
    }

    mutating func append(byte: UInt8) {
        if json, byte == 0x22 || byte == 0x5C || byte < 0x20 {
            appendEscaped(byte)
        } else {
            put(byte)
        }
    }

    mutating func append(bytes text: UnsafeBufferPointer<UInt8>) {
        guard json else { return raw(text) }
        // Most text has nothing to escape: eight bytes at a time, looking for a `"`, a `\` or a
        // control character, and copied at once when there is none.
        var clean = 0
        if let base = text.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101, tops: UInt64 = 0x8080_8080_8080_8080
            let raw = UnsafeRawPointer(base)
            while clean + 8 <= text.count {
                let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: clean, as: UInt64.self))
                let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
                if ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (w &- ones &* 0x20) & ~w) & tops != 0 { break }
                clean += 8
            }
        }
        // Runs of ordinary bytes are copied at once; only the few special ones are escaped.
        var start = 0
        for i in clean..<text.count {
            let c = text[i]
            if c == 0x22 || c == 0x5C || c < 0x20 {
                raw(UnsafeBufferPointer(rebasing: text[start..<i]))
                appendEscaped(c)
                start = i + 1
            }
        }
        raw(UnsafeBufferPointer(rebasing: text[start...]))
    }

    private mutating func appendEscaped(_ c: UInt8) {
        switch c {
        case 0x22: raw("\\\"")
        case 0x5C: raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        default:
            let hex: StaticString = "0123456789abcdef"
            raw("\\u00")
            put(hex.utf8Start[Int(c >> 4)])
            put(hex.utf8Start[Int(c & 0xF)])
        }
    }

    // MARK: Numbers

    /// `1,200`, `3.5`, `-0.25`: thousands separators, no trailing zeros (at least
    /// `minimumFraction` places).
    mutating func append(_ f: Fixed, minimumFraction: Int = 0, separators: Bool = true) {
        if f.raw < 0 { put(UInt8(ascii: "-")) }
        appendMagnitude(f, minimumFraction: minimumFraction, separators: separators)
    }

    /// `$1,200`, `$99.50`, `-$5`, down to `-$9,223,372,036,854.775808`.
    mutating func appendMoney(_ f: Fixed) {
        raw(f.raw < 0 ? "-$" : "$")
        appendMagnitude(f, minimumFraction: f.showsCents ? 2 : 0, separators: true)
    }

    /// `f` without its sign (so the most negative value prints too).
    private mutating func appendMagnitude(_ f: Fixed, minimumFraction: Int, separators: Bool) {
        var magnitude = f.raw.magnitude
        let whole = magnitude / UInt64(Fixed.scale)
        magnitude %= UInt64(Fixed.scale)
        appendWhole(whole, separators: separators)
        guard magnitude != 0 || minimumFraction > 0 else { return }
        put(UInt8(ascii: "."))
        // The fraction's digits, last first, written in place; then trailing zeros dropped.
        reserve(Fixed.places)
        var m = magnitude
        for k in stride(from: Fixed.places - 1, through: 0, by: -1) {
            base[count + k] = UInt8(m % 10) + 0x30
            m /= 10
        }
        var places = Fixed.places
        while places > minimumFraction, base[count + places - 1] == 0x30 { places -= 1 }
        count += places
    }

    mutating func appendWhole(_ n: UInt64, separators: Bool = false) {
        // Digits are written backwards into a fixed scratch area, then copied in order.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 27) { scratch in
            var end = 27
            var v = n
            var count = 0
            repeat {
                if separators, count > 0, count % 3 == 0 {
                    end -= 1
                    scratch[end] = UInt8(ascii: ",")
                }
                end -= 1
                scratch[end] = UInt8(v % 10) + 0x30
                v /= 10
                count += 1
            } while v > 0
            raw(UnsafeBufferPointer(rebasing: scratch[end..<27]))
        }
    }

    mutating func append(int n: Int) {
        if n < 0 { put(UInt8(ascii: "-")) }
        appendWhole(UInt64(n.magnitude))
    }
}
