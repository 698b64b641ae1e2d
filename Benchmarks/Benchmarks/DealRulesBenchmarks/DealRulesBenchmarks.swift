// In-process benchmarks on the bench-peers workload (../shared/bench-peers): the same rule sets
// at N = 10, 100, 1,000 and 10,000 rules and the same deals the peer engines are measured on.
//
// - load N:            load and check the rule set (files read, parsed, checked, compiled)
// - decide N:          one deal decided (already read); the median is the per-deal latency
// - decide+json N:     one deal decided and its JSON line written, outcomes and messages included
// - stream N:          1,000 JSONL lines read, decided and written on every core (per line)
//
// The data comes from scripts/bench (DEALRULES_BENCH_DATA, default /tmp/peers-data).

import Benchmark
import DealRules
import Foundation

let dataDirectory = ProcessInfo.processInfo.environment["DEALRULES_BENCH_DATA"] ?? "/tmp/peers-data"
let sizes = [10, 100, 1000, 10000]
/// The deals every benchmark cycles through (the first lines of the 100,000).
let dealCount = 10_000
let today = Day(year: 2026, month: 12, day: 1)!

final class Workload: @unchecked Sendable {
    let rules: RuleSet
    let deals: [Deal]
    let lines: [ArraySlice<UInt8>]
    /// The next deal to decide: each iteration takes the next one, round the list.
    private var cursor = 0

    init(rules: RuleSet, deals: [Deal], lines: [ArraySlice<UInt8>]) {
        self.rules = rules
        self.deals = deals
        self.lines = lines
    }

    func next() -> (Int, Deal) {
        let i = cursor
        cursor = i + 1 == deals.count ? 0 : i + 1
        return (i, deals[i])
    }
}

func rulesPath(_ n: Int) -> String { "\(dataDirectory)/dealrules-\(n)" }

func loadRules(_ n: Int) -> RuleSet {
    let result = RuleSet.load(paths: [rulesPath(n)])
    guard let rules = result.ruleSet else {
        fatalError("cannot load \(rulesPath(n)): \(result.summary); run scripts/bench to generate the workload")
    }
    return rules
}

func readLines(_ count: Int) -> [ArraySlice<UInt8>] {
    let path = "\(dataDirectory)/deals-100000.dealrules.jsonl"
    guard let data = FileManager.default.contents(atPath: path) else {
        fatalError("cannot read \(path); run scripts/bench to generate the workload")
    }
    let bytes = [UInt8](data)
    return Array(bytes.split(separator: UInt8(ascii: "\n")).prefix(count))
}

nonisolated(unsafe) var workloads: [Int: Workload] = [:]

func workload(_ n: Int) -> Workload {
    if let w = workloads[n] { return w }
    let rules = loadRules(n)
    let lines = readLines(dealCount)
    let deals = lines.map { line in
        do { return try rules.deal(json: line) } catch { fatalError("deal does not read: \(error)") }
    }
    let w = Workload(rules: rules, deals: deals, lines: lines)
    workloads[n] = w
    return w
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    for n in sizes {
        Benchmark("load \(n)", configuration: .init(maxDuration: .seconds(5), maxIterations: 50)) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(loadRules(n))
            }
        }

        // One deal per iteration, so the medians are per deal.
        Benchmark("decide \(n)") { benchmark, w in
            for _ in benchmark.scaledIterations {
                blackHole(w.rules.decide(w.next().1, today: today))
            }
        } setup: {
            workload(n)
        }

        Benchmark("decide+json \(n)") { benchmark, w in
            var out: [UInt8] = []
            out.reserveCapacity(1 << 16)
            for _ in benchmark.scaledIterations {
                let (i, deal) = w.next()
                w.rules.decide(deal, today: today).appendJSON(to: &out, index: i)
                blackHole(out)
            }
        } setup: {
            workload(n)
        }

        Benchmark("stream \(n)", configuration: .init(scalingFactor: .kilo, maxDuration: .seconds(5))) { benchmark, w in
            var batch = DealBatch()
            for line in w.lines.prefix(1000) { batch.append(line: line) }
            var decider = DealStreamDecider(rules: w.rules, today: today)
            var out: [UInt8] = []
            benchmark.startMeasurement()
            decider.decide(batch, into: &out)
            blackHole(out)
        } setup: {
            workload(n)
        }
    }
}
