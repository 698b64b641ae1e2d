import DealRules
import DealRulesCommandLine

import Glibc

struct InputError: Error {
    let message: String
}

/// Reads a whole file (or stdin for `-`), refusing more than `limit` bytes.
func readInput(_ path: String, limit: Int) throws -> [UInt8] {
    let fd = path == "-" ? 0 : open(path, O_RDONLY)
    guard fd >= 0 else {
        throw InputError(message: "cannot read `\(path)`: \(String(cString: strerror(errno)))")
    }
    defer { if fd != 0 { close(fd) } }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw InputError(message: "cannot read `\(path)`: \(String(cString: strerror(errno)))")
        }
        if n == 0 { break }
        bytes += chunk[0..<n]
        if bytes.count > limit {
            throw InputError(message: "`\(path)` is more than \(limit) bytes; raise the limit with --max-deal-bytes")
        }
    }
    return bytes
}

/// Reads lines in bounded memory: blank lines, CRLF and a leading BOM are accepted; a line
/// longer than the limit is reported and skipped without being held.
struct LineReader {
    enum Line {
        case text(ArraySlice<UInt8>)
        case blank
        case tooLong(Int)
    }

    private let fd: Int32
    private let maxLine: Int
    private var buffer: [UInt8] = []
    /// What one read fills, kept from read to read.
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var atEnd = false
    private var first = true
    private(set) var failure: String?

    init(path: String, maxLine: Int) throws {
        fd = path == "-" ? 0 : open(path, O_RDONLY)
        guard fd >= 0 else {
            throw InputError(message: "cannot read `\(path)`: \(String(cString: strerror(errno)))")
        }
        self.maxLine = maxLine
    }

    private mutating func fill() {
        newline = nil
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
                atEnd = true
                return
            }
            if n == 0 {
                atEnd = true
                if fd != 0 { close(fd) }
                return
            }
            buffer += chunk[0..<n]
            return
        }
    }

    /// Where the next line break is, from `start` (found once, used by both functions below).
    private var newline: Int?

    private mutating func findNewline() -> Int? {
        if let newline { return newline }
        let from = start, count = buffer.count - start
        guard count > 0 else { return nil }
        let found = buffer.withUnsafeBufferPointer { b -> Int? in
            guard let p = memchr(b.baseAddress! + from, 0x0A, count) else { return nil }
            return UnsafeRawPointer(p) - UnsafeRawPointer(b.baseAddress!)
        }
        newline = found
        return found
    }

    /// Whether `next()` can answer without waiting for more input: a whole line is buffered,
    /// or the input is at its end, or more of it is ready to read (always, for a file).
    mutating func canReadWithoutWaiting() -> Bool {
        if atEnd || buffer.count - start > maxLine || findNewline() != nil { return true }
        var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&ready, 1, 0) > 0
    }

    mutating func next() -> Line? {
        while true {
            if let nl = findNewline() {
                let line = buffer[start..<nl]
                start = nl + 1
                newline = nil
                return classify(line)
            }
            if buffer.count - start > maxLine {
                // Too long: drop it, up to its end.
                var dropped = buffer.count - start
                start = buffer.count
                while !atEnd {
                    fill()
                    if let nl = findNewline() {
                        dropped += nl - start
                        start = nl + 1
                        newline = nil
                        return .tooLong(dropped)
                    }
                    dropped += buffer.count - start
                    start = buffer.count
                }
                return .tooLong(dropped)
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                return classify(line)
            }
            fill()
        }
    }

    private mutating func classify(_ line: ArraySlice<UInt8>) -> Line {
        defer { first = false }
        return DealBatch.jsonlContent(line, first: first).map(Line.text) ?? .blank
    }
}

/// Writes a file whole: a temporary file beside it, then renamed over it.
func writeFile(_ text: String, to path: String) throws {
    try writeAtomically(Array(text.utf8), to: path)
}
