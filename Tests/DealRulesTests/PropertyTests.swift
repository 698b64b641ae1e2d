import Foundation
import Testing
import DealRulesTestSupport
@testable import DealRules

/// Properties over generated rule sets and deals: the fixed seeds 0 to 59, and eight fresh ones
/// chosen at random on every run and printed (a fresh seed that fails is a real bug: fix it and
/// add the seed to `regressionSeeds`). `DEALRULES_PROPERTY_SEED=N` runs one seed (to replay a
/// failure); `DEALRULES_PROPERTY_SEEDS=2000` runs more fixed ones; `DEALRULES_FRESH_SEEDS=0`
/// none at random.
@Suite struct PropertyTests {
    /// Seeds that once found a bug, kept.
    static let regressionSeeds: [Int] = [950]  // 950: a date out of range between the months and the days

    static let seeds: [Int] = {
        let env = ProcessInfo.processInfo.environment
        if let one = env["DEALRULES_PROPERTY_SEED"].flatMap({ Int($0) }) { return [one] }
        let n = Int(env["DEALRULES_PROPERTY_SEEDS"] ?? "") ?? 60
        let fresh = (0..<(Int(env["DEALRULES_FRESH_SEEDS"] ?? "") ?? 8)).map { _ in Int.random(in: 1_000_000...2_000_000_000) }
        if !fresh.isEmpty {
            print("PropertyTests: fresh seeds \(fresh.map(String.init).joined(separator: ", ")) "
                  + "(replay one: DEALRULES_PROPERTY_SEED=N swift test --filter PropertyTests)")
        }
        return Array(0..<n) + regressionSeeds + fresh
    }()
    static let today = Day(year: 2026, month: 12, day: 1)!

    @Test(arguments: seeds)
    func theRealEvaluatorAgreesWithTheReference(seed: Int) throws {
        try Self.generatedRuleSets(seed: seed) { round, text, rules, folder, g in
            let oracle = ReferenceEvaluator(source: text, name: "gen.rules", files: g.files)
            for _ in 0..<8 {
                let json = g.deal(errors: true)
                let real = ReferenceEvaluator.summary(rules, json: json, today: Self.today)
                let reference = oracle.decide(dealJSON: json, today: (2026, 12, 1))
                guard real != reference else { continue }
                // The smallest rule set and deal that still disagree.
                let files = g.files
                let (fewerRules, smallerDeal) = Self.shrink(text, json) { Self.disagree($0, $1, files: files, folder: folder) }
                let small = try RuleSet.load(source: fewerRules, name: "gen.rules", root: folder).get()
                let smallReal = ReferenceEvaluator.summary(small, json: smallerDeal, today: Self.today)
                let smallReference = ReferenceEvaluator(source: fewerRules, name: "gen.rules", files: files)
                    .decide(dealJSON: smallerDeal, today: (2026, 12, 1))
                Issue.record("""
                    seed \(seed) round \(round): the evaluator and the reference disagree; shrunk to
                    \(fewerRules)
                    \(files.map { "\($0.key):\n\($0.value)" }.joined(separator: "\n"))
                    deal: \(smallerDeal)
                    real: \(smallReal)
                    reference: \(smallReference)
                    """)
                return false
            }
            return true
        }
    }

    /// The five rule sets the oracle's test makes from `seed`, each loaded from a folder holding
    /// its spreadsheets and handed to `body` with the generator (which writes its deals);
    /// `body` returns false to stop.
    static func generatedRuleSets(seed: Int, _ body: (_ round: Int, _ text: String, _ rules: RuleSet, _ folder: String,
                                                      _ g: inout RuleSetGenerator) throws -> Bool) throws {
        var g = RuleSetGenerator(seed: UInt64(seed) &* 104_729 &+ 3, messyLayout: false)
        g.spreadsheets = true
        for round in 0..<5 {
            let text = g.ruleSet(rules: 14)
            let folder = try Self.folder(with: g.files)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let loaded = RuleSet.load(source: text, name: "gen.rules", root: folder)
            let rules = try #require(loaded.ruleSet, "\(text)\n\(DiagnosticRenderer().render(loaded.diagnostics))")
            guard try body(round, text, rules, folder, &g) else { return }
        }
    }

    /// The generated cases cover the language and every kind of answer, in reasonable
    /// proportions: over the fixed seeds (as `theRealEvaluatorAgreesWithTheReference` makes
    /// them), each construct the generator can write is in at least 4% of the rule sets, each
    /// decision kind (and a deal that cannot be read) is at least 4% of the deals, and each
    /// outcome kind fires, is undetermined for a missing fact, and fails on an error somewhere.
    @Test func theGeneratedCasesReachEveryConstructAndEveryKindOfAnswer() throws {
        var constructs: [String: Int] = [:], decisions: [String: Int] = [:], entries: [String: Int] = [:]
        var sets = 0, deals = 0
        for seed in 0..<60 {
            try Self.generatedRuleSets(seed: seed) { _, _, rules, _, g in
                var seen = g.used
                for _ in 0..<8 {
                    let r = ReferenceEvaluator.summary(rules, json: g.deal(errors: true), today: Self.today)
                    seen.formUnion(g.used)
                    deals += 1
                    decisions[r.error == nil ? r.decision : "unreadable deal", default: 0] += 1
                    for o in r.outcomes { entries["fired " + o.split(separator: " ")[1], default: 0] += 1 }
                    for u in r.undetermined {
                        entries[(u.contains(" error:") ? "failed " : "undetermined ") + u.split(separator: " ")[1], default: 0] += 1
                    }
                }
                sets += 1
                for c in seen { constructs[c, default: 0] += 1 }
                return true
            }
        }
        let everyConstruct = ["a value in two choices", "list of number", "list of date", "two item kinds", "catalog spreadsheet",
                              "money / money", "money * number", "money / percent", "percent - percent", "date - date",
                              "duration - duration", "aggregate over a plain list", "a define inside a quantifier or aggregate",
                              "list is list", "list contains list", "a deal's own today"]
        for c in everyConstruct {
            #expect(constructs[c, default: 0] * 25 >= sets, "\(c): in \(constructs[c, default: 0]) of \(sets) rule sets")
        }
        for d in ["approved", "needs_approval", "incomplete", "blocked", "unreadable deal"] {
            #expect(decisions[d, default: 0] * 25 >= deals, "\(d): \(decisions[d, default: 0]) of \(deals) deals")
        }
        for kind in ["require", "deny", "warn"] {
            for what in ["fired", "undetermined", "failed"] {
                #expect(entries["\(what) \(kind)", default: 0] > 0, "no rule ever \(what): \(kind)")
            }
        }
        print("PropertyTests: \(sets) rule sets, \(deals) deals; decisions \(decisions.sorted { $0.key < $1.key }); "
              + "entries \(entries.sorted { $0.key < $1.key }); constructs \(constructs.sorted { $0.key < $1.key })")
    }

    /// A new folder holding `files` (spreadsheets a generated rule set reads).
    static func folder(with files: [String: String]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dealrules-property-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: folder + "/" + name, atomically: false, encoding: .utf8) }
        return folder
    }

    /// Whether the evaluator and the reference disagree on the deal (false when the rules do
    /// not load or the deal cannot be read).
    static func disagree(_ text: String, _ json: String, files: [String: String] = [:], folder: String? = nil) -> Bool {
        guard let rules = RuleSet.load(source: text, name: "gen.rules", root: folder).ruleSet else { return false }
        return ReferenceEvaluator.summary(rules, json: json, today: today)
            != ReferenceEvaluator(source: text, name: "gen.rules", files: files).decide(dealJSON: json, today: (2026, 12, 1))
    }

    /// Removes rules, then the deal's facts and items, one at a time, while the disagreement stays.
    static func shrink(_ text: String, _ json: String,
                       while fails: (String, String) -> Bool = { disagree($0, $1) }) -> (rules: String, deal: String) {
        var blocks = text.components(separatedBy: "\n\n")
        func isRule(_ b: String) -> Bool { ["rule ", "require ", "deny ", "warn "].contains { b.hasPrefix($0) } }
        var smaller = true
        while smaller {
            smaller = false
            for i in blocks.indices.reversed() where i < blocks.count && isRule(blocks[i]) {
                var fewer = blocks
                fewer.remove(at: i)
                if fails(fewer.joined(separator: "\n\n"), json) {
                    blocks = fewer
                    smaller = true
                }
            }
        }
        let rules = blocks.joined(separator: "\n\n")
        guard case .object(var deal)? = try? DealValue.parse(json: Array(json.utf8)) else { return (rules, json) }
        func encoded(_ o: [String: DealValue]) -> String {
            var w = JSONWriter()
            DealValue.object(o).writeJSON(&w)
            return w.string
        }
        for key in deal.keys.sorted() {
            var fewer = deal
            fewer[key] = nil
            if fails(rules, encoded(fewer)) { deal = fewer; continue }
            guard case .list(var items)? = deal[key] else { continue }
            for i in items.indices.reversed() {
                var less = items
                less.remove(at: i)
                var tried = deal
                tried[key] = .list(less)
                if fails(rules, encoded(tried)) {
                    items = less
                    deal = tried
                }
            }
        }
        return (rules, encoded(deal))
    }

    /// The shrinker keeps what fails and drops the rest: with a failure that needs one rule and
    /// one fact, every other rule and fact goes.
    @Test func shrinkingKeepsTheFailureAndDropsTheRest() throws {
        var g = RuleSetGenerator(seed: 11, messyLayout: false)
        let text = g.ruleSet(rules: 10)
        var json = g.deal()
        while !json.contains(",") { json = g.deal() }
        let rule = try #require(text.components(separatedBy: "\n\n").filter { $0.hasPrefix("rule r") }.dropFirst().first)
        let head = String(rule.prefix { $0 != "\n" })
        let key = try #require(json.split(separator: "\"").dropFirst().first.map(String.init))
        let fails = { (t: String, j: String) in t.contains(head) && j.contains("\"\(key)\"") && RuleSet.load(source: t, name: "gen.rules").ruleSet != nil }
        #expect(!Self.disagree(text, json), "the generated pair agrees")
        let (rules, deal) = Self.shrink(text, json, while: fails)
        #expect(rules.components(separatedBy: "\n\n").filter { ["rule ", "require ", "deny ", "warn "].contains(where: $0.hasPrefix) } == [rule])
        #expect(deal.hasPrefix("{\"\(key)\":") && !deal.dropFirst().contains(",\""), "\(deal)")
    }

    @Test(arguments: seeds)
    func undecidedRulesNameWhatTheyNeedAndGivingItDecidesThem(seed: Int) throws {
        var g = RuleSetGenerator(seed: UInt64(seed) &* 7 &+ 1, messyLayout: false)
        let text = g.ruleSet(rules: 14)
        let rules = try RuleSet.load(source: text, name: "gen.rules").get()
        for _ in 0..<8 {
            let json = g.deal()
            var draft = rules.draft(of: try rules.deal(json: json))
            let decision = rules.decide(rules.deal(from: draft).deal, today: Self.today)
            for u in decision.undetermined where u.errors.isEmpty {
                #expect(!u.missing.isEmpty, "\(u.rule) is undecided but names nothing it needs\n\(text)\n\(json)")
            }
            // Give every missing fact a value: every rule is then decided (or fails on arithmetic).
            for _ in 0..<4 {
                let now = rules.decide(rules.deal(from: draft).deal, today: Self.today)
                let missing = Set(now.undetermined.filter { $0.errors.isEmpty }.flatMap(\.missing))
                if missing.isEmpty { break }
                for m in missing { give(m, in: &draft, rules: rules, g: &g) }
            }
            let after = rules.decide(rules.deal(from: draft).deal, today: Self.today)
            #expect(after.undetermined.allSatisfy { !$0.errors.isEmpty }, "still undecided: \(after.undetermined.map(\.rule)) after giving \(draft.json())\n\(text)")
        }
    }

    /// Fills in a missing fact (a deal field, a list of items, or an item field on every item).
    func give(_ path: String, in draft: inout DealDraft, rules: RuleSet, g: inout RuleSetGenerator) {
        let parts = path.split(separator: ".").map(String.init)
        if parts.count == 1, let f = rules.field(named: parts[0]) {
            draft.fields[f.name] = sample(f.type, rules)
            return
        }
        guard parts.count == 2, let kind = rules.itemKinds.first(where: { $0.name == parts[0] || rules.fields[$0.listField ?? 0].name == parts[0] }),
              let field = kind.fields.first(where: { $0.name == parts[1] }), let list = kind.listField else { return }
        let name = rules.fields[list].name
        guard case .list(let items)? = draft.fields[name] else { return }
        draft.fields[name] = .list(items.map { item in
            guard case .object(var o) = item else { return item }
            if o[field.name] == nil { o[field.name] = sample(field.type, rules) }
            return .object(o)
        })
    }

    func sample(_ t: ValueType, _ rules: RuleSet) -> DealValue {
        switch t {
        case .text: .text("given")
        case .number: .number("7")
        case .money: .text("$1,234")
        case .percent: .text("12%")
        case .duration: .text("3 months")
        case .date: .text("2027-03-31")
        case .flag: .bool(true)
        case .choice(let c): .text(rules.choices[c].values[0])
        case .list(.item): .list([.object(["name": .text("Given item")])])
        case .list: .list([])
        case .item, .emptyList: .null
        }
    }

    @Test(arguments: seeds)
    func decidingNeverFailsAndParsePrintParseKeepsTheTree(seed: Int) throws {
        var g = RuleSetGenerator(seed: UInt64(seed) &* 31 &+ 17, messyLayout: true)
        let text = g.ruleSet(rules: 12)
        let tree = Parser.parse(SourceFile(path: "gen.rules", text: text))
        #expect(!tree.diagnostics.hasErrors)
        // Print (the formatter is the printer) and parse again: the same tree.
        let printed = try Formatter.format(SourceFile(path: "gen.rules", text: text)).get()
        let again = Parser.parse(SourceFile(path: "gen.rules", text: printed))
        #expect(again.declarations.map(\.structure) == tree.declarations.map(\.structure))
        let rules = try RuleSet.load(source: text, name: "gen.rules").get()
        for _ in 0..<10 {
            let d = rules.decide(try rules.deal(json: g.deal()), today: Self.today, explain: true)
            // The kind follows from the entries, as docs/language.md orders it.
            let expected: DecisionKind = d.outcomes.contains { $0.kind == .deny } ? .blocked
                : d.undetermined.contains { $0.kind != .warn } ? .incomplete
                : d.outcomes.contains { $0.kind == .require } ? .needsApproval : .approved
            #expect(d.kind == expected)
            #expect(d.required == Array(Set(d.outcomes.compactMap(\.approval))).sorted())
        }
    }

    /// Every avoid suggestion on a generated rule set, applied as the facts the REPL takes and as
    /// the edits a program applies to the deal's JSON, removes what was asked about and brings
    /// and removes exactly what it says.
    @Test(arguments: seeds.prefix(30))
    func avoidSuggestionsDoWhatTheySayInBothForms(seed: Int) throws {
        var g = RuleSetGenerator(seed: UInt64(seed) &* 61 &+ 5, messyLayout: false)
        let text = g.ruleSet(rules: 14)
        let rules = try RuleSet.load(source: text, name: "gen.rules").get()
        for _ in 0..<4 {
            let json = g.deal()
            let draft = rules.draft(of: try rules.deal(json: json))
            let before = rules.decide(rules.deal(from: draft).deal, today: Self.today)
            let targets = before.required.map(AvoidTarget.approval) + (before.denied ? [.deny] : [])
            for target in targets {
                for s in rules.avoid(target, in: draft, today: Self.today).suggestions {
                    try expectSuggestionHolds(s, removing: target, from: draft, rules: rules, today: Self.today,
                                              context: "seed \(seed)\n\(text)\ndeal: \(json)")
                }
            }
        }
    }
}
