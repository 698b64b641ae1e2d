import Foundation
import Testing

/// The scripts a newcomer runs first (README, "Set up and run it on the samples").
@Suite struct ScriptTests {
    /// `scripts/try-samples` stops when the build fails, with the build's own message and its
    /// status: it must never go on to run a binary left from an earlier build.
    @Test func trySamplesStopsWhenTheBuildFails() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let swift = dir.appendingPathComponent("swift")
        try "#!/bin/sh\necho 'error: the build failed here' >&2\nexit 1\n".write(to: swift, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: swift.path)
        let path = dir.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let r = try run("bash", ["scripts/try-samples"], environment: ["PATH": path])
        #expect(r.status != 0)
        #expect((r.stdout + r.stderr).contains("error: the build failed here"))
        #expect(!r.stdout.contains("$ dealrules check"), "it ran the samples after a failed build:\n\(r.stdout)")
    }
}
