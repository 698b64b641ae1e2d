import DealRules
import DealRulesLSP
import Foundation

/// The package's root folder.
let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func path(_ relative: String) -> String { packageRoot.appendingPathComponent(relative).path }

/// A `LanguageServer` in this process, over two pipes: what the test writes is the server's
/// stdin, and everything the server writes is read back and must be protocol messages only.
final class Session: @unchecked Sendable {
    let toServer = Pipe()
    let fromServer = Pipe()
    private var buffer: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)
    private(set) var status: Int32?
    private var nextID = 1

    /// Every session's pipes, kept open until the process ends: a server's reading thread may
    /// still be about to read when its test is over, and a closed descriptor's number is soon
    /// given to another test's pipe, whose messages it would then take.
    nonisolated(unsafe) private static var pipes: [Pipe] = []
    private static let pipesLock = NSLock()

    /// Starts the server; `before` is written to its input first, in one piece.
    init(before: [UInt8] = []) {
        Self.pipesLock.withLock { Self.pipes += [toServer, fromServer] }
        if !before.isEmpty { toServer.fileHandleForWriting.write(Data(before)) }
        let input = toServer.fileHandleForReading.fileDescriptor, output = fromServer.fileHandleForWriting.fileDescriptor
        let thread = Thread { [self] in
            status = LanguageServer(input: input, output: output).run()
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    static func frame(_ message: JSON) -> [UInt8] {
        let body = Array(message.text.utf8)
        return Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    func write(_ bytes: [UInt8]) { toServer.fileHandleForWriting.write(Data(bytes)) }

    func send(_ message: JSON) { write(Self.frame(message)) }

    /// Sends a request; its id.
    @discardableResult
    func request(_ method: String, _ params: JSON = .null) -> Int {
        nextID += 1
        send(.object([("jsonrpc", "2.0"), ("id", JSON(nextID)), ("method", .string(method)), ("params", params)]))
        return nextID
    }

    func notify(_ method: String, _ params: JSON = .null) {
        send(.object([("jsonrpc", "2.0"), ("method", .string(method)), ("params", params)]))
    }

    /// The next message from the server (nil at the end of its output); anything that is not a
    /// well-framed JSON message fails the test through `Issue.record` in the caller.
    func next() throws -> JSON? {
        while true {
            if let headerEnd = find(Array("\r\n\r\n".utf8)) {
                let header = String(decoding: buffer[..<headerEnd], as: UTF8.self)
                guard header.hasPrefix("Content-Length: "), let n = Int(header.dropFirst("Content-Length: ".count)) else {
                    throw NotAMessage(header: header)
                }
                if buffer.count >= headerEnd + 4 + n {
                    let body = Array(buffer[(headerEnd + 4)..<(headerEnd + 4 + n)])
                    buffer.removeFirst(headerEnd + 4 + n)
                    return try JSON.parse(body)
                }
            }
            let more = fromServer.fileHandleForReading.availableData
            if more.isEmpty { return nil }
            buffer += more
        }
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        for i in 0...(buffer.count - needle.count) where buffer[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }

    /// The answer to request `id` (notifications before it are kept in `notifications`).
    func answer(_ id: Int) throws -> JSON? {
        while let m = try next() {
            if m["id"] == JSON(id), m["method"] == nil { return m }
            notifications.append(m)
        }
        return nil
    }

    var notifications: [JSON] = []

    /// Waits for a notification that satisfies `match`.
    func notification(_ match: (JSON) -> Bool) throws -> JSON? {
        if let i = notifications.firstIndex(where: match) { return notifications.remove(at: i) }
        while let m = try next() {
            if match(m) { return m }
            notifications.append(m)
        }
        return nil
    }

    /// Closes the server's input and waits for it to stop; its exit status.
    func finish() -> Int32? {
        try? toServer.fileHandleForWriting.close()
        _ = done.wait(timeout: .now() + 20)
        // What the server wrote can now be read to its end.
        try? fromServer.fileHandleForWriting.close()
        return status
    }

    func initialize(root: String? = nil, options: JSON? = nil) throws -> JSON? {
        let id = request("initialize", .object([("processId", .null), ("capabilities", .object([])),
                                                  ("rootUri", root.map { .string(FileURI.uri($0)) } ?? .null)]
                                                 + (options.map { [("initializationOptions", $0)] } ?? [])))
        let reply = try answer(id)
        notify("initialized", .object([]))
        return reply
    }

    func open(_ file: String, text: String) {
        notify("textDocument/didOpen", .object([("textDocument", .object([
            ("uri", .string(FileURI.uri(file))), ("languageId", "dealrules"), ("version", 1), ("text", .string(text))]))]))
    }
}

/// The error code of an answer, if it is an error.
func errorCode(_ answer: JSON?) -> Int? { answer?["error"]?["code"]?.int }

/// A protocol position `{line, character}`.
func position(_ line: Int, _ character: Int) -> JSON { .object([("line", JSON(line)), ("character", JSON(character))]) }

struct NotAMessage: Error { let header: String }
