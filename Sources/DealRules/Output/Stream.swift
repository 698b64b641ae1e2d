import Dispatch
import Synchronization

import Glibc

/// Lines of a JSONL stream of deals, gathered to be decided together: their bytes end to end,
/// and where each line lies. A line too long to read is kept as a marker, so it is still
/// answered in its place.
///
/// The bytes can be read into straight from a file (`read(from:upTo:)`), and the lines then
/// marked where they lie (`markLines`): a stream's input is copied once, by the kernel.
package struct DealBatch: Sendable {
    enum Entry: Sendable {
        case line(Range<Int>)
        case tooLong(bytes: Int)
    }

    /// The storage: `bytes[0 ..< end]` is in use. It is never shrunk, so once grown a batch
    /// reused from batch to batch neither allocates nor touches new memory.
    var bytes: [UInt8] = []
    private(set) var end = 0
    var entries: [Entry] = []

    package init() {}

    /// The number of lines in the batch.
    package var count: Int { entries.count }
    package var isEmpty: Bool { entries.isEmpty }
    /// The bytes the batch holds.
    package var byteCount: Int { end }

    /// Room for `more` bytes past `end`.
    private mutating func reserve(_ more: Int) {
        let needed = end + more
        guard needed > bytes.count else { return }
        bytes.append(contentsOf: repeatElement(0, count: max(needed, 2 * bytes.count, 1 << 12) - bytes.count))
    }

    /// Adds one line (one deal's JSON, without its line break), copied at once.
    package mutating func append(line: UnsafeBufferPointer<UInt8>) {
        reserve(line.count)
        let start = end
        if !line.isEmpty {
            bytes.withUnsafeMutableBufferPointer { b in
                _ = UnsafeMutableBufferPointer(rebasing: b[start..<(start + line.count)]).initialize(from: line)
            }
        }
        end += line.count
        entries.append(.line(start..<end))
    }

    /// Adds one line (one deal's JSON, without its line break).
    package mutating func append(line: some Collection<UInt8>) {
        let copied: Void? = line.withContiguousStorageIfAvailable { append(line: $0) }
        if copied == nil { Array(line).withUnsafeBufferPointer { append(line: $0) } }
    }

    /// Adds a line that was too long to read, of `bytes` bytes: it is answered with an error.
    package mutating func appendTooLong(bytes n: Int) {
        entries.append(.tooLong(bytes: n))
    }

    package mutating func removeAll() {
        end = 0
        entries.removeAll(keepingCapacity: true)
    }

    /// A line of a batch, as `forEachLine` gives it.
    package enum Line {
        /// A deal's JSON, without its line break.
        case text(UnsafeBufferPointer<UInt8>)
        /// A line too long to read, of that many bytes.
        case tooLong(Int)
    }

    /// Calls `body` with each line, in order.
    package func forEachLine(_ body: (Line) throws -> Void) rethrows {
        try bytes.withUnsafeBufferPointer { all in
            for e in entries {
                switch e {
                case .line(let span): try body(.text(UnsafeBufferPointer(rebasing: all[span])))
                case .tooLong(let n): try body(.tooLong(n))
                }
            }
        }
    }

    // MARK: Reading straight into the batch

    /// Reads once from `fd` onto the end of the bytes, at most `limit` bytes: the number read,
    /// 0 at the end of the input, or -1 with `errno` set. The bytes are not yet lines: see
    /// `markLines`.
    package mutating func read(from fd: Int32, upTo limit: Int) -> Int {
        reserve(limit)
        let start = end
        let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + start, limit) }
        if n > 0 { end += n }
        return n
    }

    /// Marks the whole lines of `bytes[from ..< byteCount]` as the batch's lines (blank ones
    /// skipped, as `jsonlContent` reads them; `first`: the first of them starts the stream, and
    /// may carry a BOM). Returns where the last, unfinished line starts (`byteCount` when the
    /// bytes end with a line break).
    package mutating func markLines(from: Int, first: Bool) -> Int {
        var start = from, isFirst = first
        let end = self.end
        var entries: [Entry] = []
        swap(&entries, &self.entries)
        bytes.withUnsafeBufferPointer { b in
            let base = b.baseAddress!
            while start < end, let p = memchr(base + start, 0x0A, end - start) {
                let nl = UnsafeRawPointer(p) - UnsafeRawPointer(base)
                if let line = Self.jsonlContent(b[start..<nl], first: isFirst) { entries.append(.line(line.startIndex..<line.endIndex)) }
                isFirst = false
                start = nl + 1
            }
        }
        swap(&entries, &self.entries)
        return start
    }

    /// Where the first line break at or after `from` is, if any.
    package func firstLineBreak(from: Int) -> Int? {
        guard from < end else { return nil }
        return bytes.withUnsafeBufferPointer { b in
            memchr(b.baseAddress! + from, 0x0A, end - from).map { UnsafeRawPointer($0) - UnsafeRawPointer(b.baseAddress!) }
        }
    }

    /// Marks `bytes[from ..< byteCount]`, the input's last line (it had no line break), as a
    /// line unless blank.
    package mutating func markLastLine(from: Int, first: Bool) {
        let end = self.end
        guard from < end else { return }
        let line = bytes.withUnsafeBufferPointer { b in Self.jsonlContent(b[from..<end], first: first) }
        if let line { entries.append(.line(line.startIndex..<line.endIndex)) }
    }

    /// Moves `bytes[from ..< byteCount]` (an unfinished line) to the start of `next`, which
    /// must be empty, and drops it here.
    package mutating func moveTail(from: Int, to next: inout DealBatch) {
        precondition(next.end == 0, "the tail of a batch goes to an empty one")
        let n = end - from
        guard n > 0 else { return }
        bytes.withUnsafeBufferPointer { b in next.append(line: UnsafeBufferPointer(rebasing: b[from..<end])) }
        next.entries.removeLast()
        end = from
    }

    /// Drops `bytes[from ..< byteCount]` (what is skipped of a line too long to read).
    package mutating func dropTail(from: Int) {
        end = min(end, from)
    }

    /// The lines of a whole JSONL text, read as `dealrules eval --deals` reads a stream
    /// (`jsonlContent`).
    package init(jsonl text: some Collection<UInt8>) {
        self.init()
        let bytes = Array(text)
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            if let line = Self.jsonlContent(bytes[start..<end], first: start == 0) { append(line: line) }
            start = end + 1
        }
    }

    /// What a line of a JSONL stream holds, or nil for a blank line (spaces and tabs only, which
    /// gets no `"index"`): a leading BOM on the first line and a final CR are dropped.
    package static func jsonlContent<Line: BidirectionalCollection<UInt8>>(_ line: Line, first: Bool) -> Line?
    where Line.SubSequence == Line {
        var line = line
        if first, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
        if line.last == 0x0D { line = line.dropLast() }
        return line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) ? nil : line
    }
}

/// Decides a stream of deals, a batch at a time, on every core, writing one JSON line per deal
/// in input order: the decision, or for a line that cannot be read, its error in place.
///
/// Each batch is cut into small chunks that the workers take in turn; each chunk is decided into
/// its own buffer, and the buffers joined in order. Memory is bounded by the batch, whatever the
/// stream's length.
///
/// Give each worker its own copy of the rule set (load it once per worker): threads that share
/// one rule set contend on its objects' reference counts, and two cores then do little more
/// than one.
package struct DealStreamDecider: Sendable {
    /// One rule set per worker, all loaded from the same rules.
    package private(set) var workers: [RuleSet]
    package let today: Day
    package let explain: Bool
    /// A decision this severe or worse sets `reachedSeverity`.
    package let failOn: DecisionKind?

    package var rules: RuleSet { workers[0] }
    /// The threads that decide a batch with the caller's (kept from batch to batch).
    private var threads: WorkerThreads?
    /// What each worker keeps from chunk to chunk and batch to batch.
    private var lanes: [Lane]
    /// How many threads decide a batch (1: all on the calling thread).
    package var parallelism: Int { workers.count }

    /// Lines decided so far (the next line's `"index"`).
    package private(set) var index = 0
    /// Lines answered with an error so far.
    package private(set) var badLines = 0
    /// Whether a decision reached `failOn`.
    package private(set) var reachedSeverity = false
    /// Decisions so far of each kind, by `DecisionKind.severity` (no heap: counted per chunk).
    package private(set) var kinds = SIMD4<Int>()

    /// `workers`: one rule set per thread, each loaded separately from the same rules.
    /// With `records`, each batch also gives what a decision log keeps of each line (`lines`).
    package init(workers: [RuleSet], today: Day, explain: Bool = false, failOn: DecisionKind? = nil, records: Bool = false) {
        precondition(!workers.isEmpty, "a stream needs at least one rule set")
        self.workers = workers
        threads = workers.count > 1 ? WorkerThreads(count: workers.count) : nil
        lanes = workers.map(Lane.init)
        self.today = today
        self.explain = explain
        self.failOn = failOn
        self.records = records
    }

    /// Adds workers from the next batch on (copies of the rules loaded while the first batches
    /// were decided without them).
    package mutating func add(workers more: [RuleSet]) {
        guard !more.isEmpty else { return }
        workers += more
        lanes += more.map(Lane.init)
        threads = WorkerThreads(count: workers.count)
    }

    /// Whether `decide` fills `lines`.
    package let records: Bool
    /// What the last batch decided, line by line (only with `records`).
    package private(set) var lines: [DecidedLine] = []

    /// One rule set shared by `parallelism` threads (simpler, but see the type's note).
    package init(rules: RuleSet, today: Day, explain: Bool = false, failOn: DecisionKind? = nil, parallelism: Int = 1) {
        self.init(workers: Array(repeating: rules, count: max(1, parallelism)), today: today, explain: explain, failOn: failOn)
    }

    /// The processors this process may run on (`Processors.available`).
    package static var processorCount: Int { Processors.available }

    /// Lines per chunk of a batch, at most: the unit a worker takes when it is free.
    static let chunkLines = 64

    /// Lines per chunk for a batch of `n` lines: `chunkLines`, or fewer so that each worker can
    /// take about four chunks. A batch of large decisions is short (about 100 lines at 1,000
    /// rules, whose decisions fill the batch's megabyte), and two chunks of 64 and 36 lines
    /// kept one of two threads waiting a third of the time.
    static func chunkLines(_ n: Int, workers: Int) -> Int {
        max(1, min(chunkLines, n / (4 * workers)))
    }

    /// Decides every line of `batch`, appending one JSON line (with its line break) per line
    /// to `out`, in order.
    ///
    /// The batch is cut into chunks (`chunkLines(_:workers:)`); each worker (with its own rule set) takes
    /// the next chunk not yet taken, so a worker slowed by other work on its core does fewer
    /// and none waits long for another at the end.
    package mutating func decide(_ batch: DealBatch, into out: inout [UInt8]) {
        decide(batch) { out.append(contentsOf: $0.assumingMemoryBound(to: UInt8.self)) }
    }

    /// Decides every line of `batch` as `decide(_:into:)` does, giving the output to `write`
    /// (in one piece on one thread, else once per chunk, in order) from where it was written,
    /// not copied into one array first. Returns the number of bytes.
    @discardableResult
    package mutating func decide(_ batch: DealBatch, write: (UnsafeRawBufferPointer) -> Void) -> Int {
        guard let chunks = decideInChunks(batch) else {
            return decideOnCaller(batch).writer.text.withBytes { bytes in
                write(bytes)
                return bytes.count
            }
        }
        var bytes = 0
        for c in 0..<chunks { bytes += chunkOutput[c].withBytes { write($0); return $0.count } }
        return bytes
    }

    /// Decides every line of `batch` as `decide(_:into:)` does, and swaps the output with
    /// `chunks`: then `chunks[0 ..< count]` (`count` is returned) hold it, in order, and the
    /// decider keeps the chunks it was given, to write the next batch into (a thread that
    /// writes one batch out while the next is decided copies nothing: each chunk holds the
    /// buffer its lines were decided into). Fewer chunks, or none, may be given.
    package mutating func decide(_ batch: DealBatch, swappingOutputWith chunks: inout [DecidedChunk]) -> Int {
        if let count = decideInChunks(batch) {
            swap(&chunkOutput, &chunks)
            return count
        }
        if chunks.isEmpty { chunks.append(DecidedChunk()) }
        chunks[0].take(from: decideOnCaller(batch))
        return 1
    }

    /// Decides `batch` in chunks on the kept threads, each chunk's output in `chunkOutput[c]`,
    /// and returns how many chunks; nil when it is to be decided on the calling thread (one
    /// worker, or one chunk), which it leaves undecided. An empty batch is 0 chunks.
    private mutating func decideInChunks(_ batch: DealBatch) -> Int? {
        lines.removeAll(keepingCapacity: true)
        let n = batch.entries.count
        guard n > 0 else { return 0 }
        let per = Self.chunkLines(n, workers: workers.count)
        let chunks = (n + per - 1) / per
        guard let pool = threads, chunks > 1 else { return nil }
        var results = [PartResult](repeating: PartResult(), count: chunks)
        let first = index
        let workers = self.workers, lanes = self.lanes, context = self.context
        let next = ChunkCounter()
        // Each chunk is decided into a buffer of its worker's, which the chunk then takes in
        // exchange for its own (written out by then): the buffers go round from batch to batch,
        // so a long stream allocates (and faults in) no new memory for its output, and copies
        // none of it.
        while chunkOutput.count < chunks { chunkOutput.append(DecidedChunk()) }
        let outputs = chunkOutput
        var chunkLines = [[DecidedLine]](repeating: [], count: records ? chunks : 0)
        chunkLines.withUnsafeMutableBufferPointer { recorded in
            let records = UnsafeSendableBuffer(recorded)
            results.withUnsafeMutableBufferPointer { buffer in
                let slots = UnsafeSendableBuffer(buffer)
                pool.run { t in
                    let lane = lanes[t]
                    while case let c = next.take(), c < chunks {
                        let lo = c * per, hi = min(n, lo + per)
                        var none: [DecidedLine] = []
                        slots.base[c] = Self.decide(batch, lo..<hi, firstIndex: first + lo, rules: workers[t], lane: lane,
                                                    context: context, lines: &none)
                        outputs[c].take(from: lane)
                        if !records.base.isEmpty { records.base[c] = none }
                    }
                }
            }
        }
        for c in chunkLines.indices { lines += chunkLines[c] }
        var total = PartResult()
        for c in 0..<chunks {
            total.bad += results[c].bad
            total.severe = total.severe || results[c].severe
            total.kinds &+= results[c].kinds
        }
        finish(n, total)
        return chunks
    }

    /// Decides all of `batch` on the calling thread, into the first lane's writer.
    private mutating func decideOnCaller(_ batch: DealBatch) -> Lane {
        let lane = lanes[0], n = batch.count
        let r = Self.decide(batch, 0..<n, firstIndex: index, rules: workers[0], lane: lane, context: context, lines: &lines)
        finish(n, r)
        return lane
    }

    /// The chunks' output (see `decide`).
    private var chunkOutput: [DecidedChunk] = []

    private mutating func finish(_ n: Int, _ r: PartResult) {
        index += n
        badLines += r.bad
        reachedSeverity = reachedSeverity || r.severe
        kinds &+= r.kinds
    }

    private struct PartResult: Sendable {
        var bad = 0
        var severe = false
        var kinds = SIMD4<Int>()
    }

    private struct Context: Sendable {
        let today: Day
        let explain: Bool
        let failOn: DecisionKind?
        let records: Bool
    }

    private var context: Context { Context(today: today, explain: explain, failOn: failOn, records: records) }

    /// What one worker keeps from chunk to chunk: the deal each line is read into, a
    /// decision's storage, and the buffer its decisions are written to.
    fileprivate final class Lane: @unchecked Sendable {
        // @unchecked: a lane is used by one thread at a time (its worker's, within a batch),
        // one access at a time: its fields skip the run-time exclusivity check (a call on every
        // line, for each of them), as `Deal`'s storage does.
        @exclusivity(unchecked) var deal: Deal
        @exclusivity(unchecked) var scratch = DecideScratch()
        @exclusivity(unchecked) var writer = JSONWriter(capacity: 1 << 16)
        init(_ rules: RuleSet) { deal = rules.emptyDeal() }
    }

    /// Decides `batch`'s lines in `range` into `lane.writer` (emptied first).
    private static func decide(_ batch: DealBatch, _ range: Range<Int>, firstIndex: Int, rules: RuleSet, lane: Lane, context: Context,
                               lines: inout [DecidedLine]) -> PartResult {
        var r = PartResult()
        lane.writer.removeAll()
        batch.bytes.withUnsafeBufferPointer { all in
            for e in range {
                let index = firstIndex + (e - range.lowerBound)
                switch batch.entries[e] {
                case .tooLong(let n):
                    let error = Diagnostic.lineTooLong(bytes: n, limit: rules.limits.maxDealBytes)
                    lane.writer.text.raw(string: error.errorJSON(index: index))
                    r.bad += 1
                    if context.records { lines.append(DecidedLine(index: index, id: nil, error: error.code)) }
                case .line(let span):
                    let line = UnsafeBufferPointer(rebasing: all[span])
                    if let error = rules.read(buffer: line, into: &lane.deal) {
                        let diagnostic = error.diagnostic(in: line, name: "deal"), id = rules.dealID(json: line)
                        lane.writer.text.raw(string: diagnostic.errorJSON(index: index, id: id))
                        r.bad += 1
                        if context.records { lines.append(DecidedLine(index: index, id: id, error: diagnostic.code)) }
                    } else {
                        let kind: DecisionKind
                        if context.records {
                            let decision = rules.decide(lane.deal, today: context.today, explain: context.explain, scratch: &lane.scratch)
                            decision.encode(into: &lane.writer, index: index)
                            lines.append(DecidedLine(decision, index: index))
                            kind = decision.kind
                        } else {
                            kind = rules.decide(lane.deal, today: context.today, explain: context.explain, scratch: &lane.scratch,
                                                index: index, into: &lane.writer)
                        }
                        if let failOn = context.failOn, kind >= failOn { r.severe = true }
                        r.kinds[kind.severity] += 1
                    }
                }
                lane.writer.newline()
            }
        }
        return r
    }
}

/// The decisions of one chunk of a batch, in the buffer they were written into (see
/// `DealStreamDecider.decide(_:swappingOutputWith:)`).
package final class DecidedChunk: @unchecked Sendable {
    // @unchecked: one thread at a time, as `DealStreamDecider.Lane`: the worker that decides
    // the chunk, then whoever the decider hands it to, then the decider again.
    private var text = TextBuffer()

    package init() {}

    /// Calls `body` with the chunk's bytes, in place.
    package func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try text.withBytes(body)
    }

    /// The bytes, as a new array.
    package var bytes: [UInt8] { text.bytes }

    /// Calls `body` with the bytes of each of `chunks`, in place and in order (to be written
    /// with one call).
    package static func withBytes<R>(of chunks: ArraySlice<DecidedChunk>, _ body: ([UnsafeRawBufferPointer]) throws -> R) rethrows -> R {
        // Each chunk's storage is its own allocation, which stays put while nothing writes to
        // the chunk; the chunks are kept alive until `body` returns.
        try withExtendedLifetime(chunks) { try body(chunks.map { $0.text.withBytes { $0 } }) }
    }

    /// Takes what `lane` just decided, and gives the lane this chunk's buffer to write the
    /// next chunk into.
    fileprivate func take(from lane: DealStreamDecider.Lane) {
        text.swapContents(with: &lane.writer.text)
    }
}

/// What a decision log keeps of one line of a stream: its place, the deal's `"id"`, and its
/// decision's kind and approvals, or the code of the error that answered it.
package struct DecidedLine: Sendable {
    package let index: Int
    /// The deal's `"id"` as its JSON text.
    package let id: String?
    package let kind: DecisionKind?
    package let required: [String]
    package let error: DiagnosticCode?

    package init(_ decision: Decision, index: Int?) {
        self.index = index ?? 0
        id = decision.id
        kind = decision.kind
        required = decision.required
        error = nil
    }

    init(index: Int, id: String?, error: DiagnosticCode) {
        self.index = index
        self.id = id
        kind = nil
        required = []
        self.error = error
    }
}

/// Hands out chunk numbers 0, 1, 2, … to concurrent workers, each number once.
private final class ChunkCounter: Sendable {
    private let next = Atomic<Int>(0)

    func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
}
