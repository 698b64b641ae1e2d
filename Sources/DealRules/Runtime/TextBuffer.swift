/// Text being written as UTF-8 bytes: plain, or escaped for the inside of a JSON string.
/// Messages, conditions and values are written straight into it, so a stream of decisions
/// builds no intermediate strings.
struct TextBuffer {
    var bytes: [UInt8] = []
    /// Escape `"`, `\` and control characters (the text goes inside a JSON string).
    var json = false

    init(json: Bool = false, capacity: Int = 0) {
        self.json = json
        bytes.reserveCapacity(capacity)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { append(bytes: $0) }
    }

    mutating func append(_ s: StaticString) {
        append(bytes: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Bytes written as they are, never escaped (JSON punctuation, keys).
    mutating func raw(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Bytes written as they are (already escaped where they need to be).
    @inline(__always)
    mutating func raw(_ b: [UInt8]) {
        b.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
    }

    /// A copy of bytes already written, appended.
    mutating func copy(_ range: Range<Int>) {
        let n = range.count
        guard n > 0 else { return }
        let old = bytes.count
        bytes.reserveCapacity(old + n)
        bytes.append(contentsOf: repeatElement(0, count: n))
        bytes.withUnsafeMutableBufferPointer { b in
            let base = b.baseAddress!
            (base + old).update(from: base + range.lowerBound, count: n)
        }
    }

    mutating func append(byte: UInt8) {
        if json, byte == 0x22 || byte == 0x5C || byte < 0x20 {
            appendEscaped(byte)
        } else {
            bytes.append(byte)
        }
    }

    mutating func append(bytes text: UnsafeBufferPointer<UInt8>) {
        guard json else {
            bytes.append(contentsOf: text)
            return
        }
        // Runs of ordinary bytes are copied at once; only the few special ones are escaped.
        var start = 0
        for i in 0..<text.count {
            let c = text[i]
            if c == 0x22 || c == 0x5C || c < 0x20 {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<i]))
                appendEscaped(c)
                start = i + 1
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start...]))
    }

    private mutating func appendEscaped(_ c: UInt8) {
        switch c {
        case 0x22: bytes += [0x5C, 0x22]
        case 0x5C: bytes += [0x5C, 0x5C]
        case 0x0A: bytes += [0x5C, UInt8(ascii: "n")]
        case 0x0D: bytes += [0x5C, UInt8(ascii: "r")]
        case 0x09: bytes += [0x5C, UInt8(ascii: "t")]
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            bytes += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]]
        }
    }

    // MARK: Numbers

    /// `1,200`, `3.5`, `-0.25`: thousands separators, no trailing zeros (at least
    /// `minimumFraction` places).
    mutating func append(_ f: Fixed, minimumFraction: Int = 0, separators: Bool = true) {
        var magnitude = f.raw.magnitude
        if f.raw < 0 { bytes.append(UInt8(ascii: "-")) }
        let whole = magnitude / UInt64(Fixed.scale)
        magnitude %= UInt64(Fixed.scale)
        appendWhole(whole, separators: separators)
        guard magnitude != 0 || minimumFraction > 0 else { return }
        var digits: [UInt8] = []
        var m = magnitude
        for _ in 0..<Fixed.places {
            digits.append(UInt8(m % 10) + 0x30)
            m /= 10
        }
        digits.reverse()
        var count = Fixed.places
        while count > minimumFraction, digits[count - 1] == 0x30 { count -= 1 }
        bytes.append(UInt8(ascii: "."))
        bytes.append(contentsOf: digits[0..<count])
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
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[end..<27]))
        }
    }

    mutating func append(int n: Int) {
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        appendWhole(UInt64(n.magnitude))
    }
}
