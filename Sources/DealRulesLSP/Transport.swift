import DealRules
import Glibc

/// The protocol's framing over a pair of file descriptors: each message is a header
/// (`Content-Length: N`, optionally `Content-Type`, each line ended by CRLF), an empty line,
/// then N bytes of JSON. Only protocol messages are ever written to the output.
package final class Transport: @unchecked Sendable {
    /// A message larger than this is refused (its bytes are skipped) rather than buffered.
    package static let maxMessageBytes = 64 << 20

    package enum Incoming: Sendable {
        case message([UInt8])
        /// A header that cannot be read: the stream cannot be trusted any further.
        case broken(String)
        /// A message too large to read: it was skipped.
        case tooLarge(Int)
        case end
    }

    private let input: Int32
    private let output: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var lock = pthread_mutex_t()

    package init(input: Int32 = 0, output: Int32 = 1) {
        self.input = input
        self.output = output
        pthread_mutex_init(&lock, nil)
    }

    /// Reads more bytes into the buffer; false at the end of the input.
    private func fill() -> Bool {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
    }

    /// The next message from the input (call from one thread only). With `wait` false, only a
    /// message already read whole: nil when reading one would wait for the input.
    package func next(wait: Bool = true) -> Incoming? {
        let from = start
        // The header: lines up to an empty one.
        var length: Int?
        while true {
            guard let lineEnd = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                if buffer.count - start > 8192 { return .broken("a header line longer than 8 KiB") }
                guard wait else {
                    start = from
                    return nil
                }
                guard fill() else { return .end }
                continue
            }
            var line = buffer[start..<lineEnd]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            start = lineEnd + 1
            if line.isEmpty {
                if length == nil { continue }  // blank lines between messages are tolerated
                break
            }
            let text = String(decoding: line, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { return .broken("a header line without `:`: \(text)") }
            let name = text[..<colon].lowercased()
            let value = text[text.index(after: colon)...].trimmingSpaces
            if name == "content-length" {
                guard let n = Int(value), n >= 0 else { return .broken("a bad Content-Length: \(value)") }
                length = n
            }
        }
        guard let length else { return .broken("a message without Content-Length") }
        if length > Self.maxMessageBytes {
            var left = length
            while left > 0 {
                if start == buffer.count, !fill() { return .end }
                let take = min(left, buffer.count - start)
                start += take
                left -= take
            }
            return .tooLarge(length)
        }
        while buffer.count - start < length {
            guard wait else {
                start = from
                return nil
            }
            guard fill() else { return .end }
        }
        let body = Array(buffer[start..<start + length])
        start += length
        return .message(body)
    }

    /// Writes one message (from any thread: messages never interleave).
    package func send(_ message: JSON) {
        var body: [UInt8] = []
        message.write(to: &body)
        let bytes = Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(output, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }  // the client went away: nothing more to say
            sent += n
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
