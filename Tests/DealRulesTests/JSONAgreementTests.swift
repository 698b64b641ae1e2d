import Foundation
import Testing
import DealRulesTestSupport
@testable import DealRules

/// Our JSON reader against Foundation's `JSONSerialization`, on valid documents and on the same
/// documents damaged at random: both accept the same texts, read them to the same values, and
/// the deal reader calls a text invalid JSON exactly when Foundation does.
///
/// Known, intended differences are left out (`JSONAgreement.foundationQuirk`, which the
/// `FuzzDeal` target uses too). Nesting deeper than `Limits.maxJSONDepth` is not generated.
@Suite struct JSONAgreementTests {
    /// A small deterministic generator (SplitMix64), so a failure names its seed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
    }

    static let strings = ["", "SIEM", "Zürich", "日本", "a\"b", "back\\slash", "tab\there", "line\nbreak", "😀", "\u{1}",
                          "emoji 👩🏽‍💻", "null", "true", "{", "]", "\\u0041"]
    static let numbers = ["0", "-0", "1", "25", "-17", "1200.50", "0.000001", "1e3", "1.5E-2", "12345678901234567890",
                          "3.14159265358979", "-2.5e+10", "1e308", "999999999999"]

    static func value(_ r: inout Random, depth: Int) -> String {
        switch depth > 4 ? r.int(4) : r.int(6) {
        case 0: return r.pick(numbers)
        case 1: return escaped(r.pick(strings), &r)
        case 2: return r.pick(["true", "false", "null"])
        case 3: return r.int(2) == 0 ? "\(r.int(1000))" : escaped("s\(r.int(100))", &r)
        case 4:
            let n = r.int(4)
            return "[" + (0..<n).map { _ in space(&r) + value(&r, depth: depth + 1) + space(&r) }.joined(separator: ",") + "]"
        default:
            let n = r.int(4)
            return "{" + (0..<n).map { _ in
                space(&r) + escaped(r.pick(["id", "name", "k\(r.int(5))", "é", "seats"]), &r) + space(&r) + ":" + space(&r)
                    + value(&r, depth: depth + 1)
            }.joined(separator: ",") + "}"
        }
    }

    static func space(_ r: inout Random) -> String { r.pick(["", "", " ", "\n", "\t ", "\r\n"]) }

    /// A JSON string literal, sometimes with `\u` escapes and escaped solidus.
    static func escaped(_ s: String, _ r: inout Random) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += r.int(2) == 0 ? "\\n" : "\\u000a"
            case "\t": out += "\\t"
            case "/": out += "\\/"
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else if u.value > 0xFFFF, r.int(2) == 0 {
                    let v = u.value - 0x10000
                    out += String(format: "\\u%04X\\u%04X", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    static func foundation(_ bytes: [UInt8]) -> Any? { JSONAgreement.foundation(bytes) }

    static func ours(_ bytes: [UInt8]) -> DealValue? {
        try? DealValue.parse(json: bytes)
    }

    static func same(_ a: DealValue, _ b: Any) -> Bool { JSONAgreement.same(a, b) }

    static func foundationQuirk(_ bytes: [UInt8]) -> Bool { JSONAgreement.foundationQuirk(bytes) }

    /// Damages a text: a byte replaced, removed or inserted, a run cut out or doubled.
    static func damage(_ bytes: [UInt8], _ r: inout Random) -> [UInt8] {
        var b = bytes
        let alphabet: [UInt8] = Array("{}[]\",:\\/ 0123456789.eE+-tfnulr\n\u{7f}".utf8) + [0x00, 0x80, 0xC3, 0xA9, 0xFF, 0xED, 0xA0]
        for _ in 0...r.int(3) {
            let at = b.isEmpty ? 0 : r.int(b.count)
            switch r.int(5) {
            case 0 where !b.isEmpty: b[at] = r.pick(alphabet)
            case 1 where !b.isEmpty: b.remove(at: at)
            case 2: b.insert(r.pick(alphabet), at: min(at, b.count))
            case 3 where b.count > 2:
                let end = min(b.count, at + 1 + r.int(6))
                b.removeSubrange(at..<end)
            default:
                let end = min(b.count, at + r.int(6))
                b.insert(contentsOf: b[at..<end], at: at)
            }
        }
        return b
    }

    /// A leading byte-order mark is skipped by any JSON we read, as by a deal (docs/language.md)
    /// and by Foundation (FuzzDeal found `DealValue.parse` refusing it before a number).
    @Test func aByteOrderMarkIsSkipped() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        #expect(try DealValue.parse(json: bom + Array("2".utf8)) == .number("2"))
        #expect(try DealValue.parse(json: bom + Array(#"{"a": [true]}"#.utf8)) == .object(["a": .list([.bool(true)])]))
        #expect(JSONAgreement.disagreement(bom + Array("2".utf8)) == nil)
        // Inside a string it is a character like any other, which we keep (Foundation drops it
        // at the start of a string or after an escape: not a disagreement).
        let inside = Array(#"{"\#u{FEFF}k": ["\#u{FEFF}a", "x\f\#u{FEFF}"]}"#.utf8)
        #expect(try DealValue.parse(json: inside) == .object(["\u{FEFF}k": .list([.text("\u{FEFF}a"), .text("x\u{0C}\u{FEFF}")])]))
        #expect(JSONAgreement.disagreement(inside) == nil)
        // Foundation drops the first and keeps the second.
        let two = Array(#" "\#u{FEFF} @\#u{FEFF} @""#.utf8)
        #expect(try DealValue.parse(json: two) == .text("\u{FEFF} @\u{FEFF} @"))
        #expect(JSONAgreement.disagreement(two) == nil)
        // After it, errors count from after it, as for a deal: `]` is the fourth character.
        do {
            _ = try DealValue.parse(json: bom + Array("[1,]".utf8))
            Issue.record("a comma before `]` was read")
        } catch {
            #expect(error.message.contains("column 4"), "\(error.message)")
            #expect(error.location?.line == 1)
            #expect(error.location?.column == 4)
        }
        #expect(throws: Diagnostic.self) { try DealValue.parse(json: bom + Array("2 x".utf8)) }
        // Only at the start: elsewhere it is not JSON.
        #expect(throws: Diagnostic.self) { try DealValue.parse(json: Array(" ".utf8) + bom + Array("2".utf8)) }
    }

    @Test(arguments: 0..<8)
    func validDocumentsReadAlike(seed: Int) {
        var r = Random(state: UInt64(seed) &* 7919)
        for _ in 0..<400 {
            let text = Self.space(&r) + Self.value(&r, depth: 0) + Self.space(&r)
            let bytes = Array(text.utf8)
            let theirs = Self.foundation(bytes)
            let mine = Self.ours(bytes)
            #expect(theirs != nil, "Foundation rejects a generated document: \(text)")
            guard let theirs, let mine else {
                Issue.record("we reject a valid document (seed \(seed)): \(text)")
                continue
            }
            #expect(Self.same(mine, theirs), "read differently (seed \(seed)): \(text)")
        }
    }

    @Test(arguments: 0..<8)
    func damagedDocumentsAreRejectedAlike(seed: Int) {
        var r = Random(state: UInt64(seed) &* 104_729 &+ 1)
        var rejected = 0, quirks = 0
        for _ in 0..<600 {
            let valid = Array(Self.value(&r, depth: 0).utf8)
            let bytes = Self.damage(valid, &r)
            let theirs = Self.foundation(bytes)
            let mine = Self.ours(bytes)
            let shown = String(decoding: bytes, as: UTF8.self).debugDescription
            if (theirs == nil) != (mine == nil), Self.foundationQuirk(bytes) {
                quirks += 1
                continue
            }
            #expect((theirs == nil) == (mine == nil),
                    "disagree (seed \(seed)): Foundation \(theirs == nil ? "rejects" : "accepts"), we \(mine == nil ? "reject" : "accept") \(shown)")
            if let theirs, let mine { #expect(Self.same(mine, theirs), "read differently (seed \(seed)): \(shown)") }
            if theirs == nil { rejected += 1 }
        }
        // The damage must actually break documents, and the quirks left out must stay few, or
        // the test proves little.
        #expect(rejected > 150)
        #expect(quirks < 30)
    }

    /// The deal reader: invalid JSON is exactly what Foundation rejects; a deal it reads has
    /// the values Foundation reads.
    @Test(arguments: 0..<4)
    func dealsAreInvalidJSONExactlyWhenFoundationSaysSo(seed: Int) throws {
        let rules = try northwind()
        var r = Random(state: UInt64(seed) &* 31 &+ 5)
        let services = ["SIEM", "Endpoint Protection", "Off Catalog", "Zürich Ops"]
        var accepted = 0
        for _ in 0..<500 {
            var fields: [String] = []
            if r.int(2) == 0 { fields.append("\"region\": \(r.pick(["\"EU\"", "\"US\"", "null"]))") }
            if r.int(2) == 0 { fields.append("\"discount\": \(r.pick(["25", "\"12%\"", "7.5", "0"]))") }
            if r.int(2) == 0 { fields.append("\"total\": \(r.pick(["1200", "\"$1,200\"", "99.99", "1e3"]))") }
            if r.int(2) == 0 { fields.append("\"id\": \(r.pick(["\"Q-1\"", "12345678901234567890", "{\"crm\": [1, 2]}", "null"]))") }
            if r.int(2) == 0 {
                let items = (0..<r.int(3)).map { i in "{\"name\": \(Self.escaped(services[(i + r.int(4)) % 4], &r)), \"seats\": \(r.int(50))}" }
                fields.append("\"services\": [\(items.joined(separator: ", "))]")
            }
            let valid = Array(("{" + fields.joined(separator: ", ") + "}").utf8)
            let bytes = r.int(3) == 0 ? valid : Self.damage(valid, &r)
            let theirs = Self.foundation(bytes)
            let shown = String(decoding: bytes, as: UTF8.self).debugDescription
            do {
                let deal = try rules.deal(json: bytes)
                accepted += 1
                guard let object = theirs as? [String: Any] else {
                    if Self.foundationQuirk(bytes) { continue }
                    Issue.record("we read a deal Foundation rejects (seed \(seed)): \(shown)")
                    continue
                }
                if let id = deal.id, let parsed = try? DealValue.parse(json: Array(id.utf8)), let given = object["id"] {
                    #expect(Self.same(parsed, given), "id echoed differently: \(shown)")
                }
                let names = deal.itemNames("service", in: rules)
                let theirNames = (object["services"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
                #expect(names == theirNames, "service names read differently: \(shown)")
            } catch {
                if theirs == nil {
                    continue  // both reject; ours may name a deal problem met before the syntax error
                }
                if Self.foundationQuirk(bytes) { continue }
                #expect(error.code != .invalidJSON, "we call valid JSON invalid (seed \(seed)): \(shown): \(error.message)")
            }
        }
        #expect(accepted > 50)
    }
}
