import Glibc

/// What a line editor gives back.
public enum LineInput: Sendable, Equatable {
    case line(String)
    /// Ctrl-C: the line is discarded.
    case interrupted
    /// Ctrl-D on an empty line, or the end of piped input.
    case endOfInput
}

/// Reads lines, with or without editing. The loop only sees this protocol.
public protocol LineEditor: AnyObject {
    func readLine(prompt: String) -> LineInput
    /// Keeps an entry for recall (Up) and in the history file.
    func remember(_ entry: String)
    func write(_ text: String)
}

/// Lines from a pipe or a file: no prompt, no editing, no escape codes.
public final class PlainLineReader: LineEditor {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var atEnd = false

    public init(fd: Int32 = 0) {
        self.fd = fd
    }

    public func readLine(prompt: String) -> LineInput {
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return .line(String(decoding: line, as: UTF8.self))
            }
            if atEnd {
                guard !buffer.isEmpty else { return .endOfInput }
                let line = String(decoding: buffer, as: UTF8.self)
                buffer = []
                return .line(line)
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 {
                atEnd = true
            } else {
                buffer += chunk[0..<n]
                if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { buffer.removeFirst(3) }
            }
        }
    }

    public func remember(_ entry: String) {}

    public func write(_ text: String) {
        writeOut(text)
    }
}

/// Writes all of `text` to standard output, unbuffered.
func writeOut(_ text: String) {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        if n < 0, errno == EINTR { continue }
        if n <= 0 { return }
        offset += n
    }
}
