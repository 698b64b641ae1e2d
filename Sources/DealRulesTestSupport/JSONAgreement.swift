import DealRules
import Foundation

/// Our JSON reading (`DealValue`, the deal reader's syntax) against Foundation's
/// `JSONSerialization`: `JSONAgreementTests` and the `FuzzDeal` target check that both accept
/// the same texts and read them to the same values.
///
/// Known, intended differences are left out (`foundationQuirk`): Foundation rejects numbers too
/// large for a `Double` (JSON allows any size, and we keep a number's decimal text), accepts a
/// NUL byte (it then guesses UTF-16 or UTF-32), a comma before `]` or `}`, and the same key twice
/// (JSON allows none of these; docs/limits.md: a repeated key is an error), nests to its own
/// depth limit, and drops a U+FEFF at the start of a string or after an escape (`same` allows
/// it). Numbers are compared as decimals (`sameNumber`).
package enum JSONAgreement {
    /// Foundation's reading, or nil when it rejects the text.
    package static func foundation(_ bytes: [UInt8]) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    /// Decimal text against Foundation's number: equal as decimals (exactly when both are
    /// integers Foundation could hold, else to Double precision).
    package static func sameNumber(_ text: String, _ n: NSNumber) -> Bool {
        if let exact = Int64(text), !isFloat(n) { return exact == n.int64Value }
        guard let d = Double(text) else { return false }
        let f = n.doubleValue
        return d == f || abs(d - f) <= abs(d) * 1e-12
    }

    /// How Foundation tagged a number it read: `c` for a boolean, `d` or `f` for binary floating point.
    static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }
    static func isFloat(_ n: NSNumber) -> Bool { ["d", "f"].contains(String(cString: n.objCType)) }

    package static func same(_ a: DealValue, _ b: Any) -> Bool {
        switch a {
        case .null: return b is NSNull
        case .bool(let x):
            guard let n = b as? NSNumber, isBool(n) else { return false }
            return n.boolValue == x
        case .number(let t):
            guard let n = b as? NSNumber, !isBool(n) else { return false }
            return sameNumber(t, n)
        case .text(let s):
            guard let t = b as? String else { return false }
            return t == s || sameButFEFF(s, t)
        case .list(let xs):
            guard let ys = b as? [Any], ys.count == xs.count else { return false }
            return zip(xs, ys).allSatisfy { same($0, $1) }
        case .object(let o):
            guard let p = b as? [String: Any], p.count == o.count else { return false }
            return o.allSatisfy { k, v in
                (p[k] ?? p.first(where: { sameButFEFF(k, $0.key) })?.value).map { same(v, $0) } ?? false
            }
        }
    }

    /// Whether Foundation's `theirs` is `ours` with some U+FEFF dropped: it drops one that begins
    /// a string or follows an escape, and keeps the others (FuzzDeal found both); we keep every
    /// character.
    static func sameButFEFF(_ ours: String, _ theirs: String) -> Bool {
        let a = Array(ours.unicodeScalars), b = Array(theirs.unicodeScalars)
        var j = 0
        for x in a {
            if j < b.count, x == b[j] { j += 1 } else if x != "\u{FEFF}" { return false }
        }
        return j == b.count
    }

    /// Where Foundation departs from JSON (RFC 8259), the texts on which it may disagree with us.
    package static func foundationQuirk(_ bytes: [UInt8]) -> Bool {
        if bytes.contains(0) { return true }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.range(of: #",\s*[\]}]"#, options: .regularExpression) != nil { return true }
        // A number literal a Double cannot hold.
        var i = text.startIndex
        while let r = text[i...].range(of: #"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"#, options: .regularExpression) {
            if let d = Double(text[r]), d.isInfinite { return true }
            i = r.upperBound
        }
        // The same key twice, or nesting deeper than ours allows (the general reader says which).
        do {
            _ = try JSON.parse(bytes)
        } catch {
            if error.message.hasSuffix("appears twice") || error.message.hasPrefix("the JSON nests deeper") { return true }
        }
        return nesting(bytes) > Limits.default.maxJSONDepth - 2
    }

    /// How deeply brackets nest outside strings.
    static func nesting(_ bytes: [UInt8]) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") {
                depth += 1
                deepest = max(deepest, depth)
            } else if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") {
                depth -= 1
            }
        }
        return deepest
    }

    /// A disagreement, in words, or nil: both reject the text, or both read the same value.
    package static func disagreement(_ bytes: [UInt8]) -> String? {
        let theirs = foundation(bytes)
        let mine = try? DealValue.parse(json: bytes)
        if (theirs == nil) != (mine == nil) {
            if foundationQuirk(bytes) { return nil }
            return "Foundation \(theirs == nil ? "rejects" : "accepts") it, the deal reader \(mine == nil ? "rejects" : "accepts") it"
        }
        if let theirs, let mine, !same(mine, theirs), !foundationQuirk(bytes) { return "read to different values" }
        return nil
    }
}
