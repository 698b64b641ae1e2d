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

/// Splits `0 ..< count` into `parts` ranges of nearly equal size, runs `body` on each at once
/// (one thread each, the calling thread being one, the others kept for the next call:
/// `WorkerThreads.shared`) and returns the results in order.
///
/// `body` runs concurrently with itself: it may read shared values but must write only to what
/// it makes (each call works on its own copies).
func inParallel<T>(_ count: Int, parts: Int, _ body: (Range<Int>) -> T) -> [T] {
    let ranges = evenRanges(count, parts: parts)
    if ranges.count == 1 { return [body(ranges[0])] }
    var results = [T?](repeating: nil, count: ranges.count)
    withoutActuallyEscaping(body) { body in
        results.withUnsafeMutableBufferPointer { buffer in
            let shared = UncheckedSendable((body: body, results: buffer))
            let work: @Sendable (Int) -> Void = { p in
                shared.value.results[p] = shared.value.body(ranges[p])
            }
            let threads = WorkerThreads.shared
            if ranges.count <= threads.count {
                threads.run { p in if p < ranges.count { work(p) } }
            } else {
                runConcurrently(ranges.count, work)
            }
        }
    }
    return results.map { $0! }
}

/// Runs `body` on each of `parts` at once, one thread each, and returns the results in order.
/// Each part moves to its thread (`parts` is left empty): what `body` does not keep of it is
/// freed there, not on the caller's thread afterwards.
func inParallel<Element, T>(emptying parts: inout [[Element]], _ body: ([Element]) -> T) -> [T] {
    var boxes: [OwnedPart<Element>] = []
    for i in parts.indices {
        var taken: [Element] = []
        swap(&taken, &parts[i])
        boxes.append(OwnedPart(taken))
    }
    return inParallel(boxes.count, parts: boxes.count) { range in
        range.map { body(boxes[$0].take()) }
    }.flatMap { $0 }
}

/// One part of `inParallel(emptying:)`'s work, held until its thread takes it.
private final class OwnedPart<Element>: @unchecked Sendable {
    // @unchecked: filled before the threads start; then only its own thread takes it.
    private var elements: [Element]
    init(_ elements: [Element]) { self.elements = elements }

    func take() -> [Element] {
        var taken: [Element] = []
        swap(&taken, &elements)
        return taken
    }
}

/// A value handed to other threads on the caller's word that they use it safely.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
