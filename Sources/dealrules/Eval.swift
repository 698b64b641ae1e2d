import ArgumentParser
import Dispatch
import DealRules
import DealRulesCommandLine

import Glibc
import Synchronization

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Decide one deal, or a stream of deals, against the rules.",
        discussion: """
            A deal is JSON: the declared fields by name ("discount": 25 or "25%", "term": "12 months", "services": [{"name": "SIEM", "seats": 20}]); "id" is echoed, "today" sets that deal's date.

            With --since APPROVED.json, the deal is compared with the version that was approved (each decided on its own "today"): every approval that version needed counts as given, and each approval the deal needs now is still approved, to be asked again (with the changes behind it), or new.

            Exit status: 0; 1 when the rules, the deal or any line of the stream is bad; 3 when --fail-on is given and a decision is that severe or worse (blocked > incomplete > needs_approval > approved), or with --since when an approval must be asked for again or is new; 2 for a usage error.

            EXAMPLES
              dealrules eval samples/northwind --deal samples/deals/needs-approval.json
              dealrules eval samples/northwind --deal deal.json --format json --today 2026-12-01
              dealrules eval samples/northwind --deals deals.jsonl > decisions.jsonl
              cat deals.jsonl | dealrules eval samples/northwind --deals - --fail-on blocked
              dealrules eval samples/northwind --deal changed.json --since approved.json
            """
    )

    @OptionGroup var rules: RulesArguments

    @Option(help: ArgumentHelp("One deal, a JSON file (`-` for stdin).", valueName: "FILE"),
            completion: .file(extensions: ["json"]))
    var deal: String?

    @Option(help: ArgumentHelp("A stream of deals, one JSON object per line (`-` for stdin); one decision line out per deal.",
                               valueName: "FILE"),
            completion: .file(extensions: ["jsonl"]))
    var deals: String?

    @Option(help: "text for people (one deal only), json for tools. Default: text for --deal, json for --deals.")
    var format: OutputFormat?

    @Option(help: ArgumentHelp("The date rules see as `today` (default: the local date); a deal's own \"today\" wins.",
                               valueName: "YYYY-MM-DD"))
    var today: Day?

    @Option(help: ArgumentHelp("Exit 3 when a decision is this severe or worse.", valueName: "blocked|incomplete|needs_approval"))
    var failOn: DecisionKind?

    @Flag(help: "Add each outcome's condition and the values it read.")
    var explain = false

    @Option(help: ArgumentHelp("The version of this deal that was approved: say which approvals still stand and which teams to ask again.",
                               valueName: "FILE"),
            completion: .file(extensions: ["json"]))
    var since: String?

    @Option(help: ArgumentHelp("Decide a --deals stream, and load a large rule set, on this many threads (default: one per processor; a stream on fewer than 100 rules, one).",
                               valueName: "N"))
    var jobs: Int?

    func validate() throws {
        switch (deal, deals) {
        case (nil, nil): throw ValidationError("give a deal: --deal FILE.json, or a stream: --deals FILE.jsonl")
        case (.some, .some): throw ValidationError("--deal and --deals cannot be used together")
        default: break
        }
        if deals != nil, format == .text {
            throw ValidationError("--format text shows one deal; a --deals stream is always JSON lines")
        }
        if since != nil, deals != nil {
            throw ValidationError("--since compares one deal with its approved version; give it with --deal, not --deals")
        }
        if let since, since == "-", deal == "-" {
            throw ValidationError("--since and --deal cannot both read stdin; give one of them as a file")
        }
        if let jobs, jobs < 1 {
            throw ValidationError("--jobs takes a number of threads, 1 or more")
        }
        if failOn == .approved {
            throw ValidationError("--fail-on takes blocked, incomplete or needs_approval")
        }
    }

    func run() throws {
        let ruleSet = try loadRules(rules, threads: jobs)
        let date = today ?? Day.localToday()
        if let deals {
            try stream(ruleSet, deals, date)
        } else if let deal {
            try one(ruleSet, deal, date)
        }
    }

    /// Reads a deal from a file (or stdin); a deal that cannot be read is reported and exits 1.
    private func readDeal(_ ruleSet: RuleSet, _ path: String) throws -> Deal {
        let bytes: [UInt8]
        do { bytes = try readInput(path, limit: ruleSet.limits.maxDealBytes) } catch let e as InputError {
            Output.standardError("error: \(e.message)\n")
            throw ExitCode(1)
        }
        do { return try ruleSet.deal(json: bytes, name: path == "-" ? "<stdin>" : path) } catch {
            if format == .json { Output.standardOutput(error.errorJSON() + "\n") }
            Output.standardError(DiagnosticRenderer(color: Output.wantsColor(2)).render(error))
            throw ExitCode(1)
        }
    }

    private func one(_ ruleSet: RuleSet, _ path: String, _ date: Day) throws {
        let deal = try readDeal(ruleSet, path)
        if let since {
            let approved = try readDeal(ruleSet, since)
            // Each version on its own "today" (else --today, else the local date).
            let r = ruleSet.since(approved: approved, deal: deal, today: today, explain: explain)
            if format == .json {
                Output.standardOutput(ruleSet.sinceJSON(r, pretty: true) + "\n")
            } else {
                let color = Output.wantsColor(1)
                Output.standardOutput(DecisionRenderer(color: color).render(r.decision) + "\n" + r.render(color: color))
            }
            if r.mustAsk { throw ExitCode(3) }
            if let failOn, r.decision.kind >= failOn { throw ExitCode(3) }
            return
        }
        let decision = ruleSet.decide(deal, today: date, explain: explain)
        if format == .json {
            Output.standardOutput(decision.json(pretty: true) + "\n")
        } else {
            Output.standardOutput(DecisionRenderer(color: Output.wantsColor(1)).render(decision))
        }
        if let failOn, decision.kind >= failOn { throw ExitCode(3) }
    }

    /// When no line of a stream could be read, it was most likely not JSON lines at all.
    static let jsonlHelp = "help: --deals takes JSON lines, one whole deal per line; a deal written over several lines is read with --deal FILE"

    /// A stream is decided in batches of at most `batchBytes` of input, and of as many lines as
    /// give about `batchOutputBytes` of decisions (learnt from the batches before; between
    /// `minBatchLines` and `maxBatchLines`): big enough that handing a batch to the threads
    /// costs little, small enough that memory stays bounded however long the stream is.
    static let batchBytes = 4 << 20
    static let batchOutputBytes = 1 << 20
    static let minBatchLines = 64
    static let maxBatchLines = 4096

    /// Decides a stream: on one thread, reading, deciding and writing in turn; on more, each
    /// batch is decided on all of them (each with its own copy of the rules, loaded on another
    /// thread while the first batches are decided) while the next is read and the last written.
    /// A stream is decided on every processor when the rule set has this many rules or more,
    /// else on one thread (unless --jobs says otherwise). Below it, reading the deals is most of
    /// the work, and a second thread cut the wall time by less than a quarter for half as much
    /// CPU again. At 100 rules and more it cuts more (README, "Performance", 100,000 deals,
    /// 2026-12-07: 35% at 100 rules, 36% at 1,000), though less where writing the decisions
    /// stalls the writing thread (into memory, or into new pages of a VM that takes freed
    /// memory back: 14–30% at 1,000 rules in earlier runs).
    static let splitFromRules = 100

    private func stream(_ ruleSet: RuleSet, _ path: String, _ date: Day) throws {
        var reader: BatchReader
        do { reader = try BatchReader(path: path, maxLine: ruleSet.limits.maxDealBytes) } catch let e as InputError {
            Output.standardError("error: \(e.message)\n")
            throw ExitCode(1)
        }
        let threads = jobs ?? (ruleSet.rules.count >= Self.splitFromRules ? DealStreamDecider.processorCount : 1)
        var decider = DealStreamDecider(workers: [ruleSet], today: date, explain: explain, failOn: failOn)
        var batch = DealBatch()
        var batchLines = Self.minBatchLines
        /// Output per line of the last batch sets the size of the next.
        func learn(_ lines: Int, bytes: Int) {
            guard bytes > 0 else { return }
            let perLine = max(1, bytes / max(1, lines))
            batchLines = min(Self.maxBatchLines, max(Self.minBatchLines, Self.batchOutputBytes / perLine))
        }
        if threads <= 1 {
            while true {
                reader.fill(&batch, lines: batchLines, bytes: Self.batchBytes)
                if batch.isEmpty, reader.atEnd { break }
                let written = decider.decide(batch) { Output.write($0) }
                // Nothing more can be written (runAndExit says why).
                if Output.failed { break }
                learn(batch.count, bytes: written)
                batch.removeAll()
            }
        } else {
            // The copies load on one thread each (the first load had every core) once the
            // stream fills a batch (a short one is decided before they could be of use), while
            // the first batches are decided without them.
            var copies: RuleCopies?
            let background = BackgroundDecider(decider)
            // The decisions of the batch last decided, chunk by chunk, in order.
            var chunks: [DecidedChunk] = [], count = 0
            /// Waits for the batch being decided and takes its decisions.
            func finish() {
                count = background.finish(swappingWith: &chunks)
                learn(background.lastBatchLines, bytes: chunks[..<count].reduce(0) { $0 + $1.withBytes(\.count) })
            }
            func write() { DecidedChunk.withBytes(of: chunks[..<count]) { Output.write($0) } }
            while true {
                reader.fill(&batch, lines: batchLines, bytes: Self.batchBytes)
                if copies == nil, batch.count >= batchLines || batch.byteCount >= Self.batchBytes {
                    copies = RuleCopies(ruleSet, count: threads - 1)
                }
                // The last batch's decisions are written while this one is decided.
                finish()
                if batch.isEmpty, reader.atEnd {
                    write()
                    break
                }
                if let ready = copies?.take() { background.add(workers: ready) }
                background.start(&batch)
                write()
                if Output.failed {
                    // Nothing more can be written (runAndExit says why): the batch being
                    // decided is dropped.
                    finish()
                    break
                }
                if !reader.atEnd, !reader.canReadWithoutWaiting {
                    // Nothing more to read yet: answer this batch at once.
                    finish()
                    write()
                }
            }
            decider = background.decider
        }
        let index = decider.index, bad = decider.badLines, severe = decider.reachedSeverity
        if let e = reader.failure {
            Output.standardError("error: cannot read `\(path)`: \(e)\n")
            throw ExitCode(1)
        }
        if bad > 0 {
            Output.standardError("\(count(bad, "line")) of \(index) could not be read; see their \"error\" entries\n")
            if bad == index, index > 1 { Output.standardError(Self.jsonlHelp + "\n") }
            throw ExitCode(1)
        }
        if severe { throw ExitCode(3) }
    }
}

/// Copies of the rules for a stream's other threads, each loaded on a thread of its own from
/// the moment they are asked for.
final class RuleCopies: Sendable {
    /// One copy, loaded on its own thread.
    private final class Copy: @unchecked Sendable {
        // @unchecked: written once by its load, before the load leaves the group; read after.
        var rules: RuleSet?
    }

    private let copies: [Copy]
    private let done = DispatchGroup()
    private let taken = Atomic<Bool>(false)

    /// `RuleSet.copy()` each: loaded again as `rules` was, and none when the files changed in
    /// the meantime (the stream then goes on with the rules it started with, on one thread).
    init(_ rules: RuleSet, count: Int) {
        copies = (0..<max(0, count)).map { _ in Copy() }
        for copy in copies {
            DispatchQueue.global().async(group: done) {
                copy.rules = rules.copy(threads: 1)
            }
        }
    }

    /// The copies, once all have loaded (none when one failed to), and only once; nil
    /// while they are still loading or after they were taken.
    func take() -> [RuleSet]? {
        guard !taken.load(ordering: .relaxed), done.wait(timeout: .now()) == .success else { return nil }
        taken.store(true, ordering: .relaxed)
        let loaded = copies.compactMap(\.rules)
        return loaded.count == copies.count ? loaded : []
    }
}

/// Decides one batch on another thread while the caller reads the next.
final class BackgroundDecider: @unchecked Sendable {
    // @unchecked: the background thread touches `state` only between `start` and `finish`,
    // the caller only outside that window, and the thread's start and wait order the two.
    private struct State {
        var decider: DealStreamDecider
        var batch = DealBatch()
        /// The batch's decisions, `chunks[0 ..< count]` (`DealStreamDecider.decide(_:swappingOutputWith:)`).
        var chunks: [DecidedChunk] = []
        var count = 0
    }

    private var state: State
    private var running = false
    /// One thread, kept for the whole stream (see `WorkerThreads` for why not one per batch).
    private let thread = WorkerThreads(count: 2)
    /// How many lines the batch last started had.
    private(set) var lastBatchLines = 0

    init(_ decider: DealStreamDecider) {
        state = State(decider: decider)
    }

    /// The decider, with its counts (only while no batch is being decided).
    var decider: DealStreamDecider {
        precondition(!running)
        return state.decider
    }

    /// Adds workers from the next batch on (only while no batch is being decided).
    func add(workers: [RuleSet]) {
        precondition(!running)
        state.decider.add(workers: workers)
    }

    /// Starts deciding `batch`, which is taken (and given back empty).
    func start(_ batch: inout DealBatch) {
        precondition(!running)
        state.batch.removeAll()
        swap(&state.batch, &batch)
        lastBatchLines = state.batch.count
        running = true
        if thread.count < 2 {
            // No thread to be had: decided here, before the next batch is read.
            state.count = state.decider.decide(state.batch, swappingOutputWith: &state.chunks)
            return
        }
        thread.start { [self] _ in
            var chunks: [DecidedChunk] = []
            swap(&chunks, &state.chunks)
            state.count = state.decider.decide(state.batch, swappingOutputWith: &chunks)
            swap(&chunks, &state.chunks)
        }
    }

    /// Waits for the batch being decided, if any, and swaps its output with `chunks`: returns
    /// how many of them hold it, in order (the chunks given are written into for a later
    /// batch, their buffers kept); without a batch, 0.
    func finish(swappingWith chunks: inout [DecidedChunk]) -> Int {
        guard running else { return 0 }
        if thread.count >= 2 { thread.wait() }
        running = false
        swap(&chunks, &state.chunks)
        return state.count
    }
}
