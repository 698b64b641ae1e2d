import DealRules
import Glibc

/// Starts a detached thread running `body`.
func startThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    // Loading a large rule set recurses; give the thread the main thread's usual stack.
    pthread_attr_setstacksize(&attributes, 8 << 20)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    let made = pthread_create(&thread, &attributes, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, box)
    pthread_attr_destroy(&attributes)
    precondition(made == 0, "cannot start a thread")
}

/// A lock and a condition, for the few places threads hand work to each other.
final class Monitor: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()

    init() {
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }

    /// Waits (holding the lock when called) until signalled or `deadline` (seconds on the
    /// monotonic clock) passes.
    func wait(until deadline: Double?) {
        guard let deadline else {
            pthread_cond_wait(&condition, &mutex)
            return
        }
        var t = timespec()
        t.tv_sec = Int(deadline)
        t.tv_nsec = Int((deadline - Double(Int(deadline))) * 1e9)
        pthread_cond_timedwait(&condition, &mutex, &t)
    }

    func signal() { pthread_cond_broadcast(&condition) }
}

/// Seconds on the monotonic clock.
func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// Messages and results waiting for the server's main loop, in arrival order.
final class EventQueue<Event: Sendable>: @unchecked Sendable {
    private let monitor = Monitor()
    private var events: [Event] = []
    private var head = 0

    func post(_ event: Event) {
        monitor.locked {
            events.append(event)
            monitor.signal()
        }
    }

    /// The next event, or nil when `deadline` passes first.
    func take(until deadline: Double?) -> Event? {
        monitor.locked {
            while head == events.count {
                if let deadline, now() >= deadline { return nil }
                monitor.wait(until: deadline)
            }
            let e = events[head]
            head += 1
            if head == events.count {
                events.removeAll(keepingCapacity: true)
                head = 0
            }
            return e
        }
    }

    /// Whether an event is waiting (so a check can wait for the last of several edits).
    var isEmpty: Bool { monitor.locked { head == events.count } }
}
