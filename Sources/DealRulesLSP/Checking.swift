import Glibc
import DealRules

/// What the editor has, at one moment: the rule sets to load and the text of every open file.
struct Snapshot: Sendable {
    var generation: Int
    /// Folders (or files) each loaded as one rule set, as `dealrules check` would.
    var ruleSets: [String]
    /// Open files by absolute (real) path: their text in the editor, saved or not.
    var open: [String: String]
}

/// A check of a snapshot: every diagnostic by file, the files read, and what the rules are
/// when they load.
struct CheckResult: Sendable {
    var generation: Int
    // Known as soon as the rules are loaded:
    /// By absolute path; files that were read and have no diagnostic have an empty list.
    var diagnostics: [String: [Diagnostic]] = [:]
    /// Diagnostics that name no file (a rule set folder with no rule file).
    var general: [Diagnostic] = []
    // Known once the files are indexed and the scenarios run:
    var indexes: [FileIndex] = []
    /// The loaded rule sets (those that load), by the folder or file they were loaded from.
    var ruleSets: [String: RuleSet] = [:]
    /// The scenarios' results, by the scenario's file and name.
    var scenarios: [ScenarioResult] = []
    /// False when the check stopped after its diagnostics, a newer one waiting.
    var complete = false
}

struct AnalysisResult: Sendable {
    var generation: Int
    var diagnostics: [String: [Diagnostic]]
}

/// Checks and analyses on a thread of its own, so that no edit waits for the check of the one
/// before: the newest snapshot replaces any still waiting, and analysis runs only when no
/// check is waiting.
final class CheckWorker: @unchecked Sendable {
    private let monitor = Monitor()
    private var waitingCheck: Snapshot?
    private var waitingAnalysis: Int?
    /// The last checked generation's rule sets (for the analysis).
    private var checked: (generation: Int, ruleSets: [RuleSet])?
    /// Indexes of files read before, reused while their bytes are the same.
    private var indexCache: [String: FileIndex] = [:]
    private let checkDone: @Sendable (CheckResult) -> Void
    private let diagnosticsDone: @Sendable (CheckResult) -> Void
    private let analysisDone: @Sendable (AnalysisResult) -> Void

    init(diagnosticsDone: @escaping @Sendable (CheckResult) -> Void, checkDone: @escaping @Sendable (CheckResult) -> Void,
         analysisDone: @escaping @Sendable (AnalysisResult) -> Void) {
        self.diagnosticsDone = diagnosticsDone
        self.checkDone = checkDone
        self.analysisDone = analysisDone
        startThread { [self] in run() }
    }

    func check(_ snapshot: Snapshot) {
        monitor.locked {
            waitingCheck = snapshot
            monitor.signal()
        }
    }

    func analyse(generation: Int) {
        monitor.locked {
            waitingAnalysis = generation
            monitor.signal()
        }
    }

    private enum Job { case check(Snapshot), analyse([RuleSet], Int) }

    private func run() {
        while true {
            let job: Job = monitor.locked {
                while true {
                    if let s = waitingCheck {
                        waitingCheck = nil
                        return .check(s)
                    }
                    if let g = waitingAnalysis, let c = checked, c.generation == g {
                        waitingAnalysis = nil
                        return .analyse(c.ruleSets, g)
                    }
                    monitor.wait(until: nil)
                }
            }
            switch job {
            case .check(let snapshot):
                let result = load(snapshot, diagnosed: diagnosticsDone)
                if result.complete { checkDone(result) }
            case .analyse(let sets, let generation):
                var found: [String: [Diagnostic]] = [:]
                for set in sets {
                    for d in set.analyze() where d.severity != .note {
                        guard let path = d.location?.file.absolutePath else { continue }
                        found[path, default: []].append(d)
                    }
                }
                analysisDone(AnalysisResult(generation: generation, diagnostics: found))
            }
        }
    }

    /// Loads each rule set, then each open file that none of them read (alone, as `check FILE`);
    /// gives the diagnostics to `diagnosed` as soon as they are known, then indexes the files
    /// and runs the scenarios. Runs on the worker's thread, or (the first check, before any job
    /// is given) on the caller's.
    func load(_ snapshot: Snapshot, diagnosed: ((CheckResult) -> Void)? = nil) -> CheckResult {
        var result = CheckResult(generation: snapshot.generation)
        var read: Set<String> = []
        var loads: [(path: String, result: EditorLoad)] = []
        let started = now()
        func load(_ path: String) {
            let loaded = RuleSet.loadForEditor(paths: [path], overrides: snapshot.open)
            for d in loaded.diagnostics {
                if let file = d.location?.file.absolutePath {
                    result.diagnostics[file, default: []].append(d)
                } else {
                    result.general.append(d)
                }
            }
            for tree in loaded.trees {
                guard let abs = tree.source.absolutePath else { continue }
                read.insert(abs)
                if result.diagnostics[abs] == nil { result.diagnostics[abs] = [] }
            }
            loads.append((path, loaded))
        }
        for path in snapshot.ruleSets { load(path) }
        for path in snapshot.open.keys.sorted() where !read.contains(path) && path.hasSuffix(".rules") { load(path) }
        let loaded = now()
        diagnosed?(result)

        // Typing on: when a newer check is waiting, this one's index and scenarios would be
        // replaced at once; it stops, and the next check starts sooner.
        func superseded() -> Bool { diagnosed != nil && monitor.locked { waitingCheck != nil } }
        var indexes: [String: FileIndex] = [:]
        for (path, loadResult) in loads {
            if superseded() { return result }
            for tree in loadResult.trees {
                guard let abs = tree.source.absolutePath else { continue }
                let index: FileIndex
                if let cached = indexCache[abs], cached.source.bytes == tree.source.bytes, cached.source.path == tree.source.path {
                    index = cached
                } else {
                    index = FileIndex(tree: tree)
                }
                indexes[abs] = index
                for (kind, csv) in index.catalogFiles where indexes[csv] == nil {
                    if let bytes = readFile(csv) {
                        // Shown as the loader shows it: relative to the rule set's folder.
                        let root = abs.hasSuffix(tree.source.path) ? String(abs.dropLast(tree.source.path.count)) : abs
                        let display = csv.hasPrefix(root) ? String(csv.dropFirst(root.count)) : String(csv.split(separator: "/").last!)
                        indexes[csv] = FileIndex(catalog: SourceFile(path: display, absolutePath: csv, bytes: bytes), kind: kind)
                    }
                }
            }
            if superseded() { return result }
            if let set = loadResult.ruleSet() {
                if superseded() { return result }
                result.ruleSets[path] = set
                result.scenarios += set.runScenarios()
            }
        }
        indexCache = indexes
        monitor.locked { checked = (result.generation, Array(result.ruleSets.values)) }
        result.indexes = indexes.keys.sorted().map { indexes[$0]! }
        result.complete = true
        if trace { traceLine("load \(Int((loaded - started) * 1000)) ms, index+scenarios \(Int((now() - loaded) * 1000)) ms\n") }
        return result
    }
}

/// A whole file's bytes, or nil.
func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n > 0 { out += chunk[0..<n] }
        if n < chunk.count { break }
        if out.count > 64 << 20 { return nil }
    }
    return out
}

/// A line on stderr (timings when `DEALRULES_LSP_TRACE` is set, errors a person must see; never stdout).
func traceLine(_ s: String) {
    let bytes = Array(s.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// Timings on stderr: `DEALRULES_LSP_TRACE=1 dealrules lsp`.
let trace = getenv("DEALRULES_LSP_TRACE") != nil
