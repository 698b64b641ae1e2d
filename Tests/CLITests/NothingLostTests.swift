import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Files are replaced whole or not at all: killing `fmt --write` at any moment leaves either
/// the old file or the new one, never a mix.
@Suite struct NothingLostTests {
    @Test func killingFmtWriteLeavesAWholeFile() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("big.rules")
        // Several megabytes, so a write takes long enough to be interrupted.
        var text = "deal{a:number}\n"
        for i in 0..<60_000 { text += "warn  when a>\(i)   # rule \(i)\n" }
        try text.write(to: file, atomically: true, encoding: .utf8)
        let formatted = try dealrules(["fmt", file.path, "--max-file-bytes", "100000000"]).stdout
        #expect(formatted.count > text.count / 2)
        var interrupted = 0
        for delay in stride(from: 0.02, through: 0.6, by: 0.08) {
            try text.write(to: file, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = binary
            p.arguments = ["fmt", file.path, "--write", "--max-file-bytes", "100000000"]
            try p.run()
            Thread.sleep(forTimeInterval: delay)
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                interrupted += 1
            }
            p.waitUntilExit()
            let now = try String(contentsOf: file, encoding: .utf8)
            #expect(now == text || now == formatted, "after a kill at \(delay)s the file is neither the old one nor the new one")
        }
        #expect(interrupted > 0, "no run was interrupted; the test proves nothing")
    }
}
