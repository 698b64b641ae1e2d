import DealRules
import Synchronization

/// What a `Handoff` gathers between two takes.
protocol Gathering: Sendable {
    init()
    var isEmpty: Bool { get }
    /// How full it is, against the hand-off's limit.
    var weight: Int { get }
}

extension DealBatch: Gathering {
    var weight: Int { byteCount }
}

/// Parts of a response, in order.
struct Parts: Gathering {
    var parts: [[UInt8]] = []
    var isEmpty: Bool { parts.isEmpty }
    var weight: Int { parts.count }
}

/// Hands work from one task to the next in a batch's pipeline (reading the body, deciding,
/// writing the response), so that the three overlap as `eval --deals` reads one batch while it
/// decides the last and writes the one before. The taker takes everything gathered since it
/// last took: batches grow while the taker is the slower, and a deal sent alone is answered at
/// once. The giver waits once `limit` is reached, so memory stays bounded however large the
/// body or the answer.
final class Handoff<Pending: Gathering>: Sendable {
    private struct State: ~Copyable {
        var pending = Pending()
        var ended = false
        var closed = false
        var error: ServiceError?
        var taker: CheckedContinuation<Void, Never>?
        var giver: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>
    private let limit: Int

    init(_ first: Pending = Pending(), limit: Int) {
        var s = State()
        s.pending = first
        state = Mutex(s)
        self.limit = limit
    }

    /// Adds to what is pending (`add` does it); waits while the limit is reached. False once
    /// the taker has stopped: the giver stops too.
    func give<Failure: Error>(_ add: (inout Pending) throws(Failure) -> Void) async throws(Failure) -> Bool {
        let (wake, full, open): (CheckedContinuation<Void, Never>?, Bool, Bool) = try state.withLock { s throws(Failure) in
            guard !s.closed else { return (nil, false, false) }
            try add(&s.pending)
            let wake = s.pending.isEmpty ? nil : s.taker
            if wake != nil { s.taker = nil }
            return (wake, s.pending.weight >= limit, true)
        }
        wake?.resume()
        guard open else { return false }
        if full {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s in
                    if s.closed || s.pending.weight < limit { return true }
                    s.giver = c
                    return false
                }
                if now { c.resume() }
            }
        }
        return true
    }

    /// Nothing more will be given: the work ended, whole or with the error that broke it off.
    func end(_ error: ServiceError? = nil) {
        let wake = state.withLock { s in
            s.ended = true
            s.error = error
            defer { s.taker = nil }
            return s.taker
        }
        wake?.resume()
    }

    /// The taker stops (its client is gone): a waiting giver goes on, and stops.
    func close() {
        let wake = state.withLock { s in
            s.closed = true
            defer { s.giver = nil }
            return s.giver
        }
        wake?.resume()
    }

    /// Everything given since the last take (waiting until there is some), or nil once it has
    /// ended and all was taken, with the error it ended with.
    func take() async -> (taken: Pending?, error: ServiceError?) {
        while true {
            let taken: (Pending?, ServiceError?, CheckedContinuation<Void, Never>?)? = state.withLock { s in
                if !s.pending.isEmpty {
                    var all = Pending()
                    swap(&all, &s.pending)
                    defer { s.giver = nil }
                    return (all, nil, s.giver)
                }
                return s.ended ? (nil, s.error, nil) : nil
            }
            if let (all, error, giver) = taken {
                giver?.resume()
                return (all, error)
            }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s in
                    if !s.pending.isEmpty || s.ended { return true }
                    s.taker = c
                    return false
                }
                if now { c.resume() }
            }
        }
    }
}

/// Buffers that were written, filled again for the next parts (no new memory for each part).
final class SpareBuffers: Sendable {
    private let spare = Mutex<[[UInt8]]>([])

    /// An empty buffer, with the capacity of one used before when there is one.
    func take() -> [UInt8] {
        var b = spare.withLock { $0.popLast() } ?? []
        b.removeAll(keepingCapacity: true)
        return b
    }

    func give(_ buffer: [UInt8]) {
        spare.withLock { if $0.count < 4 { $0.append(buffer) } }
    }
}
