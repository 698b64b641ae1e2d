import ArgumentParser
import DealRules
import Synchronization

import Glibc

/// Buffered writes to stdout and stderr, and whether colour is wanted.
package enum Output {
    nonisolated(unsafe) private static var out: [UInt8] = []
    /// The error (`errno`) of the first write to stdout that failed, 0 while none has: a full
    /// disk, a closed file. Nothing is written after it; the command ends with exit 1 and says
    /// so (`runAndExit`), where it would otherwise have ended as if the output were whole.
    private static let failure = Atomic<Int32>(0)

    /// Whether a write to stdout has failed (a stream stops deciding then).
    package static var failed: Bool { failure.load(ordering: .relaxed) != 0 }


    /// What to say about a failed write, if one failed.
    package static var failureMessage: String? {
        let e = failure.load(ordering: .relaxed)
        guard e != 0 else { return nil }
        return "error: cannot write the output: \(String(cString: strerror(e)))\n"
            + "  = help: the disk may be full, or the file or pipe it went to was closed; nothing after this error was written\n"
    }

    package static func standardOutput(_ s: String) {
        out += Array(s.utf8)
        if out.count > 1 << 16 { flush() }
    }

    package static func standardOutput(bytes: [UInt8]) {
        if bytes.count > 1 << 16 {
            // Large output goes straight out, not through the buffer.
            flush()
            writeAll(1, bytes)
            return
        }
        out += bytes
        if out.count > 1 << 16 { flush() }
    }

    /// Writes bytes to stdout at once, past the buffer (call `flush()` first to keep order).
    package static func write(_ bytes: [UInt8]) {
        writeAll(1, bytes)
    }

    /// Writes bytes to stdout at once, past the buffer, from memory the caller lends.
    package static func write(_ bytes: UnsafeRawBufferPointer) {
        writeAll(1, bytes)
    }

    /// Writes `pieces` to stdout one after another, at once, past the buffer: with as few
    /// calls as the system allows (a batch of decisions is a few dozen chunks, and one call
    /// for all of them took a twentieth less CPU than one each at 100 rules).
    package static func write(_ pieces: [UnsafeRawBufferPointer]) {
        writeAll(1, pieces)
    }

    package static func standardError(_ s: String) {
        flush()
        writeAll(2, Array(s.utf8))
    }

    package static func flush() {
        guard !out.isEmpty else { return }
        writeAll(1, out)
        out.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        writeAll(fd, [bytes])
    }

    /// Writes every byte of `pieces` to `fd`, in order, again after an interrupted or partial
    /// write; the first failure on stdout is kept (`failure`), and stdout is written no more.
    private static func writeAll(_ fd: Int32, _ pieces: [UnsafeRawBufferPointer]) {
        if fd == 1, failed { return }
        var pending = PendingPieces(pieces)
        while !pending.isEmpty {
            let n = pending.withVectors { writev(fd, $0.baseAddress, Int32($0.count)) }
            if n < 0 {
                if errno == EINTR { continue }
                if fd == 1 { _ = failure.compareExchange(expected: 0, desired: errno, ordering: .relaxed) }
                return
            }
            pending.drop(n)
        }
    }

    /// Colour only on a terminal, never when `NO_COLOR` is set (to anything but empty) or `TERM=dumb`.
    package static func wantsColor(_ fd: Int32) -> Bool {
        if let v = getenv("NO_COLOR"), v.pointee != 0 { return false }
        if let t = getenv("TERM"), String(cString: t) == "dumb" { return false }
        return isatty(fd) != 0
    }
}

/// What a command keeps until the process exits: never freed, since `exit` hands the memory
/// back at once. Freeing a rule set of 10,000 rules, object by object, just before the command
/// exited took a tenth of `dealrules check`'s time. Kept here (not merely retained) so that a
/// leak checker still reaches it.
private let keptUntilExit = Mutex<[any AnyObject & Sendable]>([])

/// Keeps `object` (a one-shot command's rule set) until the process exits.
package func keepUntilExit(_ object: any AnyObject & Sendable) {
    keptUntilExit.withLock { $0.append(object) }
}

/// Parses and runs a command, and exits with the status of docs/language.md: 0, what the
/// command throws as `ExitCode`, 2 for a usage error (argument-parser's default is 64), 1 for
/// any other error (its message on stderr).
package func runAndExit(_ root: any ParsableCommand.Type, _ arguments: [String]) -> Never {
    /// Exits with `status`, or with 1 when some output could not be written (which it says).
    func exit(_ status: Int32) -> Never {
        Output.flush()
        if let failure = Output.failureMessage {
            Output.standardError(failure)
            Glibc.exit(1)
        }
        Glibc.exit(status)
    }
    do {
        var command = try root.parseAsRoot(arguments)
        try command.run()
    } catch {
        let code = root.exitCode(for: error)
        if let status = error as? ExitCode { exit(status.rawValue) }
        let message = root.fullMessage(for: error)
        if code == .success {
            Output.standardOutput(message + "\n")
            exit(0)
        }
        Output.standardError(message + "\n")
        exit(code == .validationFailure ? 2 : code.rawValue)
    }
    exit(0)
}

/// What is left to write of a `writev`: the pieces not yet written, the first of them perhaps
/// in part.
package struct PendingPieces {
    private var vectors: [iovec]
    private var first = 0
    /// IOV_MAX, a macro Swift does not import (1,024 on Linux): the most one call takes.
    private static let most = max(16, sysconf(Int32(_SC_IOV_MAX)))

    /// `pieces` in order (empty ones left out); their memory must outlive this value.
    package init(_ pieces: [UnsafeRawBufferPointer]) {
        vectors = pieces.filter { $0.count > 0 }.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count) }
    }

    package var isEmpty: Bool { first == vectors.count }

    /// Calls `body` with the next pieces to write, as many as one call takes.
    package func withVectors<R>(_ body: (UnsafeBufferPointer<iovec>) throws -> R) rethrows -> R {
        try vectors[first..<min(vectors.count, first + Self.most)].withUnsafeBufferPointer(body)
    }

    /// Forgets the first `n` bytes left, which were written.
    package mutating func drop(_ n: Int) {
        var n = n
        while first < vectors.count, n >= vectors[first].iov_len {
            n -= vectors[first].iov_len
            first += 1
        }
        if n > 0 {
            vectors[first].iov_base += n
            vectors[first].iov_len -= n
        }
    }
}
