// The soak (scripts/soak): whether memory is kept from one load to the next, for a REPL that
// reloads all day and a service that reloads its rules for months. In one process:
//
// - 1,000 loads and frees of the 10,000-rule set (the bench-peers workload), and
// - 1,000 `:reload`s of the samples in a REPL session,
//
// printing the resident memory every 100 and failing (exit 1) when the last figure is more than
// 10% (and 8 MiB) above the figure after the first 100: memory must be flat once the allocator
// has its working set. The allocator is set as the `dealrules` command sets it.

import DealRules
import DealRulesREPL
import Foundation

let arguments = CommandLine.arguments.dropFirst()
let rounds = Int(arguments.first ?? "") ?? 1000
let data = ProcessInfo.processInfo.environment["DEALRULES_BENCH_DATA"] ?? "/tmp/peers-data"
let samples = ProcessInfo.processInfo.environment["DEALRULES_SAMPLES"] ?? "samples/northwind"

/// Resident memory in MiB, from /proc/self/statm.
func residentMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

/// Runs `body` `rounds` times, printing the resident memory every 100; whether it stayed flat.
func soak(_ name: String, _ body: (Int) -> Void) -> Bool {
    var curve: [Double] = []
    let start = Date()
    for i in 1...rounds {
        body(i)
        if i % 100 == 0 || i == rounds {
            curve.append(residentMiB())
            print("\(name): \(i) → \(String(format: "%.1f", curve.last!)) MiB")
            fflush(nil)  // under the leak checker the process ends without flushing its buffers
        }
    }
    let first = curve.first!, last = curve.last!
    let flat = last <= max(first * 1.10, first + 8)
    print("\(name): \(rounds) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s; after 100 \(String(format: "%.1f", first)) MiB, at the end \(String(format: "%.1f", last)) MiB: \(flat ? "flat" : "GROWING")")
    fflush(nil)
    return flat
}

Allocator.keepFreedMemory()
var ok = true
ok = soak("load and free 10,000 rules") { _ in
    let result = RuleSet.load(paths: ["\(data)/dealrules-10000"])
    guard result.ruleSet != nil else { fatalError("\(data)/dealrules-10000 does not load: run scripts/bench-data") }
} && ok
let session = Session(paths: [samples])
ok = soak(":reload of the samples") { _ in
    let reply = session.run(":reload")
    if reply.failed { fatalError(":reload failed: \(reply.output)") }
} && ok
// Under AddressSanitizer (scripts/soak --leaks) the resident memory is ASan's own; its leak
// checker, at exit, is the judge.
exit(ok || ProcessInfo.processInfo.environment["DEALRULES_SOAK_NO_RSS_CHECK"] != nil ? 0 : 1)
