import DealRules

import Glibc

/// Where the REPL keeps what outlives a session: `$XDG_STATE_HOME/dealrules`, else
/// `~/.local/state/dealrules`. It holds `history`, `deal.json` (the current deal) and
/// `approved.json` (the version of it recorded with `:approved`, when there is one).
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
    public var approvedPath: String { path + "/approved.json" }

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
