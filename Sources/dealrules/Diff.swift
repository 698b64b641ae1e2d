import ArgumentParser
import DealRules
import DealRulesCommandLine

import Glibc

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what a rule change does: to real deals (every deal decided under OLD and NEW), and, with --analyze, to every deal, as regions.",
        discussion: """
            OLD and NEW are rule files or folders, or git revisions of one (REV:PATH, as git spells it: HEAD~1:rules/ is the rules folder one commit ago; HEAD:./rules is relative to the current folder). Deals are JSON lines, as for `eval --deals`; each is decided under both on the same `today`. The report counts the deals whose decision changes, by direction, then lists each changed deal (by "id", else index) with the outcomes it gains (+) and loses (-). A deal that keeps its decision but gains or loses an outcome is listed too.

            --analyze reads the rules that changed (matched by what they say, not by name: a rename is no change) and gives, for each approval and for `deny`, the regions of deals whose outcome differs, as constraints (`discount > 15% and discount <= 20%`), each with a deal the evaluator decides differently under OLD and NEW; with --deals, how many past deals lie in each. It says "OLD and NEW decide every deal the same" only when that is proven (docs/analysis.md).

            Exit status: 0; 1 when either rule set has errors, the deals cannot be read, or a line is unreadable under both rule sets; 3 with --fail-on-change when any deal changes.

            EXAMPLES
              dealrules diff HEAD~1:samples/northwind samples/northwind --deals last-quarter.jsonl
              dealrules diff old/ new/ --deals deals.jsonl --format json | jq '.directions'
              dealrules diff main:rules rules --deals deals.jsonl --fail-on-change   # in CI
              dealrules diff HEAD~1:rules rules --analyze
              dealrules diff HEAD~1:rules rules --deals last-quarter.jsonl --analyze
            """
    )

    @Argument(help: ArgumentHelp("The rules before the change: a file, a folder, or REV:PATH.", valueName: "OLD"))
    var old: String

    @Argument(help: ArgumentHelp("The rules after the change: a file, a folder, or REV:PATH.", valueName: "NEW"))
    var new: String

    @Option(help: ArgumentHelp("The deals, one JSON object per line (`-` for stdin).", valueName: "FILE"),
            completion: .file(extensions: ["jsonl"]))
    var deals: String?

    @Flag(help: "Also read the change from the rules: the regions of deals whose approvals or denial differ, each with a deal that shows it.")
    var analyze = false

    @Option(help: "text for people, json for tools.")
    var format: OutputFormat = .text

    @Option(help: ArgumentHelp("The date rules see as `today` (default: the local date); a deal's own \"today\" wins.",
                               valueName: "YYYY-MM-DD"))
    var today: Day?

    @Option(help: ArgumentHelp("List at most this many changed deals in the text report (0: all).", valueName: "N"))
    var limit: Int = 50

    @Flag(help: "Exit 3 when any deal changes (for CI: make a rule change's impact a reviewed step).")
    var failOnChange = false

    @OptionGroup(title: "Limits")
    var limitOptions: LimitOptions

    func validate() throws {
        if limit < 0 { throw ValidationError("--limit takes 0 (all) or a positive number") }
        if deals == nil && !analyze {
            throw ValidationError("give the deals to replay (--deals FILE.jsonl), or --analyze to read the change from the rules, or both")
        }
    }

    func run() throws {
        var temporary: [String] = []
        defer { for t in temporary { _ = GitRevision.run(["rm", "-rf", "--", t]) } }
        let oldSet = try load(old, "OLD", &temporary)
        let newSet = try load(new, "NEW", &temporary)
        let date = today ?? Day.localToday()
        var regions = analyze ? ChangeRegions(old: oldSet, new: newSet, today: date) : nil
        guard let deals else {
            // --analyze alone: the regions, read from the rules.
            guard let regions else { return }
            switch format {
            case .json: Output.standardOutput(regions.json(old: old, new: new) + "\n")
            case .text: Output.standardOutput(regions.text(withDeals: false))
            }
            if failOnChange, !regions.same { throw ExitCode(3) }
            return
        }
        var reader: BatchReader
        do { reader = try BatchReader(path: deals, maxLine: newSet.limits.maxDealBytes) } catch let e as InputError {
            Output.standardError("error: \(e.message)\n")
            throw ExitCode(1)
        }
        var impact = ImpactAnalysis(old: oldSet, new: newSet, today: date)
        var batch = DealBatch()
        while !reader.atEnd {
            reader.fill(&batch, lines: 1024, bytes: 1 << 20)
            batch.forEachLine { line in
                switch line {
                case .tooLong(let n): impact.add(tooLong: n)
                case .text(let bytes):
                    impact.add(line: bytes)
                    if let (before, after) = impact.lastDecisions { regions?.count(before: before, after: after) }
                }
            }
            batch.removeAll()
        }
        if let e = reader.failure {
            Output.standardError("error: cannot read `\(deals)`: \(e)\n")
            throw ExitCode(1)
        }
        switch format {
        case .json: Output.standardOutput(impact.json(old: old, new: new, regions: regions) + "\n")
        case .text:
            Output.standardOutput(DiffReport(impact: impact, old: old, new: new, limit: limit, color: Output.wantsColor(1)).text)
            if let regions { Output.standardOutput("\n" + regions.text(withDeals: true)) }
        }
        if !impact.unreadable.isEmpty {
            Output.standardError("\(count(impact.unreadable.count, "line")) of \(impact.deals) could not be read under either rule set\n")
            if impact.unreadable.count == impact.deals, impact.deals > 1 {
                Output.standardError("help: --deals takes JSON lines, one whole deal per line\n")
            }
            throw ExitCode(1)
        }
        if failOnChange, !impact.changes.isEmpty { throw ExitCode(3) }
    }

    /// Loads a side: a path on disk, else a git revision of one (extracted to a temporary folder,
    /// so its files keep the names they have in the repository's folder).
    private func load(_ spec: String, _ side: String, _ temporary: inout [String]) throws -> RuleSet {
        var paths = [spec]
        if access(spec, F_OK) != 0, let colon = spec.firstIndex(of: ":"), spec.startIndex != colon {
            let rev = String(spec[..<colon]), path = String(spec[spec.index(after: colon)...])
            paths = [try GitRevision.extract(rev: rev, path: path, spec: spec, side: side, temporary: &temporary)]
        }
        return try loadRules(paths: paths, limits: limitOptions.limits) {
            "\(side) rules (`\(spec)`) have \(count($0, "error")); fix them before comparing"
        }
    }
}

/// The text report: counts first, then each changed deal.
struct DiffReport {
    let impact: ImpactAnalysis
    let old: String
    let new: String
    let limit: Int
    let color: Bool

    var text: String {
        var out = "\(count(impact.deals, "deal")) decided under \(old) and \(new):\n"
        out += "  \(impact.changedDecision) change decision\n"
        for (d, n) in impact.directionsByCount {
            out += "    \(pad(n)) \(d.from) → \(d.to)\n"
        }
        out += "  \(impact.changedEntries) keep their decision but gain or lose an outcome\n"
        out += "  \(impact.unchanged) unchanged\n"
        if !impact.unreadable.isEmpty { out += "  \(impact.unreadable.count) unreadable under both (listed below)\n" }
        let shown = limit == 0 ? impact.changes[...] : impact.changes.prefix(limit)
        for c in shown {
            out += "\n" + bold(name(c.index, c.id)) + "  "
            out += c.decisionChanged ? "\(c.before) → \(c.after)\n" : "\(c.after) (unchanged)\n"
            if case .error(let e) = c.before { out += "    before: \(e.message)\n" }
            if case .error(let e) = c.after { out += "    after: \(e.message)\n" }
            for e in c.gained { out += paint("  + " + entry(e), "32") + "\n" }
            for e in c.lost { out += paint("  - " + entry(e), "31") + "\n" }
        }
        if shown.count < impact.changes.count {
            out += "\n… and \(impact.changes.count - shown.count) more changed deals (--limit 0 lists all; --format json gives every one)\n"
        }
        for u in impact.unreadable {
            out += "\n" + bold(name(u.index, u.id)) + "  unreadable: \(u.error.message)\n"
        }
        return out
    }

    private func name(_ index: Int, _ id: String?) -> String {
        guard let id else { return "deal #\(index)" }
        if id.hasPrefix("\""), id.hasSuffix("\""), id.count >= 2, !id.contains("\\") { return String(id.dropFirst().dropLast()) }
        return id
    }

    private func entry(_ e: ImpactAnalysis.Entry) -> String {
        var head = e.fired ? "" : "undetermined "
        head += e.kind.rawValue
        if let a = e.approval { head += " \(a)" }
        if let item = e.item { head += " [\(item)]" }
        head += "  (rule \(e.rule), \(e.location))"
        if let m = e.message { head += ": \(m)" }
        if !e.fired, !e.missing.isEmpty { head += ": needs \(e.missing.joined(separator: ", "))" }
        return head
    }

    private func pad(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: " ", count: max(0, 5 - s.count)) + s
    }

    private func bold(_ s: String) -> String { paint(s, "1") }

    private func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
}

/// Rules as they were at a git revision.
enum GitRevision {
    /// Extracts `rev:path` into a new temporary folder and returns the path to load: the folder
    /// itself for a tree, or the file inside its extracted folder for a blob (so includes and
    /// catalogs beside it come along).
    static func extract(rev: String, path: String, spec: String, side: String, temporary: inout [String]) throws -> String {
        let type = run(["git", "cat-file", "-t", "\(rev):\(path)"])
        guard type.status == 0 else {
            let why = type.error.split(separator: "\n").first.map(String.init) ?? "git is not available"
            Output.standardError("error: \(side) `\(spec)` is neither a file or folder here nor a git revision and path (\(why))\n")
            Output.standardError("help: give a path, or REV:PATH as git spells it, e.g. HEAD~1:rules/ (relative to the repository's top) or HEAD~1:./rules\n")
            throw ExitCode(1)
        }
        var tree = path, file: String?
        if type.output.hasPrefix("blob") {
            let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
            if let slash = trimmed.lastIndex(of: "/") {
                tree = String(trimmed[..<slash])
                file = String(trimmed[trimmed.index(after: slash)...])
            } else {
                tree = trimmed.hasPrefix("./") ? "./" : ""
                file = trimmed.hasPrefix("./") ? String(trimmed.dropFirst(2)) : trimmed
            }
        }
        let tmp = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(tmp)/dealrules-\(side.lowercased())-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            Output.standardError("error: cannot make a temporary folder for \(side) `\(spec)` in \(tmp): \(String(cString: strerror(errno)))\n")
            throw ExitCode(1)
        }
        let dir = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        temporary.append(dir)
        let root = dir + "/rules", archive = dir + "/rules.tar"
        guard mkdir(root, 0o700) == 0 else {
            Output.standardError("error: cannot make a temporary folder for \(side) `\(spec)`: \(String(cString: strerror(errno)))\n")
            throw ExitCode(1)
        }
        for step in [["git", "archive", "--format=tar", "--output=\(archive)", "\(rev):\(tree)"],
                     ["tar", "-x", "-f", archive, "-C", root]] {
            let r = run(step)
            guard r.status == 0 else {
                let said = r.error.split(whereSeparator: \.isNewline).joined(separator: " ")
                Output.standardError("error: cannot extract \(side) `\(spec)` from git (\(step[0]) says: \(said))\n")
                throw ExitCode(1)
            }
        }
        return file.map { root + "/" + $0 } ?? root
    }

    /// Runs a program found on PATH, waits, and returns its status, stdout and stderr.
    static func run(_ arguments: [String]) -> (status: Int32, output: String, error: String) {
        func failed() -> (Int32, String, String) { (-1, "", "cannot run \(arguments[0]): \(String(cString: strerror(errno)))") }
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        guard pipe(&out) == 0 else { return failed() }
        guard pipe(&err) == 0 else {
            close(out[0]); close(out[1])
            return failed()
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        for fd in out + err { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid = pid_t()
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environment())
        close(out[1])
        close(err[1])
        defer { close(out[0]); close(err[0]) }
        guard spawned == 0 else {
            errno = spawned
            return failed()
        }
        // Both pipes are read as they fill, so a child that writes much to one never waits on it.
        var output: [UInt8] = [], error: [UInt8] = []
        var open = [pollfd(fd: out[0], events: Int16(POLLIN), revents: 0), pollfd(fd: err[0], events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !open.isEmpty {
            if poll(&open, nfds_t(open.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for i in open.indices.reversed() where open[i].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(open[i].fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if open[i].fd == out[0] { output += buffer[0..<n] } else { error += buffer[0..<n] }
                } else if n == 0 || errno != EINTR {
                    open.remove(at: i)
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import: a signal ends it with -1.
        let code = status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
        return (code, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
    }

    /// This process's environment, for the programs it runs (`environ`, found through `dlsym`:
    /// Swift 6 does not let a C global variable be read directly).
    private static func environment() -> UnsafePointer<UnsafeMutablePointer<CChar>?>? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "environ") else { return nil }
        return UnsafePointer(symbol.assumingMemoryBound(to: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?.self).pointee)
    }
}
