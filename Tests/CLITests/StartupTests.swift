import Foundation
import Testing

/// What every command pays before it starts: the libraries the binary loads.
@Suite struct StartupTests {
    /// Loading Foundation (with its ICU data) took about 2.5 ms of every start, 8.3 ms of
    /// `dealrules --version` against 5.7 ms without; the command uses the C library instead (see
    /// Diff.swift's `GitRevision.run`). FoundationEssentials, which swift-argument-parser
    /// brings, is small.
    @Test func theCommandDoesNotLoadFoundation() throws {
        let r = try run("ldd", [binary.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("libswiftCore.so"), "\(r.stdout)")
        #expect(!r.stdout.contains("libFoundation.so"), "\(r.stdout)")
        #expect(!r.stdout.contains("libFoundationInternationalization.so"), "\(r.stdout)")
    }

    /// The HTTP server's libraries (SwiftNIO, Hummingbird, swift-crypto) live in
    /// `dealrules-server`: linked into `dealrules` they made `--version` 1.3 ms slower and a
    /// one-line stream 2.6 ms slower (README, "Performance"). `dealrules serve` runs the server.
    @Test func theCommandDoesNotCarryTheServer() throws {
        let r = try run("nm", ["--defined-only", binary.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("DealRules"), "nm printed no symbols of ours")
        for library in ["Hummingbird", "NIOPosix", "SHA256"] {
            #expect(!r.stdout.contains(library), "dealrules links \(library)")
        }
    }
}
