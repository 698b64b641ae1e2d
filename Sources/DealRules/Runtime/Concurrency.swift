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

/// Threads to share `count` things of work among, each taking at least `each` of them: one per
/// processor for a large count, else one.
func threadsFor(_ count: Int, each: Int) -> Int {
    max(1, min(DealStreamDecider.processorCount, count / each))
}

/// Splits `0 ..< count` into `parts` ranges of nearly equal size, runs `body` on each at once
/// (one thread each, the calling thread being one) and returns the results in order.
///
/// `body` runs concurrently with itself: it may read shared values but must write only to what
/// it makes (each call works on its own copies).
func inParallel<T>(_ count: Int, parts: Int, _ body: (Range<Int>) -> T) -> [T] {
    let parts = max(1, min(parts, count))
    let ranges = (0..<parts).map { p in (count * p / parts)..<(count * (p + 1) / parts) }
    if parts == 1 { return [body(ranges[0])] }
    var results = [T?](repeating: nil, count: parts)
    withoutActuallyEscaping(body) { body in
        results.withUnsafeMutableBufferPointer { buffer in
            let shared = UncheckedSendable((body: body, results: buffer))
            runConcurrently(parts) { p in
                shared.value.results[p] = shared.value.body(ranges[p])
            }
        }
    }
    return results.map { $0! }
}

/// A value handed to other threads on the caller's word that they use it safely.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
