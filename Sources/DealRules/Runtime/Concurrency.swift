import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Runs `body(0)` on the calling thread and `body(1)` … `body(threads - 1)` each on a thread of
/// its own, and returns when all have. (Not `DispatchQueue.concurrentPerform`: its pool adds no
/// thread while it counts the cores busy, as it does while the caller's caller reads the next
/// batch, and then one thread decides the whole batch.)
func runConcurrently(_ threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
    #if canImport(Glibc)
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
    #else
    DispatchQueue.concurrentPerform(iterations: threads, execute: body)
    #endif
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
    max(1, min(DealStreamDecider.processorCount, count / each))
}

/// `0 ..< count` cut into `parts` ranges of nearly equal size, in order (fewer ranges when
/// `count` is smaller than `parts`; one, empty, when it is 0).
func evenRanges(_ count: Int, parts: Int) -> [Range<Int>] {
    let parts = max(1, min(parts, count))
    return (0..<parts).map { p in (count * p / parts)..<(count * (p + 1) / parts) }
}

/// Splits `0 ..< count` into `parts` ranges of nearly equal size, runs `body` on each at once
/// (one thread each, the calling thread being one) and returns the results in order.
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
            runConcurrently(ranges.count) { p in
                shared.value.results[p] = shared.value.body(ranges[p])
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
