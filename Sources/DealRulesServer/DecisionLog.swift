import DealRules
import ServiceLifecycle
import Synchronization

import Glibc

/// `--decision-log FILE`: one JSON line per decided deal (time, deal id, rule-set version,
/// decision, approvals required), appended to the file in batches. Lines gather in memory and
/// are written and fsynced every `interval` (one second) and at shutdown, so a crash loses at
/// most the last second's lines, and every line in the file is whole (docs/service.md).
package final class DecisionLog: Service, Sendable {
    package let path: String
    private let fd: Int32
    private let pending = Mutex<[UInt8]>([])
    /// Written at once rather than at the next tick when this much has gathered.
    private static let highWater = 4 << 20
    private let interval: Swift.Duration
    /// One write at a time (the tick and a request over the high-water mark).
    private let writing = Mutex(())

    package init(path: String, interval: Swift.Duration = .seconds(1)) throws(ServeFailure) {
        self.path = path
        self.interval = interval
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw ServeFailure("cannot open the decision log `\(path)`: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Adds the lines of one request's decisions.
    package func append(_ lines: [DecidedLine], version: String) {
        let time = UTCTime.now(milliseconds: true)
        var text = ""
        for l in lines {
            guard let kind = l.kind else { continue }
            text += "{\"time\": \"\(time)\", \"index\": \(l.index), \"id\": \(l.id ?? "null"), \"version\": \"\(version)\", "
                + "\"decision\": \"\(kind.rawValue)\", \"required\": [\(l.required.map(jsonString).joined(separator: ", "))]}\n"
        }
        guard !text.isEmpty else { return }
        let full = pending.withLock { buffer in
            buffer.append(contentsOf: text.utf8)
            return buffer.count >= Self.highWater
        }
        if full { flush() }
    }

    /// Writes what has gathered and waits for the disk to have it.
    package func flush() {
        writing.withLock { _ in
            let bytes = pending.withLock { buffer in
                defer { buffer.removeAll(keepingCapacity: true) }
                return buffer
            }
            guard !bytes.isEmpty else { return }
            var done = 0
            while done < bytes.count {
                let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    break
                }
                done += n
            }
            fsync(fd)
        }
    }

    /// Flushes every `interval` until shutdown, then once more.
    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            flush()
        }
        flush()
    }
}
