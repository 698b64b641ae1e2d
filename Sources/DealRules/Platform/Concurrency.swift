import Dispatch
import Synchronization

import Glibc

/// Runs `body(0)` on the calling thread and `body(1)` … `body(threads - 1)` each on a thread of
/// its own, and returns when all have. (Not `DispatchQueue.concurrentPerform`: its pool adds no
/// thread while it counts the cores busy, and then one thread does all the work.)
func runConcurrently(_ threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
    final class Job: @unchecked Sendable {
        let body: @Sendable (Int) -> Void
        let index: Int
        init(_ body: @escaping @Sendable (Int) -> Void, _ index: Int) {
            self.body = body
            self.index = index
        }
    }
    var started: [pthread_t] = []
    for t in 1..<max(1, threads) {
        var thread = pthread_t()
        let job = Unmanaged.passRetained(Job(body, t)).toOpaque()
        let made = pthread_create(&thread, nil, { arg in
            let job = Unmanaged<Job>.fromOpaque(arg!).takeRetainedValue()
            job.body(job.index)
            return nil
        }, job)
        if made == 0 {
            started.append(thread)
        } else {
            // No thread to be had: this one does that part too.
            Unmanaged<Job>.fromOpaque(job).release()
            body(t)
        }
    }
    body(0)
    for thread in started { pthread_join(thread, nil) }
}

/// Threads kept for work that comes again and again, as a stream's batches do: `run` wakes
/// them instead of starting new ones.
///
/// Not only cheaper: Linux may queue a thread just started on a busy processor, where it waits
/// up to a scheduler tick (4 ms here) while the other processor idles. Once per batch, that
/// made a stream of 100,000 deals take 0.12 s in some runs and 0.18–0.20 s in others. A kept
/// thread, woken from sleep, is put on an idle processor.
package final class WorkerThreads: Sendable {
    /// What the threads share: the work of the current `run`, and a signal each way.
    private final class Shared: @unchecked Sendable {
        // @unchecked: `body` and `stop` are written by `start`, `wait` and `deinit` only while
        // every kept thread waits on `start`; the semaphores order those writes before the
        // threads' reads.
        var body: (@Sendable (Int) -> Void)?
        var stop = false
        let start: [DispatchSemaphore]
        let done = DispatchSemaphore(value: 0)
        init(_ threads: Int) { start = (0..<threads).map { _ in DispatchSemaphore(value: 0) } }
    }

    /// What a kept thread is started with: the shared state and its own number.
    private final class Seat: Sendable {
        let shared: Shared
        let index: Int
        init(_ shared: Shared, _ index: Int) {
            self.shared = shared
            self.index = index
        }
    }

    /// The threads `inParallel` runs on: one per processor, made the first time it runs. A
    /// load of 10,000 rules has three steps on two threads (parse, check, plan); with a thread
    /// started for each, the new thread often waited on the busy processor until the first
    /// one's part was done, and the step took as long as on one thread.
    static let shared = WorkerThreads(count: Processors.available)

    /// Makes the shared threads now, if they are not made yet: a load calls it as soon as it
    /// knows it will work on several threads, before it reads the file. A thread just made may
    /// wait for a processor until the scheduler moves it (see the type's note): made at the
    /// first step of a load of 10,000 rules, the second thread started 1–4 ms late; made while
    /// the file is read, it has most often started by the time it is needed.
    static func prepare() { _ = shared }

    /// How many threads a `run` uses, the caller's included.
    package let count: Int
    private let shared: Shared
    private let threads: [pthread_t]
    /// Whether a `run` or a `start` has the threads.
    private let taken = Atomic<Bool>(false)

    /// `count` threads in all: the caller of `run` and `count - 1` kept here (fewer when the
    /// system will not start more).
    package init(count: Int) {
        let shared = Shared(max(0, count - 1))
        var threads: [pthread_t] = []
        for t in 0..<max(0, count - 1) {
            var thread = pthread_t()
            let seat = Unmanaged.passRetained(Seat(shared, t + 1)).toOpaque()
            let made = pthread_create(&thread, nil, { arg in
                let seat = Unmanaged<Seat>.fromOpaque(arg!).takeRetainedValue()
                let shared = seat.shared, index = seat.index
                Allocator.growThreadArena()
                while true {
                    shared.start[index - 1].wait()
                    if shared.stop { return nil }
                    shared.body?(index)
                    shared.done.signal()
                }
            }, seat)
            guard made == 0 else {
                Unmanaged<Seat>.fromOpaque(seat).release()
                break
            }
            threads.append(thread)
        }
        self.shared = shared
        self.threads = threads
        self.count = threads.count + 1
    }

    deinit {
        shared.stop = true
        for t in threads.indices { shared.start[t].signal() }
        // The last reference may go on a kept thread (with the work it was given); that one
        // cannot wait for itself, and is left to end on its own.
        for thread in threads {
            if pthread_equal(thread, pthread_self()) != 0 { pthread_detach(thread) } else { pthread_join(thread, nil) }
        }
    }

    /// Runs `body(0)` on the calling thread and `body(1)` … `body(count - 1)` on the kept
    /// threads, and returns when all have. While another caller has the kept threads, the work
    /// runs on threads started for this call instead.
    package func run(_ body: @escaping @Sendable (Int) -> Void) {
        guard taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return runConcurrently(count, body)
        }
        wake(body)
        body(0)
        wait()
    }

    /// Starts `body(1)` … `body(count - 1)` on the kept threads and returns at once; `wait`
    /// then waits for them. One `start` at a time, each followed by one `wait`.
    package func start(_ body: @escaping @Sendable (Int) -> Void) {
        let took = taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        precondition(took, "WorkerThreads.start while the threads are in use")
        wake(body)
    }

    /// Waits until the work `start` gave the kept threads is done.
    package func wait() {
        for _ in threads { shared.done.wait() }
        shared.body = nil
        taken.store(false, ordering: .releasing)
    }

    private func wake(_ body: @escaping @Sendable (Int) -> Void) {
        shared.body = body
        for t in threads.indices { shared.start[t].signal() }
    }
}

/// A buffer that concurrent workers write to, each only its own element.
struct UnsafeSendableBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<T>
    init(_ base: UnsafeMutableBufferPointer<T>) { self.base = base }
}

/// Rules each thread takes at least when a large rule set is checked and compiled on several
/// threads: fewer, and starting a thread costs more than it saves.
let rulesPerThread = 1_000

/// Threads to share `count` things of work among, each taking at least `each` of them: one per
/// processor for a large count, else one.
func threadsFor(_ count: Int, each: Int) -> Int {
    max(1, min(Processors.available, count / each))
}

/// The processors this process may use.
package enum Processors {
    /// How many processors this process may run on: those its affinity mask allows
    /// (`taskset`, a container's cpuset), no more than a cgroup's CPU quota grants (a container
    /// with `--cpus 1.5` gets 2), and at least one. Worked out once.
    package static let available: Int = {
        var n = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        if let allowed = affinityCount() { n = min(n, allowed) }
        if let quota = cgroupQuota() { n = min(n, quota) }
        return max(1, n)
    }()

    /// The processors the affinity mask allows. `sched_getaffinity` is a GNU extension the
    /// Glibc module does not bring in, so it is looked up by name; the mask has room for 1,024.
    static func affinityCount() -> Int? {
        typealias GetAffinity = @convention(c) (Int32, Int, UnsafeMutableRawPointer) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_getaffinity") else { return nil }
        let getAffinity = unsafeBitCast(symbol, to: GetAffinity.self)
        var mask = [UInt64](repeating: 0, count: 16)
        let ok = mask.withUnsafeMutableBytes { getAffinity(0, $0.count, $0.baseAddress!) } == 0
        let allowed = mask.reduce(0) { $0 + $1.nonzeroBitCount }
        return ok && allowed > 0 ? allowed : nil
    }

    /// The processors a cgroup (v2) CPU quota grants, rounded up: `cpu.max` holds
    /// "QUOTA PERIOD", or "max PERIOD" when there is no quota.
    static func cgroupQuota(_ cpuMax: String? = FileSystem.readText("/sys/fs/cgroup/cpu.max")) -> Int? {
        guard let parts = cpuMax?.split(separator: " "), parts.count == 2,
              let quota = Int(parts[0]), let period = Int(parts[1].trimmed), quota > 0, period > 0 else { return nil }
        return (quota + period - 1) / period
    }
}

/// `0 ..< count` cut into `parts` ranges of nearly equal size, in order (fewer ranges when
/// `count` is smaller than `parts`; one, empty, when it is 0).
func evenRanges(_ count: Int, parts: Int) -> [Range<Int>] {
    let parts = max(1, min(parts, count))
    return (0..<parts).map { p in (count * p / parts)..<(count * (p + 1) / parts) }
}

/// Splits `0 ..< count` into `parts` ranges of nearly equal size, runs `body` on each on the
/// calling thread and the threads kept for such work (`WorkerThreads.shared`), and returns the
/// results in order.
///
/// Each thread has a run of consecutive parts and takes the next of its own when it is done
/// with one, then the last of another's (`PartQueues`). On our two-processor test VM one
/// thread often ran a quarter slower than the other through a whole step of a load; with one
/// part each, the faster then waited for the slower. With several parts per thread
/// (`partsPerThread`) the faster takes more. Runs keep each thread on the same stretch of the
/// rules from one step of a load to the next: parts taken in turn (0, 1, 2 … by whichever
/// thread was free) had most rules checked on the other thread than had parsed them, which
/// cost a fifth more CPU (the memory moves between the processors' caches, and glibc gives a
/// freed block back to the arena of the thread that allocated it, under that arena's lock).
///
/// `body` runs concurrently with itself: it may read shared values but must write only to what
/// it makes (each call works on its own copies).
func inParallel<T>(_ count: Int, parts: Int, _ body: (Range<Int>) -> T) -> [T] {
    let ranges = evenRanges(count, parts: parts)
    if ranges.count == 1 { return [body(ranges[0])] }
    var results = [T?](repeating: nil, count: ranges.count)
    let threads = WorkerThreads.shared
    let next = PartQueues(ranges.count, threads: threads.count)
    withoutActuallyEscaping(body) { body in
        results.withUnsafeMutableBufferPointer { buffer in
            let shared = UncheckedSendable((body: body, results: buffer))
            threads.run { t in
                while let p = next.take(for: t) {
                    shared.value.results[p] = shared.value.body(ranges[p])
                }
            }
        }
    }
    return results.map { $0! }
}

/// How many parts per thread a step of a load cut for several threads is cut into (see
/// `inParallel`).
let partsPerThread = 4

/// The parts of an `inParallel` step not yet taken: each thread has a run of consecutive parts
/// of its own, which it takes from the front; a thread whose run is done takes from the back of
/// another's. So each thread's parts stay together (the same stretch of the rules in each step
/// of a load) unless the threads run at different speeds.
final class PartQueues: @unchecked Sendable {
    // @unchecked: `runs` is written only in `init`; its atomics are the shared state.
    /// Per thread, its parts not yet taken, `front ..< back`, packed as front << 32 | back.
    private let runs: UnsafeMutableBufferPointer<Atomic<UInt64>>

    init(_ parts: Int, threads: Int) {
        runs = .allocate(capacity: max(1, threads))
        let owned = evenRanges(parts, parts: runs.count)
        for t in runs.indices {
            let r = t < owned.count ? owned[t] : 0..<0
            (runs.baseAddress! + t).initialize(to: Atomic(UInt64(r.lowerBound) << 32 | UInt64(r.upperBound)))
        }
    }

    deinit {
        _ = runs.baseAddress!.deinitialize(count: runs.count)
        runs.deallocate()
    }

    /// The next part thread `t` works on: the front of its own run, else the back of the next
    /// run that has parts left; nil when every part is taken.
    func take(for t: Int) -> Int? {
        if t < runs.count, let p = take(from: t, front: true) { return p }
        for other in 1...runs.count {
            if let p = take(from: (t + other) % runs.count, front: false) { return p }
        }
        return nil
    }

    private func take(from run: Int, front: Bool) -> Int? {
        var old = runs[run].load(ordering: .relaxed)
        while true {
            let lo = old >> 32, hi = old & 0xFFFF_FFFF
            guard lo < hi else { return nil }
            let new = front ? (lo + 1) << 32 | hi : lo << 32 | (hi - 1)
            let (exchanged, now) = runs[run].compareExchange(expected: old, desired: new, ordering: .relaxed)
            if exchanged { return Int(front ? lo : hi - 1) }
            old = now
        }
    }
}

/// Runs `body` on each of `parts` as `inParallel(_:parts:_:)` does, and returns the results in
/// order. Each part moves to the thread that takes it (`parts` is left empty): what `body` does
/// not keep of it is freed there, not on the caller's thread afterwards.
func inParallel<Part, T>(emptying parts: inout [Part], _ body: (consuming Part) -> T) -> [T] {
    let boxes = parts.map(OwnedPart.init)
    parts = []
    return inParallel(boxes.count, parts: boxes.count) { range in
        range.map { body(boxes[$0].take()) }
    }.flatMap { $0 }
}

/// One part of `inParallel(emptying:)`'s work, held until a thread takes it.
private final class OwnedPart<Part>: @unchecked Sendable {
    // @unchecked: filled before the threads start; then only the thread that takes it.
    private var part: Part?
    init(_ part: Part) { self.part = part }

    func take() -> Part {
        defer { part = nil }
        return part!
    }
}

/// A value handed to other threads on the caller's word that they use it safely.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

