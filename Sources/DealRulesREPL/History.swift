import DealRules

import Glibc

/// The REPL's history file, in a format the project owns:
///
///     # dealrules history 1
///     discount = 25%
///     rule deep:\n  require finance_approval when discount > 20%
///
/// One entry per line, with `\` written `\\` and line breaks `\n` (`\r`), so a multi-line
/// entry stays one entry. Entries are appended under an exclusive lock in one write each, so
/// two REPLs at once never interleave; a line cut short by a crash (no final line break) is
/// ignored. When the file grows past twice its size bound it is compacted to the newest
/// `limit` entries by writing a new file and renaming it over the old one.
public struct HistoryFile: Sendable {
    public let path: String
    public let limit: Int
    static let header = "# dealrules history 1"
    /// Longer entries (a pasted file) are not kept.
    static let maxEntryBytes = 64 << 10

    public init(path: String, limit: Int = 1000) {
        self.path = path
        self.limit = limit
    }

    public static func encode(_ entry: String) -> String {
        var out = ""
        for c in entry.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    public static func decode(_ line: Substring) -> String? {
        var out = ""
        var escaped = false
        for c in line.unicodeScalars {
            if escaped {
                switch c {
                case "\\": out += "\\"
                case "n": out += "\n"
                case "r": out += "\r"
                default: return nil
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return escaped ? nil : out
    }

    /// The entries, oldest first: at most `limit` of the newest.
    public func load() -> [String] {
        guard let bytes = readFile(path) else { return [] }
        return Array(Self.entries(bytes).suffix(limit))
    }

    static func entries(_ bytes: [UInt8]) -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // The last piece has no line break after it: empty, or cut short by a crash.
        lines.removeLast()
        return lines.filter { $0 != Substring(header) && !$0.isEmpty }.compactMap(decode)
    }

    /// Appends one entry; never throws (history is a convenience, not a duty).
    public func append(_ entry: String) {
        guard !entry.isEmpty, entry.utf8.count <= Self.maxEntryBytes else { return }
        let line = Array((Self.encode(entry) + "\n").utf8)
        for _ in 0..<3 {
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
            guard fd >= 0 else { return }
            defer { close(fd) }
            guard flock(fd, LOCK_EX) == 0 else { return }
            // Compacted (renamed) while we waited for the lock: append to the new file instead.
            var mine = stat(), current = stat()
            guard fstat(fd, &mine) == 0, stat(path, &current) == 0, mine.st_ino == current.st_ino else { continue }
            var bytes = mine.st_size == 0 ? Array((Self.header + "\n").utf8) : []
            bytes += line
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if Int(mine.st_size) + bytes.count > limit * 2 * 80 { compact() }
            return
        }
    }

    /// Keeps the newest `limit` entries. Called with the lock held.
    private func compact() {
        guard let bytes = readFile(path) else { return }
        let kept = Self.entries(bytes).suffix(limit)
        guard kept.count < Self.entries(bytes).count else { return }
        let text = ([Self.header] + kept.map(Self.encode)).joined(separator: "\n") + "\n"
        try? writeAtomically(Array(text.utf8), to: path)
    }
}
