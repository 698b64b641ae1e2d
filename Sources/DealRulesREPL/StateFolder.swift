import DealRules

#if canImport(Glibc)
import Glibc
#endif

/// Where the REPL keeps what outlives a session: `$XDG_STATE_HOME/dealrules`, else
/// `~/.local/state/dealrules`. It holds `history` and `deal.json` (the current deal).
public struct StateFolder: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The folder for this user, from the environment.
    public static func standard(environment: [String: String]) -> StateFolder? {
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            return StateFolder(path: xdg + "/dealrules")
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return StateFolder(path: home + "/.local/state/dealrules")
    }

    public var historyPath: String { path + "/history" }
    public var dealPath: String { path + "/deal.json" }

    /// Creates the folder (and its parents) if needed; false when it cannot.
    public func create() -> Bool {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0, errno != EEXIST { return false }
        }
        return true
    }
}

/// Writes a file so that a reader never sees half of it: a temporary file beside it, flushed
/// to disk, then renamed over the old one. An interrupted write leaves the old file whole.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileError) {
    let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    let base = path.split(separator: "/").last.map(String.init) ?? path
    var template = Array("\(dir.isEmpty ? "/" : dir)/.\(base).XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw FileError(path: path, reason: String(cString: strerror(errno))) }
    let temp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0, errno == EINTR { continue }
        guard n > 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temp)
            throw FileError(path: path, reason: reason)
        }
        offset += n
    }
    // Keep the old file's permissions when there is one.
    var st = stat()
    fchmod(fd, stat(path, &st) == 0 ? st.st_mode & 0o7777 : 0o644)
    fsync(fd)
    close(fd)
    guard rename(temp, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temp)
        throw FileError(path: path, reason: reason)
    }
}

public struct FileError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write `\(path)`: \(reason)" }
}

/// A whole file's bytes, or nil when it cannot be read.
func readFile(_ path: String, limit: Int = 64 << 20) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0, errno == EINTR { continue }
        if n <= 0 { break }
        bytes += chunk[0..<n]
        if bytes.count > limit { return nil }
    }
    return bytes
}
