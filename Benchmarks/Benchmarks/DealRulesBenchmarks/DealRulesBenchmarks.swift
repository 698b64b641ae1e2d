// In-process benchmarks on the bench-peers workload (scripts/bench-data makes it): the same rule
// sets at N = 10, 100, 1,000 and 10,000 rules and the same deals the peer engines are measured on.
// They use the library's façade only (this is a package of its own, which `package` access does
// not reach).
//
// - load N:            load and check the rule set (files read, parsed, checked, compiled);
//                      the rule set made is freed after the measurement, as a process that
//                      loads rules keeps them
// - free N:            a loaded rule set freed (what `:reload` in the REPL adds to a load)
// - decide N:          deals decided (already read) one after another through a `Decider`;
//                      per deal
// - read N:            a deal read from its JSON line into a `Decider`'s storage (the deal
//                      reader alone); per deal. scripts/bench-table.py gives it as MB/s too
// - decide bytes N:    a deal read from its JSON line and decided (`Decider.decide(json:)`);
//                      per deal
// - decide+json N:     one deal decided and its JSON line written, outcomes and messages included
// - stream N:          1,000 JSONL lines read, decided and written by a `DealStream`, one thread
//                      per core with its own copy of the rules, as `dealrules eval --deals`
//                      does (per line)
// - repl fact N:       in the REPL, one fact changed (`discount = …`) and the new decision shown
// - lsp …:             the language server, as an editor drives it (LSPBenchmarks.swift)
// - avoid N:           `:avoid` on a ten-item deal (one service not in the catalog, a short term
//                      with a deep discount): every approval it needs and every denial, in turn,
//                      each answered with its checked changes (per answer)
//
// The process's allocator is set as the `dealrules` command sets it (`Allocator.keepFreedMemory`).
//
// The data comes from scripts/bench (DEALRULES_BENCH_DATA, default /tmp/peers-data).

import Benchmark
import DealRules
import DealRulesREPL
import Foundation

let dataDirectory = ProcessInfo.processInfo.environment["DEALRULES_BENCH_DATA"] ?? "/tmp/peers-data"
let sizes = [10, 100, 1000, 10000]
/// The deals every benchmark cycles through (the first lines of the 100,000).
let dealCount = 10_000
let today = Day(year: 2026, month: 12, day: 1)!

final class Workload: @unchecked Sendable {
    let rules: RuleSet
    /// A stream on every processor, its copies of the rules loaded once.
    var stream: DealStream
    let deals: [Deal]
    let lines: [ArraySlice<UInt8>]
    /// The next deal to decide: each iteration takes the next one, round the list.
    private var cursor = 0
    /// Decides in the same storage every time, as a caller deciding deal after deal would.
    var decider: Decider

    init(rules: RuleSet, deals: [Deal], lines: [ArraySlice<UInt8>]) {
        self.rules = rules
        self.decider = Decider(rules)
        self.stream = DealStream(rules: rules, today: today)
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
        fatalError("cannot load \(rulesPath(n)): \(result.diagnostics.count) problems; run scripts/bench to generate the workload")
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
    // The allocator set as the `dealrules` command sets it (see `Allocator.keepFreedMemory`).
    Allocator.keepFreedMemory()
    // Per-deal benchmarks measure time only: counting mallocs or reading the resident size on
    // every iteration would cost more than deciding a deal.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )
    let withMemory: [BenchmarkMetric] = [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident]
    lspBenchmarks()

    for n in sizes {
        Benchmark("load \(n)", configuration: .init(metrics: withMemory, maxDuration: .seconds(5), maxIterations: 50)) { benchmark in
            benchmark.startMeasurement()
            let rules = loadRules(n)
            benchmark.stopMeasurement()
            blackHole(rules)
        }

        // The rule-set analysis alone (`check --analyze`, docs/analysis.md), on a loaded set.
        Benchmark("analyze \(n)", configuration: .init(metrics: withMemory, maxDuration: .seconds(5), maxIterations: 50)) { benchmark, rules in
            for _ in benchmark.scaledIterations { blackHole(rules.analyze()) }
        } setup: {
            loadRules(n)
        }

        Benchmark("free \(n)", configuration: .init(metrics: [.wallClock], maxDuration: .seconds(5), maxIterations: 50)) { benchmark in
            var rules: RuleSet? = loadRules(n)
            benchmark.startMeasurement()
            rules = nil
            benchmark.stopMeasurement()
            blackHole(rules)
        }

        // A thousand deals per sample (the harness's own cost per sample is larger than a
        // decision); figures are per deal.
        Benchmark("decide \(n)", configuration: .init(scalingFactor: .kilo)) { benchmark, w in
            for _ in benchmark.scaledIterations {
                blackHole(w.decider.decide(w.next().1, today: today))
            }
        } setup: {
            workload(n)
        }

        Benchmark("read \(n)", configuration: .init(scalingFactor: .kilo)) { benchmark, w in
            for _ in benchmark.scaledIterations {
                let (i, _) = w.next()
                do { try w.decider.read(json: w.lines[i]) } catch { fatalError("deal does not read: \(error)") }
            }
            blackHole(w.decider.deal)
        } setup: {
            workload(n)
        }

        Benchmark("decide bytes \(n)", configuration: .init(scalingFactor: .kilo)) { benchmark, w in
            for _ in benchmark.scaledIterations {
                let (i, _) = w.next()
                do { blackHole(try w.decider.decide(json: w.lines[i], today: today)) } catch { fatalError("deal does not read: \(error)") }
            }
        } setup: {
            workload(n)
        }

        Benchmark("decide+json \(n)", configuration: .init(scalingFactor: .kilo)) { benchmark, w in
            var out: [UInt8] = []
            out.reserveCapacity(1 << 16)
            for _ in benchmark.scaledIterations {
                let (i, deal) = w.next()
                out.removeAll(keepingCapacity: true)
                w.decider.decide(deal, today: today).appendJSON(to: &out, index: i)
                blackHole(out)
            }
        } setup: {
            workload(n)
        }

        Benchmark("stream \(n)", configuration: .init(metrics: withMemory, scalingFactor: .kilo, maxDuration: .seconds(5))) { benchmark, w in
            var jsonl: [UInt8] = []
            for line in w.lines.prefix(1000) { jsonl += line + [0x0A] }
            var out: [UInt8] = []
            benchmark.startMeasurement()
            w.stream.decide(jsonl: jsonl, into: &out)
            blackHole(out)
        } setup: {
            workload(n)
        }

        Benchmark("avoid \(n)", configuration: .init(maxDuration: .seconds(3), maxIterations: 500)) { benchmark, a in
            for _ in benchmark.scaledIterations {
                blackHole(a.next())
            }
        } setup: {
            AvoidWorkload(workload(n))
        }

        // Each iteration changes the discount to a new value, so the decision really changes.
        Benchmark("repl fact \(n)", configuration: .init(maxDuration: .seconds(3), maxIterations: 2000)) { benchmark, session in
            for _ in benchmark.scaledIterations {
                blackHole(session.changeDiscount())
            }
        } setup: {
            replSession(n)
        }
    }
}

/// A REPL session on the rule set with a deal of four facts and three services.
func replSession(_ n: Int) -> SendableSession {
    let session = Session(paths: [rulesPath(n)], options: .init(today: today))
    for line in ["region = EU", "term = 24 months", "total = $150,000", "sla = gold",
                 "add service \"Email Archiving\" with seats = 40", "add service \"Smart Building Ops\" with seats = 9",
                 "add service \"Patch Filtering\" with seats = 3"] {
        _ = session.run(line)
    }
    return SendableSession(session)
}

/// The REPL's session is not `Sendable`; the benchmark uses it from one thread only.
final class SendableSession: @unchecked Sendable {
    let session: Session
    private var step = 0
    init(_ session: Session) { self.session = session }

    func changeDiscount() -> Reply {
        step += 1
        return session.run("discount = \(10 + step % 40)%")
    }
}

/// A ten-item deal and what `:avoid` may be asked about it.
final class AvoidWorkload: @unchecked Sendable {
    let rules: RuleSet
    let deal: Deal
    let targets: [AvoidTarget]
    private var step = 0

    init(_ w: Workload) {
        rules = w.rules
        // Ten services named in the workload's deals (so in its catalog, mostly), one of them
        // renamed out of it.
        var names: [String] = []
        for line in w.lines {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let services = object["services"] as? [[String: Any]] else { continue }
            for case let name as String in services.map({ $0["name"] }) where !names.contains(name) { names.append(name) }
            if names.count >= 10 { break }
        }
        names[9] += " Plus"
        let services = names.enumerated().map { i, name in ["name": name, "seats": 5 + 7 * i] as [String: Any] }
        let json: [String: Any] = ["region": "EU", "discount": 45, "term": "6 months", "total": 240_000, "sla": "gold",
                                   "services": services]
        let text = try! JSONSerialization.data(withJSONObject: json)
        deal = try! w.rules.deal(json: [UInt8](text))
        let decision = w.rules.decide(deal, today: today)
        targets = decision.required.map(AvoidTarget.approval) + (decision.kind == .blocked ? [.deny] : [])
        precondition(!targets.isEmpty, "the avoid deal needs nothing at this size")
    }

    func next() -> [Suggestion] {
        step += 1
        return rules.avoid(targets[step % targets.count], for: deal, today: today)
    }
}
