import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Lines of a JSONL stream of deals, gathered to be decided together: their bytes end to end,
/// and where each line lies. A line too long to read is kept as a marker, so it is still
/// answered in its place.
public struct DealBatch: Sendable {
    enum Entry: Sendable {
        case line(Range<Int>)
        case tooLong(bytes: Int)
    }

    var bytes: [UInt8] = []
    var entries: [Entry] = []

    public init() {}

    /// The number of lines in the batch.
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    /// The bytes the batch holds.
    public var byteCount: Int { bytes.count }

    /// Adds one line (one deal's JSON, without its line break).
    public mutating func append(line: some Collection<UInt8>) {
        let start = bytes.count
        bytes.append(contentsOf: line)
        entries.append(.line(start..<bytes.count))
    }

    /// Adds a line that was too long to read, of `bytes` bytes: it is answered with an error.
    public mutating func appendTooLong(bytes n: Int) {
        entries.append(.tooLong(bytes: n))
    }

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
    }
}

/// Decides a stream of deals, a batch at a time, on every core, writing one JSON line per deal
/// in input order: the decision, or for a line that cannot be read, its error in place.
///
/// Each batch is cut into parts that are decided concurrently, each into its own buffer; the
/// buffers are then joined in order. Memory is bounded by the batch, whatever the stream's length.
public struct DealStreamDecider: Sendable {
    public let rules: RuleSet
    public let today: Day
    public let explain: Bool
    /// A decision this severe or worse sets `reachedSeverity`.
    public let failOn: DecisionKind?
    /// How many parts a batch is cut into, at most (1: all on the calling thread).
    public let parallelism: Int

    /// Lines decided so far (the next line's `"index"`).
    public private(set) var index = 0
    /// Lines answered with an error so far.
    public private(set) var badLines = 0
    /// Whether a decision reached `failOn`.
    public private(set) var reachedSeverity = false

    public init(rules: RuleSet, today: Day, explain: Bool = false, failOn: DecisionKind? = nil,
                parallelism: Int = DealStreamDecider.processorCount) {
        self.rules = rules
        self.today = today
        self.explain = explain
        self.failOn = failOn
        self.parallelism = max(1, parallelism)
    }

    /// The processors this process may run on.
    public static var processorCount: Int {
        #if canImport(Glibc)
        let n = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return n > 0 ? n : 1
        #else
        return 1
        #endif
    }

    /// Decides every line of `batch`, appending one JSON line (with its line break) per line
    /// to `out`, in order.
    public mutating func decide(_ batch: DealBatch, into out: inout [UInt8]) {
        let n = batch.entries.count
        guard n > 0 else { return }
        // A few parts per core even out deals of uneven cost; small batches stay on this thread.
        let parts = parallelism == 1 || n < 16 ? 1 : min(n, parallelism * 4)
        if parts == 1 {
            let r = decide(batch, 0..<n, firstIndex: index, into: &out)
            finish(n, r)
            return
        }
        var results = [PartResult](repeating: PartResult(), count: parts)
        let first = index
        let this = self
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = UnsafeSendableBuffer(buffer)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let lo = n * p / parts, hi = n * (p + 1) / parts
                var bytes: [UInt8] = []
                bytes.reserveCapacity((hi - lo) * 256)
                var r = this.decide(batch, lo..<hi, firstIndex: first + lo, into: &bytes)
                r.bytes = bytes
                slots.base[p] = r
            }
        }
        var total = PartResult()
        for r in results {
            out += r.bytes
            total.bad += r.bad
            total.severe = total.severe || r.severe
        }
        finish(n, total)
    }

    private mutating func finish(_ n: Int, _ r: PartResult) {
        index += n
        badLines += r.bad
        reachedSeverity = reachedSeverity || r.severe
    }

    private struct PartResult: Sendable {
        var bytes: [UInt8] = []
        var bad = 0
        var severe = false
    }

    private func decide(_ batch: DealBatch, _ range: Range<Int>, firstIndex: Int, into out: inout [UInt8]) -> PartResult {
        var r = PartResult()
        batch.bytes.withUnsafeBufferPointer { all in
            for e in range {
                let index = firstIndex + (e - range.lowerBound)
                switch batch.entries[e] {
                case .tooLong(let n):
                    let error = DealError(code: .dealLimit, message: "the line is more than \(n) bytes; the limit is \(rules.limits.maxDealBytes)",
                                          help: "raise it with --max-deal-bytes", line: 1, column: 1)
                    out += error.json(index: index).utf8
                    r.bad += 1
                case .line(let span):
                    let line = UnsafeBufferPointer(rebasing: all[span])
                    switch rules.deal(buffer: line) {
                    case .success(let deal):
                        let decision = rules.decide(deal, today: today, explain: explain)
                        decision.appendJSON(to: &out, index: index)
                        if let failOn, decision.kind >= failOn { r.severe = true }
                    case .failure(let error):
                        out += error.json(index: index, id: rules.dealID(json: line)).utf8
                        r.bad += 1
                    }
                }
                out.append(UInt8(ascii: "\n"))
            }
        }
        return r
    }
}

/// A buffer that concurrent workers write to, each only its own element.
private struct UnsafeSendableBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<T>
    init(_ base: UnsafeMutableBufferPointer<T>) { self.base = base }
}
