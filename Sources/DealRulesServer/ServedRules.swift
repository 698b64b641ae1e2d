import Crypto
import DealRules
import Synchronization

import Glibc

/// One loaded rule set as the service serves it: the rules, the version that names them in
/// every answer, and copies for the threads that decide a batch.
package final class ServedRules: Sendable {
    package let ruleSet: RuleSet
    /// SHA-256 (hex) of the loaded files' names and bytes, in load order: the same files give
    /// the same version on any machine (`DealRules-Version`).
    package let version: String
    /// When it was loaded (UTC, `2026-12-06T09:30:00Z`).
    package let loadedAt: String
    /// Warnings from the load (a set with errors is never served).
    package let warnings: [Diagnostic]
    /// The rule set and its copies, one per thread a batch may use (see `DealStreamDecider`).
    package let workers: [RuleSet]

    package init(ruleSet: RuleSet, warnings: [Diagnostic], threads: Int = Processors.available) {
        self.ruleSet = ruleSet
        self.warnings = warnings
        version = Self.version(of: ruleSet.files.map { ($0.path, $0.bytes) })
        loadedAt = UTCTime.now()
        workers = [ruleSet] + (1..<max(1, threads)).compactMap { _ in ruleSet.copy() }
    }

    /// SHA-256 over each file in load order: its path as messages show it, a NUL, its length in
    /// decimal, a NUL, its bytes. The lengths keep one file's end from passing for the next
    /// one's name.
    static func version(of files: [(path: String, bytes: [UInt8])]) -> String {
        var h = SHA256()
        for f in files {
            h.update(data: Array(f.path.utf8) + [0] + Array(String(f.bytes.count).utf8) + [0])
            h.update(data: f.bytes)
        }
        return h.finalize().map { byte in
            let hex = Array("0123456789abcdef".utf8)
            return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
        }.joined()
    }
}

/// The outcome of the last reload, for `GET /v1/rules/status` and the log.
package struct ReloadOutcome: Sendable {
    package let at: String
    /// The version now served (the new one, or the old one when the new set did not load).
    package let version: String
    package let succeeded: Bool
    /// Why it failed (errors and warnings), or the new set's warnings.
    package let diagnostics: [Diagnostic]
    /// What set it off: `start`, `SIGHUP`, `a file changed`.
    package let cause: String
}

/// The rule set being served, swapped whole when the files change: a request takes the set
/// current when it starts and finishes on it, whatever happens meanwhile.
package final class RulesState: Sendable {
    package let paths: [String]
    package let limits: Limits
    private let state: Mutex<(current: ServedRules, last: ReloadOutcome)>
    /// One reload at a time.
    private let reloading = Mutex(false)

    /// Loads the rules; nil when they do not load, with the diagnostics either way.
    package static func load(paths: [String], limits: Limits) -> (state: RulesState?, diagnostics: [Diagnostic]) {
        let result = RuleSet.load(paths: paths, limits: limits)
        guard let set = result.ruleSet else { return (nil, result.diagnostics) }
        let served = ServedRules(ruleSet: set, warnings: result.diagnostics)
        return (RulesState(paths: paths, limits: limits, served: served), result.diagnostics)
    }

    private init(paths: [String], limits: Limits, served: ServedRules) {
        self.paths = paths
        self.limits = limits
        state = Mutex((served, ReloadOutcome(at: served.loadedAt, version: served.version, succeeded: true,
                                             diagnostics: served.warnings, cause: "start")))
    }

    package var current: ServedRules { state.withLock { $0.current } }
    package var lastReload: ReloadOutcome { state.withLock { $0.last } }

    /// Loads the files again beside the set being served and, when they load, swaps the new set
    /// in. A set that fails to load leaves the old one serving. nil when a reload is already
    /// under way.
    package func reload(cause: String) -> ReloadOutcome? {
        guard reloading.withLock({ busy in
            if busy { return false }
            busy = true
            return true
        }) else { return nil }
        defer { reloading.withLock { $0 = false } }
        let result = RuleSet.load(paths: paths, limits: limits)
        let outcome: ReloadOutcome
        if let set = result.ruleSet {
            let served = ServedRules(ruleSet: set, warnings: result.diagnostics)
            outcome = ReloadOutcome(at: served.loadedAt, version: served.version, succeeded: true,
                                    diagnostics: result.diagnostics, cause: cause)
            state.withLock { $0 = (served, outcome) }
        } else {
            outcome = ReloadOutcome(at: UTCTime.now(), version: current.version, succeeded: false,
                                    diagnostics: result.diagnostics, cause: cause)
            state.withLock { $0.last = outcome }
        }
        return outcome
    }

    /// What the files look like now, cheaply: for every rule file the paths name and every file
    /// the served set read (includes, catalogs), its size, modification time and inode. A
    /// change in any of them (or a file added or removed) is a reason to reload.
    package func fingerprint() -> [Int] {
        var out: [Int] = []
        let files = RuleFiles.list(paths).files + current.ruleSet.files.compactMap(\.absolutePath)
        for path in files {
            var s = stat()
            if stat(path, &s) == 0 {
                out += [Int(s.st_size), Int(s.st_mtim.tv_sec), Int(s.st_mtim.tv_nsec), Int(s.st_ino)]
            } else {
                out.append(-1)
            }
        }
        return out
    }
}

/// The time of day in UTC, as ISO 8601, without Foundation.
enum UTCTime {
    static func now(milliseconds: Bool = false) -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var tm = Glibc.tm()
        var t = ts.tv_sec
        gmtime_r(&t, &tm)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var s = "\(tm.tm_year + 1900)-\(two(tm.tm_mon + 1))-\(two(tm.tm_mday))T\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec))"
        if milliseconds {
            let ms = Int(ts.tv_nsec / 1_000_000)
            s += "." + (ms < 10 ? "00" : ms < 100 ? "0" : "") + String(ms)
        }
        return s + "Z"
    }
}
