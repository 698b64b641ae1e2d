import Foundation
import Synchronization
import Testing
import DealRulesTestSupport
@testable import DealRules

/// A large rule set is parsed and checked on several threads (`Loader.threads`). These tests
/// force several threads on small inputs and require the very same rule set and diagnostics as
/// one thread gives.
@Suite struct ThreadedLoadTests {
    /// What a load gives, as text: every diagnostic as `check` prints it, then every rule.
    static func outcome(_ result: LoadResult) -> String {
        var out = DiagnosticRenderer().render(result.diagnostics) + result.summary + "\n"
        for r in result.ruleSet?.rules ?? [] {
            out += "\(r.name) \(r.outcome) \(r.approvals) at \(r.location): \(r.conditionText)"
            out += " | \(String(decoding: r.template.text, as: UTF8.self)) | \(String(decoding: r.template.json, as: UTF8.self))\n"
        }
        return out
    }

    static let badSamples: [String] = {
        let dir = packageRoot.appendingPathComponent("samples/bad")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasSuffix(".expected") && !$0.hasSuffix(".md") && !$0.hasSuffix(".csv") }
            .map { "samples/bad/" + $0 }.sorted()
    }()

    @Test(arguments: ["samples/northwind"] + badSamples)
    func aSampleLoadsTheSameOnSeveralThreads(sample: String) {
        let one = Self.outcome(RuleSet.load(paths: [path(sample)], threads: 1))
        for threads in [2, 3] {
            #expect(Self.outcome(RuleSet.load(paths: [path(sample)], threads: threads)) == one, "\(sample), \(threads) threads")
        }
    }

    /// `dealrules check` loads without compiling the rules for deciding: the same diagnostics,
    /// rules and summary as a full load, and a rule set that says it cannot decide.
    @Test(arguments: ["samples/northwind"] + badSamples)
    func aRuleSetLoadedForCheckingIsTheSameRules(sample: String) {
        let full = RuleSet.load(paths: [path(sample)])
        let checked = RuleSet.load(paths: [path(sample)], compile: false)
        #expect(Self.outcome(checked) == Self.outcome(full), "\(sample)")
        #expect(checked.ruleSet?.scenarioFactErrors() == full.ruleSet?.scenarioFactErrors())
        if let rules = checked.ruleSet {
            #expect(!rules.isCompiled && rules.plan.outcomes.isEmpty)
            #expect(full.ruleSet?.isCompiled == true && full.ruleSet?.plan.outcomes.count == rules.rules.count)
        }
    }

    /// Rules that each part checks differently: an approval and a define used only in the last
    /// part (else "never used"), a rule name taken again in a later part, an unknown approval and
    /// a constant condition in each, a rule that is both a duplicate and constant, an unnamed
    /// rule, and a `because` message with a quote.
    static func manyRules(valid: Bool) -> String {
        var text = northwindDeclarations + """

            approval late_approval: "Late Team"
            define late_big = total > $1,000,000

            """
        for i in 0..<40 {
            text += "\nrule r\(i):\n  deny when discount > \(i)% and region is EU\n"
            if i % 10 == 3 { text += "\nrule \(valid ? "again" : "r")\(i - 2):\n  warn when total > $\(i)\n" }
            if i % 10 == 5 { text += "\nrequire \(valid ? "security_review" : "nobody_approval") when sla is gold\n" }
            if i % 10 == 7, !valid { text += "\nrule constant_\(i):\n  warn when 1 > 2\n" }
            if i % 10 == 8 { text += "\nrequire finance_approval when term < \(i) months\n" }
            if i % 10 == 9 { text += "\nrule m\(i):\n  warn when discount > 5% because \"a \\\"big\\\" discount of {discount}\"\n" }
        }
        if !valid { text += "\nrule constant_7:\n  warn when 2 > 1\n" }
        text += "\nrule late:\n  require late_approval when late_big\n"
        return text
    }

    @Test func rulesCheckedInPartsGiveTheSameRulesAndDiagnostics() throws {
        let one = RuleSet.load(source: Self.manyRules(valid: false), name: "many.rules", threads: 1)
        let text = Self.outcome(one)
        // The rule set is meant to have all of these; else the comparison below proves little.
        #expect(text.contains("a rule named `r1` already exists"))
        #expect(text.contains("unknown approval `nobody_approval`"))
        #expect(text.contains("this condition reads no fact"))
        #expect(!text.contains("`late_approval` is never required"))
        #expect(!text.contains("`late_big` is never used"))
        for threads in [2, 3, 7] {
            #expect(Self.outcome(RuleSet.load(source: Self.manyRules(valid: false), name: "many.rules", threads: threads)) == text,
                    "\(threads) threads")
        }
    }

    @Test func aValidRuleSetCheckedInPartsDecidesTheSame() throws {
        let valid = Self.manyRules(valid: true)
        let one = try #require(RuleSet.load(source: valid, name: "many.rules", threads: 1).ruleSet)
        let two = try #require(RuleSet.load(source: valid, name: "many.rules", threads: 2).ruleSet)
        #expect(one.rules.count > 50)
        let json = #"{"region":"EU","discount":"12%","total":"$2,000,000","sla":"gold","term":"7 months"}"#
        let today = Day(year: 2026, month: 12, day: 1)!
        func shown(_ rules: RuleSet) throws -> String {
            var out: [UInt8] = []
            rules.decide(try rules.deal(json: json), today: today).appendJSON(to: &out, index: 0)
            return String(decoding: out, as: UTF8.self)
        }
        let decided = try shown(one)
        #expect(decided.contains("late_approval") && decided.contains("a \\\"big\\\" discount of 12%"), "\(decided)")
        #expect(try shown(two) == decided)
    }

    /// The plan of 2,400 rules, made in two parts (one thread each, `Plan.init`) and joined,
    /// is the plan made in one: the same lists in the same order, the same threshold groups
    /// (one of them, `term`, first met in the second part), the same checks where each rule's
    /// start points, and the same heads.
    @Test func thePlanMadeInPartsIsThePlanMadeWhole() throws {
        var text = northwindDeclarations
        let names = ["Managed Backup", "SIEM", "Custom Tape", "Endpoint Protection"]
        for i in 0..<2_400 {
            text += "\nrule r\(i):\n  "
            switch i % 8 {
            case 0: text += "require finance_approval when discount > \(i % 40)% and total > $\(i)"
            case 1: text += "deny when service is \"\(names[i % 4])\" and service.seats < service.min_seats"
            case 2: text += "require delivery_approval when service not in catalog"
            case 3: text += "warn when sla is gold or rush"
            case 4: text += "require security_review when service in catalog and region not in service.regions"
            case 5: text += "warn when total >= $\(i * 10) and discount < 30%"
            case 6: text += i >= 1_300 ? "deny when term < \(i % 24 + 1) months" : "warn when customer is \"c\(i)\""
            default: text += "require finance_approval, delivery_approval when service.seats > \(i % 50)"
            }
            text += "\n"
        }
        let whole = try #require(RuleSet.load(source: text, name: "plan.rules", threads: 1).ruleSet).plan
        let parts = try #require(RuleSet.load(source: text, name: "plan.rules", threads: 2).ruleSet).plan
        #expect(whole.plain == parts.plain)
        #expect(whole.groups.map { "\($0.slot) \($0.comparison) \($0.keys) \($0.rules) \($0.distinctRules)" }
                == parts.groups.map { "\($0.slot) \($0.comparison) \($0.keys) \($0.rules) \($0.distinctRules)" })
        #expect(whole.groups.count >= 3)
        #expect(whole.kinds.map { "\($0.every) \($0.byEntry) \($0.byName.sorted { $0.key < $1.key }) \($0.inCatalog) \($0.offCatalog) \($0.all)" }
                == parts.kinds.map { "\($0.every) \($0.byEntry) \($0.byName.sorted { $0.key < $1.key }) \($0.inCatalog) \($0.offCatalog) \($0.all)" })
        #expect(whole.outcomes == parts.outcomes && whole.bindings == parts.bindings && whole.hasRest == parts.hasRest)
        #expect(whole.checkStart == parts.checkStart && whole.checkCount == parts.checkCount)
        #expect("\(whole.checks)" == "\(parts.checks)" && "\(whole.itemChecks)" == "\(parts.itemChecks)")
        #expect(whole.checkCount.contains { $0 > 0 } && !whole.itemChecks.isEmpty && !whole.checks.isEmpty)
        #expect(whole.approvalNames == parts.approvalNames)
        var wholeHeads = JSONWriter(capacity: 0), partHeads = JSONWriter(capacity: 0)
        for r in 0..<2_400 {
            #expect(whole.heads.of(rule: r) == parts.heads.of(rule: r))
            for h in whole.heads.of(rule: r) {
                whole.heads.write(h, into: &wholeHeads)
                parts.heads.write(h, into: &partHeads)
            }
        }
        #expect(wholeHeads.bytes == partHeads.bytes)
        #expect(String(decoding: wholeHeads.bytes, as: UTF8.self).contains(#""rule":"r2399","location":"plan.rules:"#))
    }

    @Test(arguments: 0..<12)
    func aFileParsedInPiecesIsTheWholeFileParsed(seed: Int) {
        var g = RuleSetGenerator(seed: UInt64(seed) &* 31 &+ 5, messyLayout: true)
        let text = g.ruleSet(rules: 40)
        let source = SourceFile(path: "gen.rules", bytes: Array(text.utf8))
        let whole = Parser.parse(source)
        #expect(Parser.ruleLineStart(in: source.bytes, from: source.bytes.count / 2) != nil, "the file is cut somewhere")
        for parts in [2, 3, 5] {
            let pieces = Parser.parse(source, limits: .default, parts: parts)
            #expect(pieces.declarations == whole.declarations, "seed \(seed), \(parts) parts\n\(text)")
            #expect(pieces.comments == whole.comments, "seed \(seed), \(parts) parts")
            #expect(pieces.diagnostics.count == whole.diagnostics.count)
        }
    }

    @Test func aBrokenFileIsParsedAgainWhole() {
        // The parenthesis opened in the first half is never closed: parsed in pieces, the first
        // piece would end at its own end and say so; the whole file's message names `rule`.
        var text = "rule a:\n  deny when (discount > 1%\n"
        for i in 0..<20 { text += "rule b\(i):\n  deny when discount > \(i)%\n" }
        let source = SourceFile(path: "broken.rules", bytes: Array(text.utf8))
        let whole = Parser.parse(source)
        let pieces = Parser.parse(source, limits: .default, parts: 2)
        #expect(!whole.diagnostics.isEmpty)
        #expect(pieces.diagnostics.map(\.message) == whole.diagnostics.map(\.message))
        #expect(pieces.declarations == whole.declarations)
    }

    /// Broken files parsed in pieces say exactly what one parse says: generated files with a
    /// line of damage (an open parenthesis or brace, a stray word, half a rule, a bad token)
    /// put in a random place.
    @Test(arguments: 0..<40)
    func aDamagedFileParsedInPiecesIsTheWholeFileParsed(seed: Int) {
        var g = RuleSetGenerator(seed: UInt64(seed) &* 131 &+ 7, messyLayout: seed % 2 == 0)
        let text = g.ruleSet(rules: 40)
        var lines = text.components(separatedBy: "\n")
        let damage = ["  deny when (discount > 1%", "deal {", "rule", "  and", "xyz", "require", "rule r:\n  warn when",
                      "  deny when discount > \"open", "  because \"{x", "warn when 1 +", "[", "}", ")", "catalog service {",
                      "scenario \"s\" {", "  expect", "define d =", "  deny when 12%%"]
        var rng = SeededRandom(seed: UInt64(seed))
        for _ in 0..<(1 + seed % 3) {
            lines.insert(damage[Int(rng.next() % UInt64(damage.count))], at: Int(rng.next() % UInt64(lines.count)))
        }
        let source = SourceFile(path: "damaged.rules", bytes: Array(lines.joined(separator: "\n").utf8))
        let whole = Parser.parse(source)
        for parts in [2, 3, 7] {
            let pieces = Parser.parse(source, limits: .default, parts: parts)
            #expect(pieces.declarations == whole.declarations, "seed \(seed), \(parts) parts")
            #expect(pieces.comments == whole.comments, "seed \(seed), \(parts) parts")
            #expect(pieces.diagnostics.map { "\($0.location!.range) \($0.message)" } == whole.diagnostics.map { "\($0.location!.range) \($0.message)" },
                    "seed \(seed), \(parts) parts\n\(String(decoding: source.bytes, as: UTF8.self))")
        }
    }

    @Test func piecesStartOnlyWhereARuleStartsALine() throws {
        let text = "deal {\n  warning_level: number\n}\n# rule in a comment\nwarn when warning_level > 1\nrequire x when y\n"
        let bytes = Array(text.utf8)
        let first = try #require(Parser.ruleLineStart(in: bytes, from: 0))
        #expect(text.utf8.dropFirst(first).starts(with: "warn when".utf8))
        let second = try #require(Parser.ruleLineStart(in: bytes, from: first))
        #expect(text.utf8.dropFirst(second).starts(with: "require x".utf8))
        #expect(Parser.ruleLineStart(in: bytes, from: second) == nil)
    }

    /// glibc accepts the allocator settings the command makes (`mallopt` answers 1 for each);
    /// what they do for loading is measured by the benchmarks, not here.
    @Test func glibcAcceptsTheAllocatorSettings() {
        #if canImport(Glibc)
        #expect(Allocator.keepFreedMemory())
        #endif
    }

    @Test func workIsCutEvenlyAndComesBackInOrder() {
        for count in 0..<12 {
            for parts in 1..<6 {
                let ranges = evenRanges(count, parts: parts)
                #expect(ranges.count == max(1, min(parts, count)))
                #expect(ranges.flatMap { Array($0) } == Array(0..<count), "\(count) in \(parts)")
                #expect(ranges.allSatisfy { $0.count >= count / ranges.count && $0.count <= count / ranges.count + 1 })
                let back = inParallel(count, parts: parts) { Array($0) }.flatMap { $0 }
                #expect(back == Array(0..<count))
            }
        }
        var parts = [[1, 2], [], [3], [4, 5, 6]]
        let sums = inParallel(emptying: &parts) { $0.reduce(0, +) }
        #expect(sums == [3, 0, 3, 15])
        #expect(parts.isEmpty)
    }

    /// Each thread takes its own run of parts from the front, then the others' from the back;
    /// every part is taken once.
    @Test func threadsTakeTheirOwnPartsFirstThenTheOthersLast() {
        let queues = PartQueues(10, threads: 3)  // runs 0..<3, 3..<6, 6..<10
        #expect([queues.take(for: 1), queues.take(for: 1), queues.take(for: 1)] == [3, 4, 5])
        // Thread 1's run is done: it takes the last of thread 2's, then of thread 0's.
        #expect(queues.take(for: 1) == 9)
        #expect(queues.take(for: 0) == 0)
        #expect(queues.take(for: 2) == 6)
        var rest: [Int] = []
        while let p = queues.take(for: 1) { rest.append(p) }
        #expect(rest == [8, 7, 2, 1])
        #expect(queues.take(for: 0) == nil && queues.take(for: 2) == nil)
        // More threads than parts: the threads without a run take from the others'.
        let few = PartQueues(2, threads: 4)
        #expect(few.take(for: 3) == 0 && few.take(for: 2) == 1 && few.take(for: 0) == nil)
    }

    /// Many parts on the kept threads, each taken once, in order in the result, for any
    /// number of parts and whatever thread each part lands on.
    @Test func everyPartRunsOnceWhenThreadsTakeThem() {
        // A class holds the count: a local `Mutex` captured by the parts is a variable they
        // all access at once, which ThreadSanitizer reports as an access race.
        final class Calls: Sendable { let count = Mutex(0) }
        for parts in [2, 3, 8, 33] {
            let calls = Calls()
            let back = inParallel(1_000, parts: parts) { range -> [Int] in
                calls.count.withLock { $0 += 1 }
                return Array(range)
            }
            #expect(back.flatMap { $0 } == Array(0..<1_000))
            #expect(calls.count.withLock { $0 } == parts)
        }
    }

    /// A file's rules around an `include` keep their order (the included file's rules where
    /// the include is) however many pieces the file is parsed in, and unnamed rules are
    /// numbered through their file across the pieces.
    @Test func rulesAroundAnIncludeKeepTheirPlaceOnSeveralThreads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("include-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var main = "deal { x: number }\n"
        for i in 0..<30 { main += "\nrule a\(i):\n  warn when x > \(i)\n" + (i % 7 == 0 ? "\nwarn when x < \(i)\n" : "") }
        main += "\ninclude \"more.rules\"\n"
        for i in 30..<60 { main += "\nrule a\(i):\n  warn when x > \(i)\n" + (i % 7 == 0 ? "\nwarn when x < \(i)\n" : "") }
        try main.write(to: dir.appendingPathComponent("main.rules"), atomically: true, encoding: .utf8)
        try "rule m1:\n  warn when x = 1\n\nwarn when x = 2\n".write(to: dir.appendingPathComponent("more.rules"), atomically: true,
                                                                     encoding: .utf8)
        let one = try RuleSet.load(paths: [dir.appendingPathComponent("main.rules").path], threads: 1).get()
        let names = one.rules.map(\.name)
        var expected: [String] = []
        for i in 0..<60 {
            if i == 30 { expected += ["m1", "more.rules#1"] }
            expected.append("a\(i)")
            if i % 7 == 0 { expected.append("main.rules#\(i / 7 + 1)") }
        }
        #expect(names == expected)
        for threads in [2, 3, 5] {
            let many = try RuleSet.load(paths: [dir.appendingPathComponent("main.rules").path], threads: threads).get()
            #expect(many.rules.map(\.name) == names, "\(threads) threads")
            #expect(many.rules.map(\.conditionText) == one.rules.map(\.conditionText))
        }
    }

    /// A stream's batches are decided by threads kept from batch to batch: each `run` gives
    /// every index to one thread, the same kept threads each time (a value a thread keeps for
    /// itself is still there), and returns only when all are done.
    @Test func keptThreadsRunEveryIndexEachTimeOnTheSameThreads() {
        let pool = WorkerThreads(count: 3)
        #expect(pool.count == 3)
        final class Seen: @unchecked Sendable {
            // @unchecked: each index writes only its own element, through memory of its own (an
            // array element written from several threads is a race on the array, which
            // ThreadSanitizer reports), and `run` returns after all.
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 3)
            let keptFlags = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 3)
            var key = pthread_key_t()
            var runs: [Int] { Array(counts) }
            var kept: [Bool] { Array(keptFlags) }
            init() {
                counts.initialize(repeating: 0)
                keptFlags.initialize(repeating: true)
            }
            deinit {
                counts.deallocate()
                keptFlags.deallocate()
            }
        }
        let seen = Seen()
        pthread_key_create(&seen.key, nil)
        defer { pthread_key_delete(seen.key) }
        for round in 1...200 {
            pool.run { t in
                if round == 1 {
                    pthread_setspecific(seen.key, UnsafeMutableRawPointer(bitPattern: 1))
                } else if t > 0, pthread_getspecific(seen.key) != UnsafeMutableRawPointer(bitPattern: 1) {
                    seen.keptFlags[t] = false
                }
                seen.counts[t] += 1
            }
            #expect(seen.runs == [round, round, round])
        }
        #expect(seen.kept == [true, true, true])
        // `start` returns at once; `wait` returns when the kept threads are done.
        let gate = DispatchSemaphore(value: 0)
        pool.start { t in
            gate.wait()
            seen.counts[t] += 1
        }
        #expect(seen.runs[1] == 200)
        gate.signal()
        gate.signal()
        pool.wait()
        #expect(seen.runs == [200, 201, 201])
        // Kept threads in use: a `run` from elsewhere still runs every index, on its own threads.
        pool.start { _ in gate.wait() }
        pool.run { t in seen.counts[t] += 1 }
        #expect(seen.runs == [201, 202, 202])
        gate.signal()
        gate.signal()
        pool.wait()
    }

    /// The rule names' index finds what a dictionary would: the first value given a name, for
    /// names whose hashes collide too, and after it has grown.
    @Test func theNameIndexIsADictionaryOfNames() {
        var index = NameIndex()
        var dictionary: [String: Int] = [:]
        for i in 0..<1_000 {
            let name = i % 3 == 0 ? "rule_\(i)" : "a_rather_long_rule_name_\(i)"
            #expect(index.insert(name, hash: name.hashValue, value: i) == nil)
            dictionary[name] = i
        }
        #expect(index.count == 1_000)
        for (name, value) in dictionary { #expect(index[name] == value) }
        #expect(index["rule_1"] == nil && index[""] == nil)
        // Taken: the value it has comes back, and stays.
        #expect(index.insert("rule_3", hash: "rule_3".hashValue, value: 5_000) == 3)
        #expect(index["rule_3"] == 3 && index.count == 1_000)
        // Names with one hash are told apart by their text.
        var colliding = NameIndex()
        colliding.reserveCapacity(4)
        #expect(colliding.insert("x", hash: 7, value: 1) == nil)
        #expect(colliding.insert("y", hash: 7, value: 2) == nil)
        #expect(colliding.insert("x", hash: 7, value: 3) == 1)
        #expect(colliding.insert("y", hash: 7, value: 4) == 2)
    }

    /// Another object for a file is the same file to everything that reads it.
    @Test func aCopyOfASourceFileIsTheSameFile() {
        let file = SourceFile(path: "a.rules", absolutePath: "/tmp/a.rules", text: "deal {\n  x: number\n}\n")
        let copy = file.copy()
        #expect(copy !== file)
        #expect(copy.path == file.path && copy.absolutePath == file.absolutePath && copy.bytes == file.bytes)
        #expect(copy.lineCount == file.lineCount && copy.lineText(2) == "  x: number")
        #expect(SourceLocation(copy, SourceRange(9, 10)) == SourceLocation(file, SourceRange(9, 10)))
        #expect(SourceLocation(copy, SourceRange(9, 10)).description == "a.rules:2:3")
    }

    /// A copy for another thread shares no rule object with the original, and is only made
    /// when the rules load again as they were.
    @Test func aCopyIsTheSameRulesInObjectsOfItsOwn() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("r.rules")
        try "deal { x: number }\nrule a: warn when x > 1\nwarn when x > 2\n".write(to: file, atomically: true, encoding: .utf8)
        let rules = try RuleSet.load(paths: [dir.path]).get()
        let copy = try #require(rules.copy())
        #expect(copy !== rules)
        #expect(copy.rules.map(\.name) == rules.rules.map(\.name))
        #expect(zip(copy.rules, rules.rules).allSatisfy { $0 !== $1 })
        #expect(copy.plan !== rules.plan)
        // Changed on disk since: no copy (the stream then shares the original).
        try "deal { x: number }\nrule a: warn when x > 5\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(rules.copy() == nil)
        let text = try RuleSet.load(source: "deal { x: number }\nwarn when x > 1", name: "t.rules").get()
        #expect(text.copy()?.rules.map(\.name) == ["t.rules#1"])
    }
}
