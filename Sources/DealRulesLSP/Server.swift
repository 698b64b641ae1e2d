import DealRules
import Glibc

/// `dealrules lsp`: a Language Server Protocol server over stdin and stdout (docs/editors.md).
///
/// One thread reads messages, the main loop answers them in order, and a worker checks and
/// analyses (`CheckWorker`), so that an edit is answered at once and its diagnostics follow
/// when the check is done. Answers use the index of the last check, with each open file's own
/// index brought up to date on every edit.
public final class LanguageServer {
    enum Event: Sendable {
        case incoming(Transport.Incoming)
        /// A check's diagnostics, before its index and scenarios.
        case diagnosed(CheckResult)
        case checked(CheckResult)
        case analysed(AnalysisResult)
    }

    /// How long typing must pause before the analysis runs (it also runs on save).
    static let analysisPause = 0.6

    let transport: Transport
    let events = EventQueue<Event>()
    private var worker: CheckWorker!
    /// Request ids the client cancelled before they were answered.
    private let cancelled = CancelledRequests()

    // Lifecycle (per the specification: initialize, initialized, …, shutdown, exit).
    private var initialized = false
    private var shuttingDown = false

    /// The folders (or files) loaded as rule sets: the workspace folders, or those the client
    /// names in `initializationOptions.ruleSets`.
    var ruleSets: [String] = []
    var documents: [String: Document] = [:]
    var workspace = WorkspaceIndex()
    var generation = 0
    private(set) var lastCheck: CheckResult?
    /// The diagnostics of the newest check (published before its index is ready).
    private var diagnosed: CheckResult?
    var lastCheckResult: CheckResult? { lastCheck }
    private var lastAnalysis: AnalysisResult?
    /// Published diagnostics by URI, to send only what changed (and clear what went away).
    private var published: [String: JSON] = [:]
    private var firstCheck: CheckResult?
    /// When typing paused: the analysis of the current generation is due at this time.
    private var analysisDue: Double?

    /// A server reading messages from `input` and writing its own to `output` (stdin and stdout).
    public init(input: Int32 = 0, output: Int32 = 1) {
        transport = Transport(input: input, output: output)
        let events = self.events
        worker = CheckWorker(diagnosticsDone: { events.post(.diagnosed($0)) }, checkDone: { events.post(.checked($0)) },
                             analysisDone: { events.post(.analysed($0)) })
    }

    /// Serves until `exit` (or the end of the input); the process's exit status per the
    /// specification: 0 after `shutdown`, 1 otherwise.
    public func run() -> Int32 {
        let transport = self.transport
        let events = self.events
        let cancelled = self.cancelled
        startThread {
            while true {
                // Every message already read is looked at before any is handed on, so that a
                // cancellation sent right after its request is seen before the request is answered.
                var batch = [transport.next()!]
                while case .message = batch.last!, let more = transport.next(wait: false) { batch.append(more) }
                for incoming in batch {
                    if case .message(let bytes) = incoming, let message = try? JSON.parse(bytes),
                       message["method"]?.string == "$/cancelRequest", let id = message["params"]?["id"] {
                        cancelled.add(id)
                    }
                }
                for incoming in batch { events.post(.incoming(incoming)) }
                switch batch.last! {
                case .end, .broken: return
                case .message, .tooLarge: break
                }
            }
        }
        while true {
            guard let event = events.take(until: analysisDue) else {
                // Typing paused: analyse what was last checked.
                analysisDue = nil
                worker.analyse(generation: generation)
                continue
            }
            if let status = process(event) { return status }
        }
    }

    /// Handles one event; a status when the server is to stop.
    private func process(_ event: Event) -> Int32? {
        switch event {
        case .incoming(.message(let bytes)):
            return handle(bytes)
        case .incoming(.tooLarge(let n)):
            send(error: nil, code: -32600, "a message of \(n) bytes is larger than the limit (\(Transport.maxMessageBytes))")
        case .incoming(.broken(let why)):
            // Said to the client, and on stderr for a person who started it by hand.
            let message = "the input cannot be read any further: \(why)"
            log(message)
            traceLine("dealrules lsp: error: \(message)\n  = help: `dealrules lsp` is started by an editor and reads Language Server Protocol messages (docs/editors.md)\n")
            return shuttingDown ? 0 : 1
        case .incoming(.end):
            return shuttingDown ? 0 : 1
        case .diagnosed(let result):
            guard result.generation == generation else { return nil }
            diagnosed = result
            publishDiagnostics()
        case .checked(let result):
            guard result.generation == generation else { return nil }
            apply(result)
        case .analysed(let result):
            guard result.generation == generation else { return nil }
            lastAnalysis = result
            publishDiagnostics()
        }
        return nil
    }

    /// Waits for the check of what the server has now, and handles its results (for the fuzz
    /// harness, which calls `handle` directly instead of `run`).
    package func settle() {
        let due = now() + 10
        while lastCheck?.generation != generation || diagnosed?.generation != generation, let event = events.take(until: due) {
            _ = process(event)
        }
        while let event = events.take(until: 0) { _ = process(event) }
    }

    /// Closes every open file but `uri` (for the fuzz harness: each input starts from the same state).
    package func closeAll(except uri: String) {
        documents = documents.filter { $0.key == uri }
    }

    // MARK: Messages

    /// Handles one message; a status when the server is to stop.
    package func handle(_ bytes: [UInt8]) -> Int32? {
        let message: JSON
        do {
            message = try JSON.parse(bytes)
        } catch {
            send(error: .null, code: -32700, "the message is not JSON: \(error.message) at byte \(error.offset)")
            return nil
        }
        guard case .object = message else {
            send(error: .null, code: -32600, "a message is a JSON object")
            return nil
        }
        let id = message["id"]
        guard let method = message["method"]?.string else {
            // A response to a request of ours (none is sent that needs its answer).
            if id == nil { send(error: .null, code: -32600, "a message needs a `method`, or an `id` to answer") }
            return nil
        }
        let params = message["params"] ?? .null
        if method == "exit" { return shuttingDown ? 0 : 1 }
        guard let id else {
            notification(method, params)
            return nil
        }
        if cancelled.take(id) {
            send(error: id, code: -32800, "the request was cancelled")
            return nil
        }
        if !initialized, method != "initialize" {
            send(error: id, code: -32002, "the server is not initialized: send `initialize` first")
            return nil
        }
        if shuttingDown {
            send(error: id, code: -32600, "the server is shutting down: only `exit` is accepted")
            return nil
        }
        do {
            send(result: id, try request(method, params))
        } catch {
            send(error: id, code: error.code, error.message)
        }
        // The first check ran before `initialize` was answered (so that the first completion
        // already knows the workspace); its diagnostics may be sent only now.
        if let first = firstCheck {
            firstCheck = nil
            apply(first)
        }
        return nil
    }

    struct RequestError: Error {
        var code: Int
        var message: String
        static func invalidParams(_ message: String) -> RequestError { RequestError(code: -32602, message: message) }
    }

    func request(_ method: String, _ params: JSON) throws(RequestError) -> JSON {
        switch method {
        case "initialize": return initialize(params)
        case "shutdown":
            shuttingDown = true
            return .null
        case "textDocument/completion": return try completion(params)
        case "textDocument/hover": return try hover(params)
        case "textDocument/definition": return try definition(params)
        case "textDocument/references": return try references(params)
        case "textDocument/documentSymbol": return try documentSymbols(params)
        case "workspace/symbol": return workspaceSymbols(params)
        case "textDocument/formatting": return try formatting(params)
        case "textDocument/codeAction": return try codeActions(params)
        case "textDocument/codeLens": return try codeLenses(params)
        case "workspace/executeCommand": return try executeCommand(params)
        default: throw RequestError(code: -32601, message: "`\(method)` is not a method this server knows")
        }
    }

    func notification(_ method: String, _ params: JSON) {
        guard initialized || method == "initialized" else { return }
        switch method {
        case "initialized", "$/cancelRequest", "$/setTrace", "workspace/didChangeConfiguration": break
        case "textDocument/didOpen": didOpen(params)
        case "textDocument/didChange": didChange(params)
        case "textDocument/didSave":
            scheduleCheck()
            analysisDue = nil
            worker.analyse(generation: generation)
        case "textDocument/didClose": didClose(params)
        case "workspace/didChangeWatchedFiles": scheduleCheck()
        default: break  // notifications the server does not know are ignored, as the specification asks
        }
    }

    func initialize(_ params: JSON) -> JSON {
        initialized = true
        var folders: [String] = []
        for f in params["workspaceFolders"]?.array ?? [] {
            if let p = f["uri"]?.string.flatMap(FileURI.path) { folders.append(p) }
        }
        if folders.isEmpty, let p = params["rootUri"]?.string.flatMap(FileURI.path) { folders.append(p) }
        if folders.isEmpty, let p = params["rootPath"]?.string { folders.append(p) }
        if let named = params["initializationOptions"]?["ruleSets"]?.array {
            let base = folders.first ?? "."
            ruleSets = named.compactMap(\.string).map { $0.hasPrefix("/") ? $0 : base + "/" + $0 }.map(realPath)
        } else {
            ruleSets = folders.map(realPath).filter(hasRuleFiles)
        }
        let sync: JSON = object(("openClose", true), ("change", 2), ("save", object(("includeText", false))))
        let capabilities = object(
            ("textDocumentSync", sync),
            ("completionProvider", object(("triggerCharacters", [".", "\"", " ", "/"]))),
            ("hoverProvider", true),
            ("definitionProvider", true),
            ("referencesProvider", true),
            ("documentSymbolProvider", true),
            ("workspaceSymbolProvider", true),
            ("documentFormattingProvider", true),
            ("codeActionProvider", object(("codeActionKinds", ["quickfix"]))),
            ("codeLensProvider", object(("resolveProvider", false))),
            ("executeCommandProvider", object(("commands", [JSON.string(Self.runScenarioCommand)])))
        )
        generation += 1
        firstCheck = worker.load(Snapshot(generation: generation, ruleSets: ruleSets, open: [:]))
        analysisDue = now() + Self.analysisPause
        return object(("capabilities", capabilities),
                      ("serverInfo", object(("name", "dealrules"), ("version", .string(DealRulesVersion.string)))))
    }

    // MARK: Documents

    func didOpen(_ params: JSON) {
        guard let item = params["textDocument"], let uri = item["uri"]?.string, let text = item["text"]?.string else { return }
        let doc = Document(uri: uri, text: text, version: item["version"]?.int ?? 0, displayPath: displayPath)
        documents[uri] = doc
        if doc.isRules, workspace.files[key(doc)]?.source.bytes != doc.bytes { workspace.replace(doc.index) }
        scheduleCheck()
    }

    func didChange(_ params: JSON) {
        let t0 = now()
        defer { if trace { traceLine("didChange \(Int((now() - t0) * 1000)) ms\n") } }
        guard let uri = params["textDocument"]?["uri"]?.string, var doc = documents[uri] else { return }
        for change in params["contentChanges"]?.array ?? [] {
            guard let text = change["text"]?.string else { continue }
            if let range = change["range"], let start = doc.map.offset(range["start"]), let end = doc.map.offset(range["end"]) {
                doc.replace(start..<max(start, end), with: text)
            } else {
                doc.replace(0..<doc.bytes.count, with: text)
            }
        }
        doc.version = params["textDocument"]?["version"]?.int ?? doc.version + 1
        documents[uri] = doc
        // The check indexes the new text (it parses it anyway); until it is done, answers use
        // the index of the text before.
        scheduleCheck()
    }

    func didClose(_ params: JSON) {
        guard let uri = params["textDocument"]?["uri"]?.string else { return }
        documents[uri] = nil
        scheduleCheck()
    }

    /// Asks the worker for a check of what the editor has now; analysis follows a pause.
    func scheduleCheck() {
        generation += 1
        var open: [String: String] = [:]
        for doc in documents.values where doc.path != nil { open[doc.path!] = doc.text }
        worker.check(Snapshot(generation: generation, ruleSets: ruleSets, open: open))
        analysisDue = now() + Self.analysisPause
    }

    func apply(_ result: CheckResult) {
        let t0 = now()
        defer { if trace { traceLine("apply \(Int((now() - t0) * 1000)) ms\n") } }
        let published = diagnosed?.generation == result.generation
        lastCheck = result
        diagnosed = result
        workspace = WorkspaceIndex(files: result.indexes)
        for (uri, doc) in documents {
            if let index = workspace.files[key(doc)], index.source.bytes == doc.bytes {
                documents[uri]!.index = index
            } else if doc.isRules {
                // Not read by any rule set (not on disk yet): indexed on its own.
                documents[uri]!.reindex(displayPath: displayPath)
                workspace.replace(documents[uri]!.index)
            }
        }
        for d in result.general { log(DiagnosticRenderer().render([d])) }
        if !published { publishDiagnostics() }
    }

    /// How a file's path is shown: relative to the rule set (or workspace folder) holding it.
    func displayPath(_ absolute: String) -> String {
        for root in ruleSets where absolute.hasPrefix(root + "/") { return String(absolute.dropFirst(root.count + 1)) }
        return absolute.split(separator: "/").last.map(String.init) ?? absolute
    }

    func uri(of path: String) -> String {
        documents.values.first { $0.path == path }?.uri ?? FileURI.uri(path)
    }

    func document(_ params: JSON) throws(RequestError) -> Document {
        guard let uri = params["textDocument"]?["uri"]?.string else { throw .invalidParams("`textDocument.uri` is missing") }
        if let doc = documents[uri] { return doc }
        // A file the editor has not opened: read from disk.
        guard let path = FileURI.path(uri), let bytes = readFile(path) else {
            throw RequestError(code: -32803, message: "`\(uri)` is not open and cannot be read")
        }
        return Document(uri: uri, text: String(decoding: bytes, as: UTF8.self), version: 0, displayPath: displayPath)
    }

    // MARK: Diagnostics

    func publishDiagnostics() {
        guard let current = diagnosed else { return }
        var byPath = current.diagnostics
        if let analysis = lastAnalysis, analysis.generation == current.generation {
            for (path, found) in analysis.diagnostics { byPath[path, default: []] += found }
        }
        var now: [String: JSON] = [:]
        for (path, diagnostics) in byPath {
            let open = documents.values.first { $0.path == path }
            let map = diagnostics.first.map { d in open.flatMap { $0.bytes == d.location!.file.bytes ? $0.map : nil } ?? LineMap(d.location!.file.bytes) }
            now[uri(of: path)] = .array(diagnostics.sortedForEditor.map { lspDiagnostic($0, map!) })
        }
        for uri in Set(published.keys).subtracting(now.keys) { now[uri] = .array([]) }
        // A file with nothing to show that showed nothing before is not mentioned.
        for (uri, list) in now.sorted(by: { $0.key < $1.key }) where published[uri] != list && !(published[uri] == nil && list == .array([])) {
            let version = documents[uri].map { JSON($0.version) }
            notify("textDocument/publishDiagnostics", object(("uri", .string(uri)), ("version", version), ("diagnostics", list)))
        }
        published = now.filter { $0.value != .array([]) }
    }

    func lspDiagnostic(_ d: Diagnostic, _ map: LineMap) -> JSON {
        let range = d.location!.range
        let severity = switch d.severity {
        case .error: 1
        case .warning: 2
        case .note: 3
        }
        var related: [JSON] = []
        if let help = d.help {
            related.append(object(("location", location(d.location!)), ("message", .string("help: " + help))))
        }
        for n in d.notes {
            if let l = n.location { related.append(object(("location", location(l)), ("message", .string(n.message)))) }
        }
        let replacement = d.help.flatMap(Suggestions.suggestion(inHelp:))
        return object(
            ("range", map.json(Int(range.start), Int(range.end))),
            ("severity", JSON(severity)),
            ("code", .string(d.code.rawValue)),
            ("source", "dealrules"),
            ("message", .string(d.message)),
            ("relatedInformation", related.isEmpty ? nil : .array(related)),
            ("data", replacement.map { object(("replacement", .string($0))) })
        )
    }

    /// `{"uri": …, "range": …}` of a place in any file.
    func location(_ l: SourceLocation) -> JSON {
        location(path: l.file.absolutePath ?? l.path, bytes: l.file.bytes, Int(l.range.start), Int(l.range.end))
    }

    func location(path: String, bytes: [UInt8], _ start: Int, _ end: Int) -> JSON {
        let map = documents.values.first { $0.path == path }?.map ?? LineMap(bytes)
        return object(("uri", .string(uri(of: path))), ("range", map.json(start, end)))
    }

    // MARK: Sending

    func send(result id: JSON, _ result: JSON) {
        transport.send(object(("jsonrpc", "2.0"), ("id", id), ("result", result)))
    }

    func send(error id: JSON?, code: Int, _ message: String) {
        transport.send(object(("jsonrpc", "2.0"), ("id", id ?? .null),
                              ("error", object(("code", JSON(code)), ("message", .string(message))))))
    }

    func notify(_ method: String, _ params: JSON) {
        transport.send(object(("jsonrpc", "2.0"), ("method", .string(method)), ("params", params)))
    }

    /// A line in the client's log (never stdout outside a message).
    func log(_ message: String) {
        notify("window/logMessage", object(("type", 3), ("message", .string(message))))
    }
}

/// Ids of requests the client cancelled: the reading thread adds them as the cancellations
/// arrive, ahead of the main loop, which answers such a request with `RequestCancelled`.
final class CancelledRequests: @unchecked Sendable {
    private let monitor = Monitor()
    private var ids: Set<String> = []

    func add(_ id: JSON) { monitor.locked { _ = ids.insert(id.text) } }
    func take(_ id: JSON) -> Bool { monitor.locked { ids.remove(id.text) != nil } }
}

extension Array where Element == Diagnostic {
    /// By position; the library sorts by file first, which an editor does not need.
    var sortedForEditor: [Diagnostic] { sorted { ($0.location?.range.start ?? 0) < ($1.location?.range.start ?? 0) } }
}

func realPath(_ path: String) -> String {
    guard let r = realpath(path, nil) else { return normalize(path.hasPrefix("/") ? path : currentDirectory() + "/" + path) }
    defer { free(r) }
    return String(cString: r)
}

func currentDirectory() -> String {
    guard let cwd = getcwd(nil, 0) else { return "/" }
    defer { free(cwd) }
    return String(cString: cwd)
}

/// Whether a folder holds a rule file (at any depth), or is one.
func hasRuleFiles(_ path: String) -> Bool {
    if path.hasSuffix(".rules") { return true }
    var pending = [path]
    var seen = 0
    while let dir = pending.popLast(), seen < 10_000 {
        seen += 1
        guard let d = opendir(dir) else { continue }
        defer { closedir(d) }
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard !name.hasPrefix(".") else { continue }
            if name.hasSuffix(".rules") { return true }
            if entry.pointee.d_type == UInt8(DT_DIR) { pending.append(dir + "/" + name) }
        }
    }
    return false
}
