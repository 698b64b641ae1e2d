import DealRules

import Glibc

/// What Tab offers: candidates that replace the text before the cursor from `start` (a count
/// of characters).
public struct Completion: Sendable, Equatable {
    public let start: Int
    public let candidates: [String]

    public init(start: Int, candidates: [String]) {
        self.start = start
        self.candidates = candidates
    }

    /// The longest text every candidate starts with.
    public var commonPrefix: String {
        guard var prefix = candidates.first else { return "" }
        for c in candidates.dropFirst() {
            while !c.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }
}

extension Session {
    /// Candidates for the word before the cursor, from what comes before it: meta-commands,
    /// fields (item fields after `service.`), choice values after a choice field, approvals and
    /// rules after `:why`/`:avoid`, catalog names inside quotes, files after `:load`/`:open`/`:save`/`:write`.
    public func complete(_ prefix: String) -> Completion {
        let chars = Array(prefix)
        if prefix.hasPrefix(":") {
            if !prefix.contains(where: \.isWhitespace) {
                let word = String(prefix.dropFirst())
                return Completion(start: 1, candidates: matching(word, Session.commands.map(\.name)))
            }
            let name = String(prefix.dropFirst().prefix { !$0.isWhitespace })
            let argStart = lastArgumentStart(chars)
            let word = String(chars[argStart...])
            switch name {
            case "load": return Completion(start: argStart, candidates: files(word, extensions: [".rules"]))
            case "open": return Completion(start: argStart, candidates: files(word, extensions: [".json"]))
            case "save": return Completion(start: argStart, candidates: files(word, extensions: [".json", ".rules"]))
            case "write": return Completion(start: argStart, candidates: files(word, extensions: [".rules"]))
            case "why": return Completion(start: argStart, candidates: matching(word, rules.approvals.map(\.name) + ["deny"] + rules.rules.map(\.name)))
            case "avoid": return Completion(start: argStart, candidates: matching(word, rules.approvals.map(\.name) + ["deny"]))
            case "help": return Completion(start: argStart, candidates: matching(word, Session.commands.map(\.name)))
            case "whatif":
                let offset = prefix.distance(from: prefix.startIndex, to: prefix.firstIndex(where: \.isWhitespace)!) + 1
                let tail = String(chars[offset...])
                let lastFact = tail.split(separator: ";", omittingEmptySubsequences: false).last.map(String.init) ?? tail
                let inner = complete(lastFact.drop { $0 == " " }.description)
                let base = chars.count - lastFact.drop { $0 == " " }.count
                return Completion(start: base + inner.start, candidates: inner.candidates)
            default: return Completion(start: chars.count, candidates: [])
            }
        }
        // Inside an open quote: catalog names (and the deal's item names after `remove`).
        if let quote = openQuote(chars) {
            let partial = String(chars[(quote + 1)...])
            let before = String(chars[..<quote]).split(whereSeparator: \.isWhitespace).map(String.init)
            var names: [String] = []
            var kinds = rules.itemKinds
            if before.count >= 2, ["add", "remove"].contains(before[before.count - 2]),
               let k = rules.itemKind(named: before[before.count - 1]) {
                kinds = [k]
            }
            for k in kinds { names += k.catalog?.entries.map(\.name) ?? [] }
            if before.count >= 2, before[before.count - 2] == "remove" || names.isEmpty {
                for k in kinds { names += deal.itemNames(k.name, in: rules) }
            }
            let unique = Array(Set(names)).sorted()
            return Completion(start: quote + 1, candidates: matching(partial, unique).map { $0 + "\"" })
        }
        // The word being typed: letters, digits, `_` and `.`.
        var start = chars.count
        while start > 0, chars[start - 1].isLetter || chars[start - 1].isNumber || chars[start - 1] == "_" || chars[start - 1] == "." {
            start -= 1
        }
        let word = String(chars[start...])
        let before = String(chars[..<start]).split(whereSeparator: { $0.isWhitespace }).map(String.init)
        // `service.` or `services.`: that item's fields.
        if let dot = word.lastIndex(of: ".") {
            let base = String(word[..<dot])
            let kind = rules.itemKind(named: base)
                ?? rules.field(named: base).flatMap { f -> ItemKind? in
                    if case .list(.item(let k)) = f.type { return rules.itemKinds[k] }
                    return nil
                }
            guard let kind else { return Completion(start: start, candidates: []) }
            let fieldPrefix = String(word[word.index(after: dot)...])
            return Completion(start: start + base.count + 1, candidates: matching(fieldPrefix, kind.fields.map(\.name)))
        }
        // After `add`: item kinds; after `add KIND "NAME" with` or `, ` in it: that item's fields.
        if before.last == "add" || before.last == "remove" {
            return Completion(start: start, candidates: matching(word, rules.itemKinds.filter { $0.listField != nil }.map(\.name)))
        }
        if let withIndex = before.lastIndex(of: "with"), withIndex >= 2, before[0] == "add",
           let kind = rules.itemKind(named: before[1]) {
            let afterWith = before[(withIndex + 1)...]
            if afterWith.isEmpty || afterWith.last!.hasSuffix(",") {
                return Completion(start: start, candidates: matching(word, kind.fields.dropFirst().map(\.name)))
            }
            if afterWith.last == "=" || afterWith.last == "is", afterWith.count >= 2,
               let f = kind.fields.first(where: { $0.name == afterWith[afterWith.index(before: afterWith.endIndex - 1)] }) {
                return Completion(start: start, candidates: matching(word, choiceValues(f.type)))
            }
        }
        if before.last == "unset" {
            return Completion(start: start, candidates: matching(word, rules.fields.map(\.name)))
        }
        // After a choice field and `=`, `is`, `is not`, `!=`, `in [`: its values.
        if let field = comparedField(before), case let values = choiceValues(field), !values.isEmpty {
            return Completion(start: start, candidates: matching(word, values))
        }
        // Anything else: the names a fact or a question starts with.
        var names = rules.fields.map(\.name) + rules.defines.map(\.name) + rules.itemKinds.map(\.name)
        if before.isEmpty { names += ["add", "remove", "unset", "today", "rule", "require", "deny", "warn", "define"] }
        names += ["any", "every", "no", "count of", "sum of", "min of", "max of", "not", "and", "or", "in", "contains",
                  "between", "is", "today", "yes"]
        return Completion(start: start, candidates: matching(word, Array(Set(names)).sorted()))
    }

    private func matching(_ word: String, _ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { $0.hasPrefix(word) && seen.insert($0).inserted }
    }

    /// The type of the field compared just before the word (`region is`, `sla in [gold,`).
    private func comparedField(_ before: [String]) -> ValueType? {
        var tokens = before
        // `in [US, ` — skip back over the list.
        if let open = tokens.lastIndex(where: { $0.hasPrefix("[") }), !tokens[open...].contains(where: { $0.contains("]") }) {
            tokens = Array(tokens[..<open])
            guard tokens.last == "in" || tokens.last == "=" || tokens.last == "is" else { return nil }
        }
        while let last = tokens.last, ["=", "is", "not", "!=", "in", "contains"].contains(last) { tokens.removeLast() }
        guard tokens.count < before.count || before.last?.hasPrefix("[") == true, let name = tokens.last else { return nil }
        if let f = rules.field(named: name) { return f.type }
        let parts = name.split(separator: ".")
        if parts.count == 2, let k = rules.itemKind(named: String(parts[0])),
           let f = k.fields.first(where: { $0.name == parts[1] }) {
            return f.type
        }
        return nil
    }

    private func choiceValues(_ type: ValueType?) -> [String] {
        switch type {
        case .choice(let c)?, .list(.choice(let c))?: rules.choices[c].values
        case .flag?: ["yes", "no"]
        default: []
        }
    }

    private func openQuote(_ chars: [Character]) -> Int? {
        var open: Int?
        var i = 0
        while i < chars.count {
            if chars[i] == "\\", open != nil {
                i += 2
                continue
            }
            if chars[i] == "\"" { open = open == nil ? i : nil }
            i += 1
        }
        return open
    }

    private func lastArgumentStart(_ chars: [Character]) -> Int {
        var i = chars.count
        while i > 0, !chars[i - 1].isWhitespace { i -= 1 }
        return i
    }

    /// Files and folders that start with `word`; folders end with `/`.
    private func files(_ word: String, extensions: [String]) -> [String] {
        let slash = word.lastIndex(of: "/")
        let dir = slash.map { String(word[...$0]) } ?? ""
        let base = slash.map { String(word[word.index(after: $0)...]) } ?? word
        guard let d = opendir(dir.isEmpty ? "." : dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix(base), name != ".", name != "..", !(name.hasPrefix(".") && !base.hasPrefix(".")) else { continue }
            var st = stat()
            let full = dir + name
            guard stat(full.isEmpty ? "." : full, &st) == 0 else { continue }
            if st.st_mode & S_IFMT == S_IFDIR {
                out.append(full + "/")
            } else if extensions.isEmpty || extensions.contains(where: { name.hasSuffix($0) }) {
                out.append(full)
            }
        }
        return out.sorted()
    }
}
