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

/// Reads a JSONL stream into batches in bounded memory, straight into each batch's bytes (one
/// copy, the kernel's): blank lines, CRLF and a leading BOM are accepted; a line longer than
/// the limit is reported in its place and skipped without being held.
struct BatchReader {
    private let fd: Int32
    private let maxLine: Int
    /// Whether `fd` is a regular file (always ready to read: no need to ask `poll`).
    private let regular: Bool
    /// Whether the input has ended (or failed: see `failure`).
    private(set) var atEnd = false
    private(set) var failure: String?
    /// Whether no line has been finished yet (the first may start with a BOM).
    private var first = true
    /// Where the unfinished line starts in the batch being filled.
    private var lineStart = 0
    /// While a line too long to read is skipped: its bytes so far.
    private var skipped: Int?
    /// The unfinished line at the end of the last batch, the start of the next.
    private var carry = DealBatch()

    /// What one `read` asks for.
    static let readSize = 1 << 16

    init(path: String, maxLine: Int) throws {
        fd = path == "-" ? 0 : open(path, O_RDONLY)
        guard fd >= 0 else {
            throw InputError(message: "cannot read `\(path)`: \(String(cString: strerror(errno)))")
        }
        self.maxLine = maxLine
        var info = stat()
        regular = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Whether `fill` can go on without waiting: the input has ended, or more of it is ready.
    var canReadWithoutWaiting: Bool { atEnd || ready() }

    /// Whether more input can be read without waiting (always, for a file).
    private func ready() -> Bool {
        if regular { return true }
        var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&ready, 1, 0) > 0
    }

    /// Reads into `batch` (empty) until it holds `lines` lines or `bytes` bytes, or the input
    /// ends, or, once it holds a line, no more input is ready (a tool that writes one deal and
    /// waits gets its answer at once). The unfinished line at its end is kept for the next.
    mutating func fill(_ batch: inout DealBatch, lines: Int, bytes: Int) {
        precondition(batch.isEmpty && batch.byteCount == 0, "fill an empty batch")
        swap(&batch, &carry)
        lineStart = 0
        while !atEnd, batch.count < lines, batch.byteCount < bytes, batch.isEmpty || ready() {
            let n = batch.read(from: fd, upTo: Self.readSize)
            if n < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
                atEnd = true
            } else if n == 0 {
                atEnd = true
                if fd != 0 { close(fd) }
            } else {
                mark(&batch, read: n)
            }
        }
        if atEnd {
            if let n = skipped {
                batch.appendTooLong(bytes: n + batch.byteCount - lineStart)
                batch.dropTail(from: lineStart)
                skipped = nil
            } else {
                batch.markLastLine(from: lineStart, first: first)
            }
            lineStart = batch.byteCount
        }
        batch.moveTail(from: lineStart, to: &carry)
    }

    /// Marks the lines that the `n` bytes just read finish.
    private mutating func mark(_ batch: inout DealBatch, read n: Int) {
        var from = batch.byteCount - n
        if let dropped = skipped {
            // Skipping a line too long to read, up to its line break.
            guard let nl = batch.firstLineBreak(from: from) else {
                skipped = dropped + n
                batch.dropTail(from: from)
                return
            }
            batch.appendTooLong(bytes: dropped + nl - from)
            skipped = nil
            first = false
            from = nl + 1
            lineStart = from
        }
        let next = batch.markLines(from: lineStart, first: first)
        if next > lineStart { first = false }
        lineStart = next
        if batch.byteCount - lineStart > maxLine {
            skipped = batch.byteCount - lineStart
            batch.dropTail(from: lineStart)
        }
    }
}

/// Writes a file whole: a temporary file beside it, then renamed over it.
func writeFile(_ text: String, to path: String) throws {
    try writeAtomically(Array(text.utf8), to: path)
}
