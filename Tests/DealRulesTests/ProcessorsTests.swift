import Foundation
import Testing
@testable import DealRules

/// How many threads the library uses by default: the processors the process may run on.
@Suite struct ProcessorsTests {
    @Test func theAffinityMaskCountsAsNprocCountsIt() throws {
        let nproc = try #require(run("/usr/bin/nproc"))
        #expect(Processors.affinityCount() == Int(nproc))
        #expect(Processors.available >= 1)
        #expect(Processors.available <= Int(nproc)!)
    }

    @Test func aCgroupQuotaIsRoundedUpToWholeProcessors() {
        #expect(Processors.cgroupQuota("max 100000\n") == nil)
        #expect(Processors.cgroupQuota("150000 100000\n") == 2)
        #expect(Processors.cgroupQuota("50000 100000") == 1)
        #expect(Processors.cgroupQuota("200000 100000") == 2)
        #expect(Processors.cgroupQuota("nonsense") == nil)
        #expect(Processors.cgroupQuota(nil) == nil)
    }

    func run(_ program: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        let pipe = Pipe()
        p.standardOutput = pipe
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
