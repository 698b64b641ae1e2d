import Crypto
import DealRules
import Synchronization

import Glibc

/// The bearer tokens `--token-file` allows: one a line, blank lines and `#` comments ignored,
/// read again on SIGHUP. Only their SHA-256 digests are kept, and a token is checked against
/// every one of them in constant time, so neither the time taken nor an early exit tells an
/// attacker how much of a token was right.
package final class Tokens: Sendable {
    package let path: String
    private let digests: Mutex<[[UInt8]]>

    /// Reads the file; throws a message when it cannot be read or holds no token.
    package init(path: String) throws(ServeFailure) {
        self.path = path
        digests = Mutex(try Self.read(path))
    }

    /// Reads the file again; on failure the tokens before stay in force and the message says why.
    package func reload() -> ServeFailure? {
        do {
            let fresh = try Self.read(path)
            digests.withLock { $0 = fresh }
            return nil
        } catch {
            return error
        }
    }

    /// Whether `header` (the `Authorization` header's value) carries an allowed token.
    package func allows(_ header: String?) -> Bool {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        let token = header.dropFirst(7).trimmingSpaces
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        var found = false
        for d in digests.withLock({ $0 }) {
            var difference: UInt8 = 0
            for i in 0..<d.count { difference |= d[i] ^ digest[i] }
            found = found || difference == 0
        }
        return found
    }

    private static func read(_ path: String) throws(ServeFailure) -> [[UInt8]] {
        guard let text = ServeFailure.readText(path) else {
            throw ServeFailure("cannot read the token file `\(path)`")
        }
        let tokens = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingSpaces }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !tokens.isEmpty else {
            throw ServeFailure("the token file `\(path)` holds no token (one a line; blank lines and # comments are skipped)")
        }
        return tokens.map { Array(SHA256.hash(data: Array($0.utf8))) }
    }
}

/// Why the service cannot start or go on: a sentence for the person who started it.
package struct ServeFailure: Error, CustomStringConvertible {
    package let description: String
    package init(_ message: String) { description = message }

    /// A whole small file as text, or nil.
    static func readText(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            bytes += buffer[..<n]
        }
        return ferror(f) == 0 ? String(decoding: bytes, as: UTF8.self) : nil
    }
}

extension StringProtocol {
    /// Without spaces, tabs and a CR at either end.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
