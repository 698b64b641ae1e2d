// `first-load DIR…`: loads a rule set once, in this fresh process, and prints how long the load
// took, wall clock and CPU time (all threads), as one JSON line. The in-process `load N`
// benchmark repeats loads in one process, with the allocator warm; this is what a command that
// starts and loads pays (scripts/bench-peers runs it several times and takes the median).
import DealRules

import Glibc

func now(_ clock: clockid_t) -> Double {
    var t = timespec()
    clock_gettime(clock, &t)
    return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) / 1e6
}

// As the `dealrules` command sets it before it loads anything.
_ = Allocator.keepFreedMemory()
let paths = Array(CommandLine.arguments.dropFirst())
let wall = now(CLOCK_MONOTONIC), cpu = now(CLOCK_PROCESS_CPUTIME_ID)
let result = RuleSet.load(paths: paths)
let wallMs = now(CLOCK_MONOTONIC) - wall, cpuMs = now(CLOCK_PROCESS_CPUTIME_ID) - cpu
guard let rules = result.ruleSet else {
    let message = "first-load: \(paths.joined(separator: " ")) has \(result.diagnostics.count) problems\n"
    _ = write(2, message, message.utf8.count)
    exit(1)
}
print("{\"wall_ms\": \(wallMs), \"cpu_ms\": \(cpuMs), \"rules\": \(rules.rules.count)}")
