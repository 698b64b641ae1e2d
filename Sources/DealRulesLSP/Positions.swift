import DealRules
/// The protocol counts positions in lines and UTF-16 code units (its default encoding); the
/// library counts UTF-8 bytes. A `LineMap` converts between the two for one text.
package struct LineMap: Sendable {
    package let bytes: [UInt8]
    /// Byte offset of each line's first byte.
    private let starts: [Int]

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.starts = starts
    }

    package init(_ text: String) { self.init(Array(text.utf8)) }

    /// The protocol's position of a byte offset (clamped to the text).
    package func position(of offset: Int) -> (line: Int, character: Int) {
        let offset = max(0, min(offset, bytes.count))
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        var units = 0
        var i = starts[lo]
        while i < offset {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
            units += length == 4 ? 2 : 1
            i += length
        }
        return (lo, units)
    }

    /// The byte offset of a protocol position. A line past the end is the end of the text; a
    /// character past the end of its line is the end of the line (as the protocol says).
    package func offset(line: Int, character: Int) -> Int {
        guard line >= 0 else { return 0 }
        guard line < starts.count else { return bytes.count }
        var end = line + 1 < starts.count ? starts[line + 1] - 1 : bytes.count
        if end > starts[line], bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        var i = starts[line]
        var units = 0
        while i < end, units < character {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
            units += length == 4 ? 2 : 1
            i += length
        }
        return min(i, end)
    }

    /// `{"line": L, "character": C}`
    package func json(_ offset: Int) -> JSON {
        let p = position(of: offset)
        return .object([("line", JSON(p.line)), ("character", JSON(p.character))])
    }

    /// `{"start": …, "end": …}` of a byte range.
    package func json(_ start: Int, _ end: Int) -> JSON {
        .object([("start", json(start)), ("end", json(end))])
    }

    /// The byte offset a `Position` object names (nil when it is not one).
    package func offset(_ position: JSON?) -> Int? {
        guard let line = position?["line"]?.int, let character = position?["character"]?.int else { return nil }
        return offset(line: line, character: character)
    }
}

/// `file:///a/b%20c.rules` ↔ `/a/b c.rules`.
package enum FileURI {
    package static func path(_ uri: String) -> String? {
        guard uri.hasPrefix("file://") else { return nil }
        var rest = Array(uri.utf8.dropFirst("file://".count))
        // `file://localhost/…` names the same file as `file:///…`.
        if rest.starts(with: Array("localhost".utf8)) { rest.removeFirst("localhost".utf8.count) }
        guard rest.first == UInt8(ascii: "/") else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < rest.count {
            if rest[i] == UInt8(ascii: "%"), i + 2 < rest.count, let h = hex(rest[i + 1]), let l = hex(rest[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(rest[i])
                i += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    package static func uri(_ path: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = Array("file://".utf8)
        for b in path.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(b)
            default:
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
