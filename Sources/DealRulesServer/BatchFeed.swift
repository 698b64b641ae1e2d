import DealRules
import Synchronization

/// Hands the deals of a batch body from the task that reads it to the task that decides them,
/// so that reading and deciding overlap (as `eval --deals` reads one batch while it decides the
/// last): the decider takes everything gathered since it last took, so batches grow while
/// deciding is slower than reading and a deal sent alone is answered at once. The reader waits
/// when `limit` bytes are waiting, so memory stays bounded however large the body.
final class BatchFeed: Sendable {
    private struct State: ~Copyable {
        var pending = DealBatch()
        var ended = false
        var closed = false
        var error: ServiceError?
        var decider: CheckedContinuation<Void, Never>?
        var reader: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>
    private let limit: Int

    init(first: DealBatch, limit: Int = 4 << 20) {
        var s = State()
        s.pending = first
        state = Mutex(s)
        self.limit = limit
    }

    /// Adds deals (`add` cuts them into the batch); waits while `limit` bytes are waiting.
    /// False once the decider has stopped: the reader stops too.
    func add(_ add: (inout DealBatch) throws(ServiceError) -> Void) async throws(ServiceError) -> Bool {
        let (wake, full, open): (CheckedContinuation<Void, Never>?, Bool, Bool) = try state.withLock { s throws(ServiceError) in
            guard !s.closed else { return (nil, false, false) }
            try add(&s.pending)
            let wake = s.pending.isEmpty ? nil : s.decider
            if wake != nil { s.decider = nil }
            return (wake, s.pending.byteCount >= limit, true)
        }
        wake?.resume()
        guard open else { return false }
        if full {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s in
                    if s.closed || s.pending.byteCount < limit { return true }
                    s.reader = c
                    return false
                }
                if now { c.resume() }
            }
        }
        return true
    }

    /// The body has ended, whole or with the error that broke it off.
    func end(_ error: ServiceError? = nil) {
        let wake = state.withLock { s in
            s.ended = true
            s.error = error
            defer { s.decider = nil }
            return s.decider
        }
        wake?.resume()
    }

    /// The decider stops (its client is gone): a waiting reader goes on, and stops.
    func close() {
        let wake = state.withLock { s in
            s.closed = true
            defer { s.reader = nil }
            return s.reader
        }
        wake?.resume()
    }

    /// Every deal gathered since the last call (waiting until there is one), or nil once the
    /// body has ended and all was taken, with the error it ended with.
    func next() async -> (batch: DealBatch?, error: ServiceError?) {
        while true {
            let taken: (DealBatch?, ServiceError?, CheckedContinuation<Void, Never>?)? = state.withLock { s in
                if !s.pending.isEmpty {
                    var batch = DealBatch()
                    swap(&batch, &s.pending)
                    defer { s.reader = nil }
                    return (batch, nil, s.reader)
                }
                return s.ended ? (nil, s.error, nil) : nil
            }
            if let (batch, error, reader) = taken {
                reader?.resume()
                return (batch, error)
            }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s in
                    if !s.pending.isEmpty || s.ended { return true }
                    s.decider = c
                    return false
                }
                if now { c.resume() }
            }
        }
    }
}

/// Hands the decided lines from the task that decides to the task that writes the response,
/// so that the next part is decided while the last is sent (a batch's answer can be larger
/// than its body: a gigabyte for 100,000 deals under 1,000 rules). At most `capacity` parts
/// wait; the decider waits for the writer beyond that.
final class OutputQueue: Sendable {
    private struct State: ~Copyable {
        var parts: [[UInt8]] = []
        var ended = false
        var closed = false
        var writer: CheckedContinuation<Void, Never>?
        var decider: CheckedContinuation<Void, Never>?
        /// Parts already written, kept to be filled again (no new memory for each part).
        var spare: [[UInt8]] = []
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int = 2) { self.capacity = capacity }

    /// Queues a part; false once the writer has stopped (its client is gone).
    func put(_ part: [UInt8]) async -> Bool {
        let (wake, full, open): (CheckedContinuation<Void, Never>?, Bool, Bool) = state.withLock { s in
            guard !s.closed else { return (nil, false, false) }
            s.parts.append(part)
            defer { s.writer = nil }
            return (s.writer, s.parts.count >= capacity, true)
        }
        wake?.resume()
        guard open else { return false }
        if full {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s in
                    if s.closed || s.parts.count < capacity { return true }
                    s.decider = c
                    return false
                }
                if now { c.resume() }
            }
        }
        return true
    }

    /// An empty buffer for the next part: one written before, when there is one.
    func buffer() -> [UInt8] {
        var b = state.withLock { $0.spare.popLast() } ?? []
        b.removeAll(keepingCapacity: true)
        return b
    }

    /// A part that was written, to be filled again.
    func recycle(_ part: [UInt8]) {
        state.withLock { s in if s.spare.count < capacity + 1 { s.spare.append(part) } }
    }

    /// No more parts will come.
    func end() {
        let wake = state.withLock { s in
            s.ended = true
            defer { s.writer = nil }
            return s.writer
        }
        wake?.resume()
    }

    /// The writer stops: a waiting decider goes on, and stops.
    func close() {
        let wake = state.withLock { s in
            s.closed = true
            defer { s.decider = nil }
            return s.decider
        }
        wake?.resume()
    }

    /// The next part, waiting for one; nil once all were taken and no more will come.
    func next() async -> [UInt8]? {
        while true {
            let taken: ([UInt8]?, CheckedContinuation<Void, Never>?, Bool) = state.withLock { s in
                if !s.parts.isEmpty {
                    defer { s.decider = nil }
                    return (s.parts.removeFirst(), s.decider, true)
                }
                return (nil, nil, s.ended)
            }
            if taken.0 != nil || taken.2 {
                taken.1?.resume()
                return taken.0
            }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s in
                    if !s.parts.isEmpty || s.ended { return true }
                    s.writer = c
                    return false
                }
                if now { c.resume() }
            }
        }
    }
}
