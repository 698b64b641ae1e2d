#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file operations loading needs, over POSIX: no Foundation on the load path.
enum FileSystem {
    enum Kind { case file, directory, missing, other }

    static func kind(_ path: String) -> Kind {
        var st = stat()
        guard stat(path, &st) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    enum ReadError: Error { case missing, unreadable(String), tooLarge(Int) }

    static func read(_ path: String, maxBytes: Int) -> Result<[UInt8], ReadError> {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            return .failure(errno == ENOENT ? .missing : .unreadable(String(cString: strerror(errno))))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        if st.st_mode & S_IFMT == S_IFDIR { return .failure(.unreadable("it is a folder")) }
        if Int(st.st_size) > maxBytes { return .failure(.tooLarge(Int(st.st_size))) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(st.st_size))
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.unreadable(String(cString: strerror(errno))))
            }
            if n == 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > maxBytes { return .failure(.tooLarge(bytes.count)) }
        }
        return .success(bytes)
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// An absolute path with `.` and `..` resolved lexically (symbolic links are left alone).
    static func absolute(_ path: String, relativeTo base: String? = nil) -> String {
        let start = path.hasPrefix("/") ? path : (base ?? currentDirectory()) + "/" + path
        var parts: [Substring] = []
        for p in start.split(separator: "/", omittingEmptySubsequences: true) {
            if p == "." { continue }
            if p == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(p)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The path with every symbolic link resolved, or nil when it does not exist.
    static func real(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `path` relative to `root` when it is inside it.
    static func relative(_ path: String, to root: String) -> String? {
        if path == root { return "" }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : nil
    }

    /// Every `*.rules` file below `root`, as paths relative to it, in bytewise order.
    static func ruleFiles(under root: String) -> [String] {
        var out: [String] = []
        var pending = [""]
        var visited: Set<String> = []
        while let rel = pending.popLast() {
            let dirPath = rel.isEmpty ? root : root + "/" + rel
            guard let real = real(dirPath), visited.insert(real).inserted, let dir = opendir(dirPath) else { continue }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name == "." || name == ".." || name.hasPrefix(".") { continue }
                let child = rel.isEmpty ? name : rel + "/" + name
                switch kind(root + "/" + child) {
                case .directory: pending.append(child)
                case .file where name.hasSuffix(".rules"): out.append(child)
                default: break
                }
            }
        }
        return out.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
