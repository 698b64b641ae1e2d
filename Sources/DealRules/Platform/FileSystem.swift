import Glibc

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

    /// The size of the file at `path` in bytes; nil when it is not there.
    static func size(_ path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
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
        // Read straight into the array, as large as the file is (one copy, the kernel's); then
        // on to the end, 64 KiB at a time, for a file that grew since or that tells no size
        // (`/sys`, a pipe), up to the limit.
        var failure: Int32?
        func readInto(_ buffer: inout UnsafeMutableBufferPointer<UInt8>, _ count: inout Int) {
            count = 0
            while count < buffer.count {
                let n = Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count)
                if n < 0, errno == EINTR { continue }
                if n < 0 { failure = errno }
                if n <= 0 { return }
                count += n
            }
        }
        var bytes = [UInt8](unsafeUninitializedCapacity: Int(st.st_size), initializingWith: readInto)
        while failure == nil, bytes.count <= maxBytes {
            let more = [UInt8](unsafeUninitializedCapacity: 1 << 16, initializingWith: readInto)
            if more.isEmpty { break }
            bytes += more
        }
        if let failure { return .failure(.unreadable(String(cString: strerror(failure)))) }
        if bytes.count > maxBytes { return .failure(.tooLarge(bytes.count)) }
        return .success(bytes)
    }

    /// A small text file's contents (a setting under /proc or /sys), or nil.
    static func readText(_ path: String) -> String? {
        guard case .success(let bytes) = read(path, maxBytes: 1 << 16) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
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

/// Writes a file so that a reader never sees half of it: a temporary file beside it, flushed
/// to disk, then renamed over the old one. An interrupted write leaves the old file whole.
package func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileError) {
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

package struct FileError: Error, Sendable, CustomStringConvertible {
    package let path: String
    package let reason: String
    package var description: String { "cannot write `\(path)`: \(reason)" }
}

/// The rule files that command-line paths name: a file as given, a folder as every `*.rules`
/// below it (in bytewise order, hidden ones skipped).
package enum RuleFiles {
    package static func list(_ paths: [String]) -> (files: [String], missing: [String]) {
        var files: [String] = []
        var missing: [String] = []
        for p in paths {
            switch FileSystem.kind(p) {
            case .directory:
                let base = p.hasSuffix("/") ? String(p.dropLast()) : p
                files += FileSystem.ruleFiles(under: base).map { base + "/" + $0 }
            case .file:
                files.append(p)
            case .missing, .other:
                missing.append(p)
            }
        }
        return (files, missing)
    }
}
