/// "Did you mean" from an edit distance: the closest candidate within a third of the word's
/// length (at least one edit), ties broken by declaration order.
package enum Suggestions {
    package static func closest<S: Sequence>(to word: String, in candidates: S) -> String?
    where S.Element == String {
        let target = Array(word.lowercased())
        let limit = max(1, target.count / 3)
        var best: (String, Int)?
        var prefixed: [String] = []
        for candidate in candidates where candidate != word {
            let d = distance(target, Array(candidate.lowercased()))
            if d <= limit, d < (best?.1 ?? Int.max) {
                best = (candidate, d)
            }
            if target.count >= 3, candidate.lowercased().hasPrefix(String(target)) { prefixed.append(candidate) }
        }
        // A misspelling first; else the one name the word begins (`finance` → `finance_approval`).
        return best?.0 ?? (Set(prefixed).count == 1 ? prefixed[0] : nil)
    }

    /// `did you mean `x`?` or nil.
    package static func didYouMean<S: Sequence>(_ word: String, _ candidates: S) -> String?
    where S.Element == String {
        closest(to: word, in: candidates).map { "did you mean `\($0)`?" }
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    /// neighbouring characters each cost one.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d = min(d, before[j - 2] + 1)
                }
                current[j] = d
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}

extension Suggestions {
    /// The name a help text suggests (`did you mean `x`?`, as `didYouMean` writes it), for a
    /// quick fix in an editor.
    package static func suggestion(inHelp help: String) -> String? {
        guard let start = help.firstRange(of: "did you mean `") else { return nil }
        let rest = help[start.upperBound...]
        guard let end = rest.firstRange(of: "`?") else { return nil }
        let name = String(rest[..<end.lowerBound])
        return name.isEmpty || name.contains("`") ? nil : name
    }

    /// How many edits turn one word into another (see `distance`).
    package static func editDistance(_ a: String, _ b: String) -> Int {
        distance(Array(a.lowercased()), Array(b.lowercased()))
    }
}
