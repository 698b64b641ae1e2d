/// Why a deal could not be read, while it is read: a stable code, a message that names the
/// field and says what was expected, and where in the text. It leaves the reader as a
/// `Diagnostic` located in the deal's own text (`diagnostic(in:name:)`).
struct DealReadError: Error {
    let code: DiagnosticCode
    let message: String
    let help: String?
    /// The byte it points at; nil when it is about the deal as a whole (its size).
    let offset: Int?

    init(_ code: DiagnosticCode, _ message: String, help: String? = nil, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.help = help
        self.offset = offset
    }

    /// The diagnostic, pointing into `text` (named `name`, as messages show it: a path,
    /// `<stdin>`, `deal`).
    func diagnostic(in text: UnsafeBufferPointer<UInt8>, name: String) -> Diagnostic {
        guard let offset else { return Diagnostic(code, message, help: help) }
        let file = SourceFile(path: name, bytes: Array(text), showsExcerpts: false)
        // The file drops a leading byte-order mark, as the reader does.
        return Diagnostic(code, message, at: SourceLocation(file, at: Int32(clamping: min(offset, file.bytes.count))), help: help)
    }
}

extension DealReader {
    // MARK: Errors

    func error(_ code: DiagnosticCode, _ message: String, at offset: Int? = nil, help: String? = nil) -> DealReadError {
        DealReadError(code, message, help: help, offset: min(offset ?? i, b.count))
    }

    func syntax(_ expected: String) -> DealReadError {
        if i >= b.count {
            return error(.invalidJSON, "invalid JSON: the input ends where \(expected) should be")
        }
        // A word is shown whole (`NaN`, `undefined`); a symbol alone.
        var end = i
        while end < b.count, end - i < 24, Lexer.isNameByte(b[end]) || b[end] == UInt8(ascii: ".") && end > i { end += 1 }
        let shown = end > i + 1 ? "`\(String(decoding: UnsafeBufferPointer(rebasing: b[i..<end]), as: UTF8.self))`"
            : b[i] >= 0x20 && b[i] < 0x7F ? "`\(Character(UnicodeScalar(b[i])))`" : "byte 0x\(String(b[i], radix: 16))"
        let (l, c) = position(i)
        var help: String?
        switch b[i] {
        case UInt8(ascii: "."): help = "a JSON number starts with a digit: `0.5`"
        case UInt8(ascii: "+"): help = "a JSON number has no `+`: write `1`"
        case UInt8(ascii: "N"), UInt8(ascii: "I"): help = "JSON has no NaN or Infinity: give a number, or null when it is not known"
        case UInt8(ascii: "'"): help = "JSON text goes in double quotes"
        default: break
        }
        return error(.invalidJSON, "invalid JSON at line \(l), column \(c): expected \(expected), found \(shown)", help: help)
    }

    /// The line and column (in characters) of byte `o`, counted from 1.
    func position(_ o: Int) -> (Int, Int) {
        let o = min(o, b.count)
        var line = 1, lineStart = 0
        for k in 0..<o where b[k] == UInt8(ascii: "\n") {
            line += 1
            lineStart = k + 1
        }
        return (line, String(decoding: UnsafeBufferPointer(rebasing: b[lineStart..<o]), as: UTF8.self).count + 1)
    }


    func expectation(_ type: ValueType) -> String {
        switch type {
        case .text: "text in quotes"
        case .number: "a JSON number, like 12 or 1200.5"
        case .money: "a number, like 1200, or text like \"$1,200\""
        case .percent: "a number of points, like 25, or text like \"25%\""
        case .duration: "text like \"12 months\" or \"30 days\""
        case .date: "text like \"2026-12-01\""
        case .flag: "true or false"
        case .choice(let c): "one of \(rules.choices[c].values.map { "\"\($0)\"" }.joined(separator: ", "))"
        case .list(let e): "a list [ … ] of \(rules.typeName(e)) values"
        case .item(let k): "a \(rules.itemKinds[k].name) object"
        case .emptyList: "a list"
        }
    }

    /// The error of a value at `at` that is not JSON at all (`EU`, `.5`, `NaN`, `+1`), if it is not.
    func jsonError(at: Int) -> DealReadError? {
        var copy = self
        copy.i = at
        do {
            try copy.skipValue()
            return nil
        } catch {
            return error
        }
    }

    /// A value of the wrong type, or one that is not JSON: said in the field's terms either way,
    /// with the code `deal.invalid-json` for the second (a JSON error further inside the value
    /// is said as the JSON reader says it).
    func wrongType(_ path: ValuePath, _ type: ValueType, _ at: Int) -> DealReadError {
        if let bad = jsonError(at: at) {
            guard bad.offset == at else { return bad }
            return error(.invalidJSON, "`\(text(path))` must be \(TypeNamer(choices: rules.choices, items: rules.itemKinds).article(type)), not \(describeValueStart(at))",
                         at: at, help: bad.help ?? "write \(expectation(type))")
        }
        return self.error(.wrongValueType, "`\(text(path))` must be \(TypeNamer(choices: rules.choices, items: rules.itemKinds).article(type)), not \(describeValue(at))",
              at: at, help: "write \(expectation(type))")
    }

    /// How a message names the JSON value starting at `at`.
    func describeValue(_ at: Int) -> String {
        var copy = self
        copy.i = at
        let start = at
        if (try? copy.skipValue()) != nil {
            var text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<copy.i]), as: UTF8.self)
            if text.count > 40 { text = String(text.prefix(37)) + "…" }
            switch b[at] {
            case UInt8(ascii: "\""): return "text \(text)"
            case UInt8(ascii: "{"): return "an object"
            case UInt8(ascii: "["): return "a list"
            case UInt8(ascii: "t"), UInt8(ascii: "f"): return "`\(text)`"
            default: return "the number \(text)"
            }
        }
        return describeValueStart()
    }

    func describeValueStart(_ at: Int) -> String {
        var copy = self
        copy.i = at
        return copy.describeValueStart()
    }

    func describeValueStart() -> String {
        guard i < b.count else { return "nothing" }
        switch b[i] {
        case UInt8(ascii: "["): return "a list"
        case UInt8(ascii: "\""): return "text"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            var copy = self
            if copy.match("true") || copy.match("false") { return "true or false" }
        case UInt8(ascii: "n"):
            if peekNull() { return "null" }
        case UInt8(ascii: "-"), 0x30...0x39: return "a number"
        default: break
        }
        // Not the start of any JSON value: show the word as it is.
        var end = i
        while end < b.count, end - i < 24, !" \t\r\n,:{}[]\"".utf8.contains(b[end]) { end += 1 }
        if end == i { return "`\(Character(UnicodeScalar(b[i])))`" }
        return "`\(String(decoding: UnsafeBufferPointer(rebasing: b[i..<end]), as: UTF8.self))`, which is not JSON"
    }
}
