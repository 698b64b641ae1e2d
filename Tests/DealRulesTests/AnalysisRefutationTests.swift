import Foundation
import Testing
import DealRulesTestSupport
@testable import DealRules

/// Tries to refute the analysis: random rule sets over the corpus's declarations, analysed, then
/// many deals decided by the whole rule set — values at and next to every constant the rules
/// use, facts left out, items on and off the catalog. Any deal that contradicts a finding fails
/// the test: a `never-fires` rule that fires, a `redundant` rule that fires alone, a `conflict`
/// rule that fires with no denial, an `always-fires` rule that does not fire on a deal giving
/// what it reads, an `unless-never` rule whose condition and `unless` hold together.
@Suite struct AnalysisRefutationTests {
    /// A field the generator compares: how to write a constant of it, and the values a deal
    /// may give it (the constants, and one step either side of each).
    struct Field {
        let name: String
        let constants: [String]
        let near: [DealValue]
        var isItem: Bool { name.hasPrefix("service.") }
    }

    static func steps(_ base: [String], _ make: (String, Int) -> DealValue) -> [DealValue] {
        base.flatMap { b in [-1, 0, 1].map { make(b, $0) } }
    }

    static func decimal(_ text: String, _ step: Int) -> String {
        let f = Fixed(raw: (try! Fixed.parse(text).get()).raw + Int64(step))
        return f.plain
    }

    static let fields: [Field] = {
        let percents = ["0", "5", "10", "15", "20", "25", "30"]
        let seats = ["0", "5", "10", "20", "50"]
        let money = ["0", "1000", "10000", "50000"]
        let days = ["30", "91", "182", "365", "730"]
        let dates = ["2026-01-01", "2026-06-01", "2027-01-01"]
        return [
            Field(name: "discount", constants: percents.map { $0 + "%" },
                  near: steps(percents) { .text(decimal($0, $1) + "%") }),
            Field(name: "seats", constants: seats, near: steps(seats) { .number(decimal($0, $1)) }),
            Field(name: "total", constants: money.map { "$" + $0 }, near: steps(money) { .number(decimal($0, $1)) }),
            Field(name: "term", constants: days.map { $0 + " days" } + ["3 months", "12 months"],
                  near: steps(days) { .text("\(Int($0)! + $1) days") } + [.text("3 months"), .text("12 months")]),
            Field(name: "start", constants: dates, near: steps(dates) { d, s in
                .text((Day.parse(d)!.adding(Duration(days: Int32(s)), sign: 1) ?? Day.parse(d)!).description)
            }),
            Field(name: "service.seats", constants: seats, near: steps(seats) { .number(decimal($0, $1)) }),
            Field(name: "service.lead_time", constants: ["10 days", "30 days", "1 month"],
                  near: [.text("9 days"), .text("10 days"), .text("11 days"), .text("30 days"), .text("31 days"), .text("1 month")]),
        ]
    }()

    /// A generated rule: its text, and the facts it reads (`service.…` for item fields).
    struct GeneratedRule {
        var text: String
        var reads: Set<String>
    }

    struct Generator {
        var random: SeededRandom
        var reads: Set<String> = []
        var perItem = false

        mutating func atom() -> String {
            switch random.int(0...9) {
            case 0...4:
                var f = random.pick(AnalysisRefutationTests.fields)
                if f.isItem && !perItem { f = AnalysisRefutationTests.fields[random.int(0...4)] }
                reads.insert(f.name)
                let c = random.pick(f.constants)
                switch random.int(0...7) {
                case 6: return "\(f.name) between \(c) and \(random.pick(f.constants))"
                case 7: return "\(f.name) not between \(c) and \(random.pick(f.constants))"
                default: return "\(f.name) \(random.pick(["<", "<=", ">", ">=", "is", "is not"])) \(c)"
                }
            case 5:
                reads.insert("region")
                let values = ["US", "EU", "APAC"].filter { _ in random.chance(0.5) }
                return random.chance(0.5) ? "region is \(random.pick(["US", "EU", "APAC"]))"
                    : "region \(random.pick(["in", "not in"])) [\(values.joined(separator: ", "))]"
            case 6:
                reads.insert("sla")
                return "sla \(random.pick(["<", ">=", "is", "is not"])) \(random.pick(["bronze", "silver", "gold"]))"
            case 7:
                reads.insert("rush")
                return random.pick(["rush", "not rush", "rush is no"])
            case 8:
                reads.insert("customer")
                return "customer \(random.pick(["is", "is not"])) \"\(random.pick(["A", "B"]))\""
            default:
                guard perItem else { return atom() }
                reads.insert("service")
                return random.pick(["service is \"SIEM\"", "service is not \"EDR\"", "service in catalog",
                                    "service not in catalog", "service is \"Other\""])
            }
        }

        mutating func condition(_ depth: Int) -> String {
            guard depth > 0, random.chance(0.6) else { return atom() }
            switch random.int(0...4) {
            case 0, 1: return "\(condition(depth - 1)) and \(condition(depth - 1))"
            case 2, 3: return "(\(condition(depth - 1)) or \(condition(depth - 1)))"
            default: return "not (\(condition(depth - 1)))"
            }
        }

        /// A rule set of a few rules, and for each rule with `unless` a probe rule that fires
        /// exactly when its condition and its `unless` both hold.
        mutating func ruleSet() -> (text: String, rules: [String: GeneratedRule], probes: [String: String]) {
            var text = "", rules: [String: GeneratedRule] = [:], probes: [String: String] = [:]
            // A set in four is tiers: ranges of one field for one approval (overlaps and gaps).
            let tiers = random.chance(0.25) ? random.pick(Array(AnalysisRefutationTests.fields.prefix(5))) : nil
            for i in 0..<random.int(4...8) {
                reads = []
                perItem = random.chance(0.3)
                var c = random.chance(0.4) ? atom() : condition(2)
                if let f = tiers, random.chance(0.7) {
                    perItem = false
                    reads = [f.name]
                    let (a, b) = (random.pick(f.constants), random.pick(f.constants))
                    c = random.chance(0.5) ? "\(f.name) between \(a) and \(b)" : "\(f.name) \(random.pick(["<", "<=", ">", ">="])) \(a)"
                }
                if perItem && !reads.contains(where: { $0.hasPrefix("service") }) {
                    c = "service.seats > \(random.pick(["0", "5", "10"])) and \(c)"
                    reads.insert("service.seats")
                }
                let unless = random.chance(0.3) ? condition(1) : nil
                var outcome = switch random.int(0...5) {
                case 0, 1: "require \(random.pick(["finance", "cto"]))"
                case 2: "require finance, cto"
                case 3: "deny"
                case 4: "require delivery"
                default: "warn"
                }
                if tiers != nil { outcome = "require finance" }
                let name = "r\(i)"
                let full = "rule \(name): \(outcome) when \(c)" + (unless.map { " unless \($0)" } ?? "")
                text += full + "\n"
                rules[name] = GeneratedRule(text: full, reads: reads)
                if let unless {
                    text += "rule probe_\(name): warn when (\(c)) and (\(unless))\n"
                    probes[name] = "probe_\(name)"
                }
            }
            return (text, rules, probes)
        }

        mutating func deal(_ fields: [Field]) -> [String: DealValue] {
            var deal: [String: DealValue] = [:]
            for f in fields where !f.isItem && random.chance(0.8) { deal[f.name] = random.pick(f.near) }
            if random.chance(0.8) { deal["region"] = .text(random.pick(["US", "EU", "APAC"])) }
            if random.chance(0.8) { deal["sla"] = .text(random.pick(["bronze", "silver", "gold"])) }
            if random.chance(0.8) { deal["rush"] = .bool(random.chance(0.5)) }
            if random.chance(0.8) { deal["customer"] = .text(random.pick(["A", "B", "C"])) }
            if random.chance(0.85) {
                var items: [DealValue] = []
                for name in ["SIEM", "EDR", "Other"] where random.chance(0.45) {
                    var item: [String: DealValue] = ["name": .text(name)]
                    for f in fields where f.isItem && random.chance(0.7) { item[String(f.name.dropFirst(8))] = random.pick(f.near) }
                    items.append(.object(item))
                }
                deal["services"] = .list(items)
            }
            return deal
        }
    }

    @Test func noDealRefutesAFinding() throws {
        let declarations = try String(contentsOf: AnalysisTests.corpus.appendingPathComponent("declarations.txt"), encoding: .utf8)
        var generator = Generator(random: SeededRandom(seed: 2026_12_06))
        var seen: [DiagnosticCode: Int] = [:]
        var refuted: [String] = []
        for set in 0..<150 {
            let (text, generated, probes) = generator.ruleSet()
            let result = RuleSet.load(source: declarations + text, name: "set\(set).rules")
            guard let rules = result.ruleSet else {
                Issue.record("set \(set) did not load:\n\(DiagnosticRenderer().render(result.diagnostics))")
                continue
            }
            let report = rules.analysis()
            #expect(report.unconfirmed == [], "set \(set):\n\(text)")
            let findings = report.diagnostics.filter { $0.severity == .warning && $0.code != .unusedField }
            for d in findings { seen[d.code, default: 0] += 1 }
            var deals = (0..<300).map { _ in generator.deal(Self.fields) }
            // The witnesses too, decided by the whole rule set.
            deals += findings.compactMap(\.finding?.witness).map { w in
                guard case .object(let o) = try! DealValue.parse(json: Array(w.utf8)) else { return [:] }
                return o
            }
            for values in deals {
                let deal = try rules.deal(values)
                let decision = rules.decide(deal, today: Day.parse("2026-01-01")!)
                let fired = Set(decision.outcomes.map(\.rule))
                for d in findings {
                    guard let f = d.finding, let name = f.rules.first else { continue }
                    let context = "set \(set), \(d.code.rawValue) \(f.rules), deal \(values)\n\(text)"
                    switch d.code {
                    case .neverFires, .unlessAlways:
                        if fired.contains(name) { refuted.append(context) }
                    case .redundantRule:
                        guard fired.contains(name), let rule = rules.rules.first(where: { $0.name == name }) else { continue }
                        let others = decision.outcomes.filter { $0.rule != name }
                        let alone = rule.outcome == .deny
                            ? !others.contains { $0.kind == .deny }
                            : rule.approvals.contains { a in !others.contains { $0.approval == rules.approvals[a].name } }
                        if alone { refuted.append(context) }
                    case .conflictingRule:
                        if fired.contains(name), !decision.outcomes.contains(where: { $0.kind == .deny }) { refuted.append(context) }
                    case .alwaysFires:
                        if let g = generated[name], Self.gives(values, everything: g.reads), !fired.contains(name) { refuted.append(context) }
                    case .unlessNever:
                        if let probe = probes[name], fired.contains(probe) { refuted.append(context) }
                    case .overlappingRules, .tierGap:
                        // Shown by their witnesses, decided below.
                        break
                    default:
                        break
                    }
                }
            }
            for d in findings {
                guard let f = d.finding, let w = f.witness else { continue }
                let decision = try rules.decide(json: Array(w.utf8), today: Day.parse("2026-01-01")!)
                if !AnalysisTests.shows(d, decision, rules) { refuted.append("set \(set): the witness \(w) does not show \(d.code.rawValue) \(f.rules)\n\(text)") }
            }
        }
        #expect(refuted.isEmpty, "\(refuted.count) refutations; the first:\n\(refuted.first ?? "")")
        // The generated sets reach the findings, or the test proves little.
        for code in [DiagnosticCode.neverFires, .redundantRule, .conflictingRule, .unlessNever, .unlessAlways, .alwaysFires,
                     .overlappingRules, .tierGap] {
            #expect(seen[code, default: 0] >= 2, "\(code.rawValue) found \(seen[code, default: 0]) times: \(seen)")
        }
    }

    /// Whether the deal gives every fact of `reads`: deal fields, and for item facts at least one
    /// item that gives them (itself, or its catalog entry: both catalog entries give both fields).
    static func gives(_ deal: [String: DealValue], everything reads: Set<String>) -> Bool {
        for r in reads where !r.hasPrefix("service") {
            if deal[r] == nil { return false }
        }
        let itemFacts = reads.filter { $0.hasPrefix("service.") }.map { String($0.dropFirst(8)) }
        guard reads.contains(where: { $0.hasPrefix("service") }) else { return true }
        guard case .list(let items)? = deal["services"] else { return false }
        return items.contains { item in
            guard case .object(let o) = item, case .text(let name)? = o["name"] else { return false }
            return name != "Other" || itemFacts.allSatisfy { o[$0] != nil }
        }
    }
}
