// The language server (`dealrules lsp`) in this process, over pipes, as an editor drives it, on
// the 10,000-rule workspace (one 856 KB rule file):
//
// - lsp edit 10000:        one character typed in the middle of the rule file (a typo, then its
//                          fix), until its diagnostics are published; the server idle before
//                          each edit (a pause of 0.3 s, as between keystrokes)
// - lsp burst 10000:       the same, each edit sent as soon as the one before has its
//                          diagnostics (the server still indexing the one before)
// - lsp completion 10000:  completion after `when ` in that file, until the answer
//
// docs/editors.md gives the figures.

import Benchmark
import DealRulesLSP  // its one public type, `LanguageServer`; the client speaks JSON through Foundation
import Foundation

/// A client of a `LanguageServer` running on a thread of this process.
final class EditorClient: @unchecked Sendable {
    private let toServer = Pipe()
    private let fromServer = Pipe()
    private var buffer: [UInt8] = []
    private var id = 0
    var version = 1

    init() {
        let input = toServer.fileHandleForReading.fileDescriptor, output = fromServer.fileHandleForWriting.fileDescriptor
        let thread = Thread { _ = LanguageServer(input: input, output: output).run() }
        thread.stackSize = 8 << 20
        thread.start()
    }

    func send(_ message: [String: Any]) {
        let body = [UInt8](try! JSONSerialization.data(withJSONObject: message))
        toServer.fileHandleForWriting.write(Data(Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body))
    }

    func request(_ method: String, _ params: [String: Any]) -> [String: Any] {
        id += 1
        send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        return wait { $0["id"] as? Int == self.id }
    }

    func notify(_ method: String, _ params: [String: Any]) {
        send(["jsonrpc": "2.0", "method": method, "params": params])
    }

    /// Reads messages until one satisfies `match`.
    @discardableResult
    func wait(_ match: ([String: Any]) -> Bool) -> [String: Any] {
        while true {
            if let end = buffer.indices.dropLast(3).first(where: { buffer[$0] == 13 && buffer[$0 + 1] == 10 && buffer[$0 + 2] == 13 && buffer[$0 + 3] == 10 }) {
                let n = Int(String(decoding: buffer[16..<end], as: UTF8.self))!
                if buffer.count >= end + 4 + n {
                    let message = try! JSONSerialization.jsonObject(with: Data(buffer[(end + 4)..<(end + 4 + n)])) as! [String: Any]
                    buffer.removeFirst(end + 4 + n)
                    if match(message) { return message }
                    continue
                }
            }
            buffer += fromServer.fileHandleForReading.availableData
        }
    }
}

nonisolated(unsafe) var editor: (client: EditorClient, uri: String, line: Int)?

/// The server, initialized on the 10,000-rule workspace with its rule file open.
func editorSession() -> (client: EditorClient, uri: String, line: Int) {
    if let editor { return editor }
    let client = EditorClient()
    let root = rulesPath(10000)
    _ = client.request("initialize", ["capabilities": [String: Any](), "rootUri": URL(fileURLWithPath: root).absoluteString])
    client.notify("initialized", [:])
    let file = root + "/rules.rules"
    let text = try! String(contentsOfFile: file, encoding: .utf8)
    let uri = URL(fileURLWithPath: file).absoluteString
    client.notify("textDocument/didOpen", ["textDocument": ["uri": uri, "languageId": "dealrules", "version": 1, "text": text]])
    // A line in the middle that starts a rule, and a line to complete on.
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let line = (lines.count / 2..<lines.count).first { lines[$0].hasPrefix("rule ") }!
    editor = (client, uri, line)
    return editor!
}

func lspBenchmarks() {
    for (name, pause) in [("lsp edit 10000", 0.3), ("lsp burst 10000", 0.0)] {
        Benchmark(name, configuration: .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 100)) { benchmark in
            let (client, uri, line) = editorSession()
            for _ in benchmark.scaledIterations {
                if pause > 0 { Thread.sleep(forTimeInterval: pause) }
                client.version += 1
                let typo = client.version % 2 == 0
                let range: [String: Any] = ["start": ["line": line, "character": 0], "end": ["line": line, "character": typo ? 0 : 1]]
                benchmark.startMeasurement()
                client.notify("textDocument/didChange", [
                    "textDocument": ["uri": uri, "version": client.version],
                    "contentChanges": [["range": range, "text": typo ? "X" : ""]]])
                let version = client.version
                client.wait { m in
                    let params = m["params"] as? [String: Any]
                    return m["method"] as? String == "textDocument/publishDiagnostics" && params?["uri"] as? String == uri
                        && params?["version"] as? Int == version
                }
                benchmark.stopMeasurement()
            }
        }
    }
    Benchmark("lsp completion 10000", configuration: .init(metrics: [.wallClock], maxDuration: .seconds(5), maxIterations: 1000)) { benchmark in
        let (client, uri, line) = editorSession()
        let at: [String: Any] = ["textDocument": ["uri": uri], "position": ["line": line + 1, "character": 12]]
        for _ in benchmark.scaledIterations {
            blackHole(client.request("textDocument/completion", at))
        }
    }
}
