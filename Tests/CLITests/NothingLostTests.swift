import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Files are replaced whole or not at all: killing `fmt --write` at any moment leaves either
/// the old file or the new one, never a mix.
@Suite struct NothingLostTests {
    /// Output that cannot be written (a full disk: /dev/full) is said on stderr and the exit is
    /// 1, where it used to end with 0 as if the output were whole; a stream stops at the first
    /// failed write, on one thread or two. The same commands written to a file exit 0.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full")), arguments: [
        ["eval", "samples/northwind", "--deals", "STREAM", "--jobs", "1"],
        ["eval", "samples/northwind", "--deals", "STREAM", "--jobs", "2"],
        ["eval", "samples/northwind", "--deal", "samples/deals/approved.json"],
        ["check", "samples/northwind"],
    ])
    func outputThatCannotBeWrittenIsSaidAndExitsOne(arguments: [String]) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The samples' first two deals (both readable) again and again: several batches.
        let sample = try String(contentsOf: packageRoot.appendingPathComponent("samples/deals/stream.jsonl"), encoding: .utf8)
        let good = sample.split(separator: "\n").prefix(2).joined(separator: "\n") + "\n"
        let stream = dir.appendingPathComponent("deals.jsonl")
        try String(repeating: good, count: 3_000).write(to: stream, atomically: true, encoding: .utf8)
        let args = arguments.map { $0 == "STREAM" ? stream.path : $0 }
        #expect(try dealrules(args).status == 0)
        let full = try run("sh", ["-c", #""$0" "$@" > /dev/full"#, binary.path] + args)
        #expect(full.status == 1)
        #expect(full.stderr.contains("error: cannot write the output: No space left on device"), "\(full.stderr)")
    }

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
