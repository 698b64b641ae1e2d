/// Where a deal comes in: JSON text read for a rule set (`RuleSet.deal(json:name:)`), a
/// stream's line, an id found in a line that cannot be read, any JSON as `DealValue`s.
extension RuleSet {
    /// The deal field a JSON key names.
    func slot(forKey key: UnsafeBufferPointer<UInt8>) -> Int? {
        fieldKeys.lookup(key)
    }

    /// Reads one deal from JSON: the declared fields by name, `null` for not given, and the
    /// two keys always allowed, `"id"` (echoed) and `"today"` (that deal's date).
    ///
    /// A deal that cannot be read throws a diagnostic located in its text, which `name` names
    /// (a path, `<stdin>`; `deal` by default).
    public func deal(json bytes: some Collection<UInt8>, name: String = "deal") throws(Diagnostic) -> Deal {
        let result = bytes.withContiguousStorageIfAvailable { deal(buffer: $0, name: name) }
            ?? Array(bytes).withUnsafeBufferPointer { deal(buffer: $0, name: name) }
        return try result.get()
    }

    func deal(buffer whole: UnsafeBufferPointer<UInt8>, name: String = "deal") -> Result<Deal, Diagnostic> {
        var deal = emptyDeal()
        if let error = read(buffer: whole, into: &deal) { return .failure(error.diagnostic(in: whole, name: name)) }
        return .success(deal)
    }

    /// Reads a deal into `deal` (its storage reused); the error when it cannot be read.
    func read(buffer whole: UnsafeBufferPointer<UInt8>, into deal: inout Deal) -> DealReadError? {
        if whole.count > limits.maxDealBytes {
            let d = Diagnostic.lineTooLong(bytes: whole.count, limit: limits.maxDealBytes)
            return DealReadError(d.code, d.message, help: d.help)
        }
        let bytes = DealReader.withoutByteOrderMark(whole)
        var usual = DealReader(rules: self, bytes: bytes)
        if usual.readUsual(into: &deal) { return nil }
        return readFully(bytes, into: &deal)
    }

    /// Reads a deal with the full reader alone (not its usual path first).
    func readFully(_ bytes: UnsafeBufferPointer<UInt8>, into deal: inout Deal) -> DealReadError? {
        var reader = DealReader(rules: self, bytes: bytes)
        do throws(DealReadError) { try reader.readDeal(into: &deal) } catch { return error }
        return nil
    }

    /// The deal the reader's usual path reads from `bytes`, or nil where it gives up; and the
    /// deal the full reader reads, or its error. Where the usual path reads a deal, the two
    /// must be equal (the tests and the fuzz target `FuzzDeal` check it).
    package func dealBothWays(json bytes: [UInt8]) -> (usual: Deal?, full: Result<Deal, Diagnostic>) {
        bytes.withUnsafeBufferPointer { whole in
            let text = DealReader.withoutByteOrderMark(whole)
            var usual: Deal? = emptyDeal()
            var reader = DealReader(rules: self, bytes: text)
            if !reader.readUsual(into: &usual!) { usual = nil }
            var full = emptyDeal()
            return (usual, readFully(text, into: &full).map { .failure($0.diagnostic(in: whole, name: "deal")) } ?? .success(full))
        }
    }

    /// Reads one deal from JSON text (see `deal(json:name:)` for bytes).
    public func deal(json text: String, name: String = "deal") throws(Diagnostic) -> Deal {
        try deal(json: Array(text.utf8), name: name)
    }
}

extension Diagnostic {
    /// A line of a stream longer than the limit: it is answered with this, never held whole.
    package static func lineTooLong(bytes n: Int, limit: Int) -> Diagnostic {
        // The same words whether the line was read (and then refused) or skipped unread.
        Diagnostic(.dealLimit, "the deal is \(n) bytes; the limit is \(limit)", help: "raise it with --max-deal-bytes")
    }
}

extension RuleSet {
    /// The raw JSON of a deal's `"id"`, when the text is an object that has one: a bad line in
    /// a stream still names its deal when it can.
    package func dealID(json bytes: some Collection<UInt8>) -> String? {
        let array = Array(bytes)
        return array.withUnsafeBufferPointer { whole -> String? in
            var reader = DealReader(rules: self, bytes: whole)
            reader.skipSpace()
            guard reader.i < whole.count, whole[reader.i] == UInt8(ascii: "{") else { return nil }
            var id: String?
            try? reader.readObject { r, key, _ throws(DealReadError) in
                let start = r.i
                try r.skipValue()
                if key.elementsEqual("id".utf8) {
                    let raw = String(decoding: UnsafeBufferPointer(rebasing: r.b[start..<r.i]), as: UTF8.self)
                    id = raw == "null" ? nil : raw
                }
            }
            return id
        }
    }
}

extension DealValue {
    /// Reads any JSON text (numbers keep their decimal text, as a deal reads them); a leading
    /// byte-order mark is skipped, as in a deal.
    public static func parse(json bytes: some Collection<UInt8>, limits: Limits = .default) throws(Diagnostic) -> DealValue {
        let array = Array(bytes)
        let rules = RuleSet(CheckedRules(limits: limits))
        let result: Result<DealValue, Diagnostic> = array.withUnsafeBufferPointer { whole in
            var reader = DealReader(rules: rules, bytes: DealReader.withoutByteOrderMark(whole))
            do throws(DealReadError) {
                let v = try reader.readAny()
                reader.skipSpace()
                if reader.i < reader.b.count { throw reader.syntax("the end of the input") }
                return .success(v)
            } catch { return .failure(error.diagnostic(in: whole, name: "json")) }
        }
        return try result.get()
    }
}
