import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs `dealrules` on a pseudo-terminal, as a person at a terminal would, and reads what it
/// shows. Reads use `poll` with timeouts, never a blocking read.
final class PseudoTerminal {
    let master: Int32
    let pid: pid_t
    private(set) var output = ""

    enum Failure: Error { case openpty, spawn(Int32) }

    init(_ arguments: [String], environment: [String: String] = [:], directory: URL = packageRoot) throws {
        var m: Int32 = -1, s: Int32 = -1
        var size = winsize(ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
        var name = [CChar](repeating: 0, count: 256)
        guard openpty(&m, &s, &name, nil, &size) == 0 else { throw Failure.openpty }
        master = m
        let slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        close(s)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // After setsid, opening the terminal makes it the child's controlling terminal.
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(0x80))  // POSIX_SPAWN_SETSID

        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm"
        env.removeValue(forKey: "NO_COLOR")
        for (k, v) in environment { env[k] = v }
        // posix_spawn cannot change folder portably: a shell does, then becomes dealrules.
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, binary.path] + arguments
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0)=\($1)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/bin/sh", &actions, &attributes, cArgs, cEnv)
        guard rc == 0 else { throw Failure.spawn(rc) }
        pid = child
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(master)
    }

    /// Reads whatever arrives within `timeout` seconds, or until `marker` appears.
    /// Only output after this many characters counts when looking for a marker.
    var mark = 0

    @discardableResult
    func read(until marker: String? = nil, timeout: Double = 10) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            if let marker, output.dropFirst(mark).contains(marker) { break }
            var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fds, 1, 50)
            if ready <= 0 { continue }
            let n = Glibc.read(master, &buffer, buffer.count)
            if n <= 0 { break }
            output += String(decoding: buffer[0..<n], as: UTF8.self)
        }
        return output
    }

    /// Waits until the program has put the terminal in raw mode (ICANON off), so bytes written
    /// next are read as keys, not by the kernel's line discipline.
    func waitForRawMode(timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var t = termios()
        while Date() < deadline {
            if tcgetattr(master, &t) == 0, t.c_lflag & tcflag_t(ICANON) == 0 { return true }
            read(timeout: 0.02)
        }
        return false
    }

    func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
    }

    /// The exit status once the program ends (reading its output meanwhile), or nil on timeout.
    func waitForExit(timeout: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            read(timeout: 0.05)
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                read(timeout: 0.1)
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
        }
        return nil
    }
}
