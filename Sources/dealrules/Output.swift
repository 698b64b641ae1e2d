import DealRules

import Glibc

/// Buffered writes to stdout and stderr, and whether colour is wanted.
enum Output {
    nonisolated(unsafe) private static var out: [UInt8] = []

    static func standardOutput(_ s: String) {
        out += Array(s.utf8)
        if out.count > 1 << 16 { flush() }
    }

    static func standardOutput(bytes: [UInt8]) {
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
    static func write(_ bytes: [UInt8]) {
        writeAll(1, bytes)
    }

    static func standardError(_ s: String) {
        flush()
        writeAll(2, Array(s.utf8))
    }

    static func flush() {
        guard !out.isEmpty else { return }
        writeAll(1, out)
        out.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }

    /// Colour only on a terminal, never when `NO_COLOR` is set (to anything but empty) or `TERM=dumb`.
    static func wantsColor(_ fd: Int32) -> Bool {
        if let v = getenv("NO_COLOR"), v.pointee != 0 { return false }
        if let t = getenv("TERM"), String(cString: t) == "dumb" { return false }
        return isatty(fd) != 0
    }
}
