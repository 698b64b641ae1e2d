import Glibc

/// A rule file's text, kept as UTF-8 bytes for the lexer, with the line table that turns a
/// byte offset into a line and column when (and only when) a message is shown.
package final class SourceFile: Sendable {
    /// The path shown in messages and rule names: relative to the rule set's root.
    package let path: String
    /// The absolute path on disk, or nil for text that never was a file (the REPL, a string).
    package let absolutePath: String?
    package let bytes: [UInt8]
    /// Whether a diagnostic shows the line it points at under its heading: for rule files and
    /// what is typed, not (yet) for a deal's JSON.
    package let showsExcerpts: Bool
    /// Byte offset of the first byte of each line.
    private let lineStarts: [Int]

    package init(path: String, absolutePath: String? = nil, bytes: [UInt8], showsExcerpts: Bool = true) {
        self.path = path
        self.absolutePath = absolutePath
        self.showsExcerpts = showsExcerpts
        // A leading byte-order mark is not part of the text.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            self.bytes = Array(bytes.dropFirst(3))
        } else {
            self.bytes = bytes
        }
        var starts = [0]
        self.bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return }
            var at = 0
            while at < b.count, let found = memchr(base + at, 0x0A, b.count - at) {
                at = base.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
                starts.append(at)
            }
        }
        self.lineStarts = starts
    }

    /// The same file as another object: its text and line table are shared, not copied.
    ///
    /// For the threads that check a large rule set's parts: everything made from a rule (its
    /// scope, its diagnostics, its location) holds its file, and when every part held the same
    /// object, both threads counted references on one piece of memory, which the two processors
    /// then passed back and forth. Files are compared by path, never by identity
    /// (`SourceLocation.==`).
    private init(copying other: SourceFile) {
        path = other.path
        absolutePath = other.absolutePath
        bytes = other.bytes
        showsExcerpts = other.showsExcerpts
        lineStarts = other.lineStarts
    }

    /// Another object for the same file (see `init(copying:)`).
    func copy() -> SourceFile { SourceFile(copying: self) }

    /// Whether `bytes` are UTF-8: rule files, catalogs and deals' JSON text alike (other bytes
    /// are an error, never silently replaced). ASCII, the usual case, is checked eight bytes at
    /// a time; from the first other byte on, the standard library validates.
    static func isUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = UnsafeRawPointer(bytes.baseAddress) else { return true }
        var i = 0
        while i + 8 <= bytes.count, base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            i += 8
        }
        while i < bytes.count, bytes[i] < 0x80 { i += 1 }
        return i == bytes.count || String(validating: UnsafeBufferPointer(rebasing: bytes[i...]), as: UTF8.self) != nil
    }

    static func isUTF8(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer { isUTF8($0) } }

    package convenience init(path: String, absolutePath: String? = nil, text: String) {
        self.init(path: path, absolutePath: absolutePath, bytes: Array(text.utf8))
    }

    package var lineCount: Int { lineStarts.count }

    /// The text between two byte offsets (clamped to the file).
    package func text(_ start: Int, _ end: Int) -> String {
        let s = max(0, min(start, bytes.count)), e = max(s, min(end, bytes.count))
        return String(decoding: bytes[s..<e], as: UTF8.self)
    }

    package func text(of range: SourceRange) -> String { text(Int(range.start), Int(range.end)) }

    /// 1-based line and column; the column counts Unicode characters, not bytes.
    package func position(of offset: Int) -> (line: Int, column: Int) {
        let offset = max(0, min(offset, bytes.count))
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        let prefix = bytes[lineStarts[lo]..<offset]
        if prefix.allSatisfy({ $0 < 0x80 }) { return (lo + 1, prefix.count + 1) }
        return (lo + 1, String(decoding: prefix, as: UTF8.self).count + 1)
    }

    /// The text of a 1-based line, without its line break.
    package func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    /// `FILE:LINE:COL` for an offset: how outcomes name where their rule is.
    package func locationString(of offset: Int) -> String {
        let (line, column) = position(of: offset)
        return "\(path):\(line):\(column)"
    }
}

/// A half-open range of UTF-8 offsets in one source file.
package struct SourceRange: Hashable, Sendable {
    package var start: Int32
    package var end: Int32

    package init(_ start: Int, _ end: Int) {
        self.start = Int32(clamping: start)
        self.end = Int32(clamping: max(start, end))
    }

    package static let empty = SourceRange(0, 0)

    package func union(_ other: SourceRange) -> SourceRange {
        SourceRange(Int(min(start, other.start)), Int(max(end, other.end)))
    }

    /// An empty range just after this one: where a missing token would have been.
    package var after: SourceRange { SourceRange(Int(end), Int(end)) }
}
